//! A task's environment through the real binary: the repository's
//! `.tandem/setup.sh` (or `[tasks] setup`) installs a dependency over the
//! network before the agent starts, the agent's test then passes with the
//! network cut, the next task reuses the set-up's layer, and a changed
//! lockfile runs the set-up again. The dependency comes from a small HTTP
//! server on 127.0.0.1 in the test, which counts what it serves.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, overlay_available, run_task, tandem_command, task};

/// A package index of one file: serves `shout.py` and counts the requests.
struct Index {
    port: u16,
    served: Arc<AtomicUsize>,
}

impl Index {
    fn start() -> Index {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(AtomicUsize::new(0));
        let count = served.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                // The rest of the head, up to the blank line.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let body = "def shout(s):\n    return s.upper() + \"!\"\n";
                let reply = if request_line.starts_with("GET /shout.py ") {
                    count.fetch_add(1, Ordering::SeqCst);
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_string()
                };
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        Index { port, served }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/shout.py", self.port)
    }

    fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

fn human_show(home: &Path, repo: &Path, shown: &Value) -> String {
    let id = shown["task"]["id"].as_str().unwrap();
    String::from_utf8_lossy(&task(home, repo, &["show", id]).stdout).into_owned()
}

/// The agent runs the project's test, then tries the set-up's own fetch.
fn test_then_fetch(index: &Index) -> Vec<Turn> {
    vec![
        Turn::new().tool_use("shell", json!({"command": "python3 test_app.py"})),
        Turn::new().tool_use(
            "shell",
            json!({"command": format!(
                "curl -fsS {} -o /tmp/shout.py && echo FETCHED || echo \"NO NETWORK ($?)\"",
                index.url()
            )}),
        ),
        Turn::say("Tests pass."),
    ]
}

fn commands(shown: &Value) -> Vec<(i64, String)> {
    shown["result"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["exit_code"].as_i64().unwrap_or(-1),
                c["output"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn repo_needing(index: &Index) -> tempfile::TempDir {
    let repo = fixture("needs-dep");
    std::fs::write(
        repo.path().join("requirements.txt"),
        format!("shout @ {}\n", index.url()),
    )
    .unwrap();
    repo
}

fn trust(home: &Path, repo: &Path) {
    let out = tandem_command(home)
        .arg("trust")
        .arg(repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
}

#[test]
fn a_task_installs_its_dependency_in_setup_then_passes_with_the_network_cut() {
    if !overlay_available() {
        return;
    }
    let index = Index::start();
    let repo = repo_needing(&index);
    let home = tempfile::tempdir().unwrap();
    trust(home.path(), repo.path());
    let script = Script::new()
        .conversation("first-run", test_then_fetch(&index))
        .conversation("second-run", test_then_fetch(&index))
        .conversation("after-the-lockfile-changed", test_then_fetch(&index))
        .conversation("no-setup", test_then_fetch(&index));
    let model = ScriptedServer::start(script);

    // 1. The set-up runs, with the network: one fetch.
    let first = run_task(home.path(), repo.path(), &model.url(), "first-run", &[]);
    assert_eq!(first["task"]["state"], "done", "{first}");
    let setup = &first["task"]["setup"];
    assert_eq!(setup["reused"], false, "{first}");
    assert_eq!(setup["exit_code"], 0, "{first}");
    assert!(
        setup["output"]
            .as_str()
            .unwrap()
            .contains("installed shout from"),
        "{setup}"
    );
    assert_eq!(index.served(), 1, "the set-up did not fetch once");
    let ran = commands(&first);
    // The agent's test found the dependency the set-up installed …
    assert_eq!(ran[0].0, 0, "{ran:?}");
    assert!(ran[0].1.contains("1 passed"), "{ran:?}");
    // … and the same fetch from the agent's command reached nothing.
    assert!(ran[1].1.contains("NO NETWORK"), "{ran:?}");
    assert!(!ran[1].1.contains("FETCHED"), "{ran:?}");
    assert_eq!(index.served(), 1, "the agent's command reached the network");
    // The installed files are the environment, not the proposal, and the
    // user's checkout has none of them.
    assert!(
        !first["diff"].as_str().unwrap().contains("shout"),
        "{first}"
    );
    assert!(!repo.path().join("vendor").exists());
    assert!(
        human_show(home.path(), repo.path(), &first).contains("setup: ran `sh .tandem/setup.sh`")
    );

    // 2. Same lockfiles: the layer is stacked, nothing is fetched again.
    let second = run_task(home.path(), repo.path(), &model.url(), "second-run", &[]);
    assert_eq!(second["task"]["state"], "done", "{second}");
    assert_eq!(second["task"]["setup"]["reused"], true, "{second}");
    assert_eq!(
        second["task"]["setup"]["key"],
        first["task"]["setup"]["key"]
    );
    assert_eq!(commands(&second)[0].0, 0, "{second}");
    assert_eq!(index.served(), 1, "the second task ran the set-up again");
    let shown = human_show(home.path(), repo.path(), &second);
    assert!(shown.contains("setup: reused"), "{shown}");

    // 3. A changed lockfile makes a new layer: the set-up runs again.
    std::fs::write(
        repo.path().join("requirements.txt"),
        format!("# pinned again\nshout @ {}\n", index.url()),
    )
    .unwrap();
    let third = run_task(
        home.path(),
        repo.path(),
        &model.url(),
        "after-the-lockfile-changed",
        &[],
    );
    assert_eq!(third["task"]["state"], "done", "{third}");
    assert_eq!(third["task"]["setup"]["reused"], false, "{third}");
    assert_ne!(third["task"]["setup"]["key"], first["task"]["setup"]["key"]);
    assert_eq!(index.served(), 2);
    assert_eq!(commands(&third)[0].0, 0, "{third}");

    // Control: with the set-up turned off the same test cannot pass, so
    // the passes above were the set-up's doing.
    let bare = run_task(
        home.path(),
        repo.path(),
        &model.url(),
        "no-setup",
        &["-c", "tasks.setup=\"\""],
    );
    assert!(bare["task"]["setup"].is_null(), "{bare}");
    let ran = commands(&bare);
    assert_ne!(ran[0].0, 0, "{ran:?}");
    assert!(ran[0].1.contains("No module named 'shout'"), "{ran:?}");
    assert_eq!(index.served(), 2);
}

/// The script is the repository's code: in a folder nobody trusted it
/// does not run (the index is never asked), and the task says why.
#[test]
fn an_untrusted_folders_setup_script_does_not_run() {
    if !overlay_available() {
        return;
    }
    let index = Index::start();
    let repo = repo_needing(&index);
    let home = tempfile::tempdir().unwrap();
    let model =
        ScriptedServer::start(Script::new().conversation("untrusted", test_then_fetch(&index)));
    let shown = run_task(home.path(), repo.path(), &model.url(), "untrusted", &[]);
    assert!(shown["task"]["setup"].is_null(), "{shown}");
    assert_eq!(index.served(), 0, "an untrusted set-up script ran");
    assert_ne!(commands(&shown)[0].0, 0, "{shown}");
    // Control: the user's own setting runs in the same untrusted folder.
    let model =
        ScriptedServer::start(Script::new().conversation("own-setting", test_then_fetch(&index)));
    let own = run_task(
        home.path(),
        repo.path(),
        &model.url(),
        "own-setting",
        &["-c", "tasks.setup=\"sh .tandem/setup.sh\""],
    );
    assert_eq!(own["task"]["setup"]["exit_code"], 0, "{own}");
    assert_eq!(index.served(), 1);
    assert_eq!(commands(&own)[0].0, 0, "{own}");
}

/// A set-up that fails fails the task with its reason, before any model
/// call, and keeps no layer: the next task runs it again.
#[test]
fn a_failing_setup_fails_the_task_with_its_reason() {
    if !overlay_available() {
        return;
    }
    let repo = fixture("needs-dep");
    let home = tempfile::tempdir().unwrap();
    let model = ScriptedServer::start(Script::new().turn(Turn::say("never asked")));
    let setup = "tasks.setup=\"echo resolving; echo 'error: no index reachable' >&2; exit 3\"";
    let shown = run_task(
        home.path(),
        repo.path(),
        &model.url(),
        "work",
        &["-c", setup],
    );
    assert_eq!(shown["task"]["state"], "failed", "{shown}");
    let error = shown["task"]["error"].as_str().unwrap();
    assert!(
        error.contains("set-up")
            && error.contains("exit code 3")
            && error.contains("no index reachable"),
        "{error}"
    );
    assert!(
        model.requests().is_empty(),
        "the agent started after a failed set-up"
    );
    let again = run_task(
        home.path(),
        repo.path(),
        &model.url(),
        "work",
        &["-c", setup],
    );
    assert_eq!(again["task"]["setup"]["reused"], false, "{again}");
    assert!(human_show(home.path(), repo.path(), &again).contains("error: no index reachable"));
}

/// Cancelling a task while its set-up runs kills the set-up: the task is
/// cancelled (not failed), soon, and the agent never starts.
#[test]
fn cancelling_during_the_setup_stops_it_and_the_agent_never_starts() {
    if !overlay_available() {
        return;
    }
    let repo = fixture("needs-dep");
    let home = tempfile::tempdir().unwrap();
    let model = ScriptedServer::start(Script::new().turn(Turn::say("never asked")));
    let url = model.url();
    let args = [
        "start",
        "work",
        "--provider",
        "anthropic",
        "-m",
        "test-model",
        "--base-url",
        &url,
        "-c",
        "model.api_key_env=\"TEST_API_KEY\"",
        "-c",
        "tasks.setup=\"echo started; sleep 120\"",
    ];
    let started = std::time::Instant::now();
    let out = task(home.path(), repo.path(), &args);
    assert!(out.status.success(), "{}", describe(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // Its worker is up once the task runs; cancel then.
    let deadline = started + std::time::Duration::from_secs(60);
    loop {
        let out = task(home.path(), repo.path(), &["show", &id, "--json"]);
        let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
        if shown["task"]["state"] == "running" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{shown}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = task(home.path(), repo.path(), &["cancel", &id]);
    assert!(out.status.success(), "{}", describe(&out));
    task(home.path(), repo.path(), &["wait", &id]);
    let out = task(home.path(), repo.path(), &["show", &id, "--json"]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["task"]["state"], "cancelled", "{shown}");
    assert!(shown["task"]["error"].is_null(), "{shown}");
    assert!(model.requests().is_empty(), "the agent started");
    // Well before the set-up's two minutes: it was killed, not waited for.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

/// The set-up's layer needs the overlay: with the copy backend chosen the
/// task fails saying so, before the agent starts, rather than running the
/// set-up somewhere its writes would become the proposal.
#[test]
fn a_setup_under_the_copy_backend_fails_clearly() {
    let repo = fixture("needs-dep");
    let home = tempfile::tempdir().unwrap();
    let model = ScriptedServer::start(Script::new().turn(Turn::say("never asked")));
    let shown = run_task(
        home.path(),
        repo.path(),
        &model.url(),
        "work",
        &[
            "-c",
            "sandbox.backend=\"copy\"",
            "-c",
            "tasks.setup=\"echo hi\"",
        ],
    );
    assert_eq!(shown["task"]["state"], "failed", "{shown}");
    let error = shown["task"]["error"].as_str().unwrap();
    assert!(error.contains("needs the overlay"), "{error}");
    assert!(model.requests().is_empty());
}
