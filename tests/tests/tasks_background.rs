//! Background commands in a task through the real binary: a server started
//! with `shell` `run_in_background` keeps running in the task's sandbox,
//! a later command reaches it on the sandbox's own loopback, `bash_output`
//! reads what it printed, `kill_shell` stops it; whatever is left running
//! when the task's step ends is killed.

use serde_json::{Value, json};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, overlay_available, run_task, task};
use tandem_tests::wire::tool_results;

/// Fetch the README from the server, trying for up to five seconds (it
/// needs a moment to listen).
const FETCH: &str = "for i in $(seq 50); do curl -fsS http://127.0.0.1:8765/README.md && exit 0; sleep 0.1; done; echo UNREACHABLE; exit 7";

#[test]
fn a_server_started_in_the_background_is_reached_read_and_stopped() {
    if !overlay_available() {
        return;
    }
    let script = Script::new().conversation(
        "serve-and-fetch",
        vec![
            Turn::new().tool_use(
                "shell",
                json!({"command": "python3 -u -m http.server 8765 --bind 127.0.0.1", "run_in_background": true}),
            ),
            Turn::new().tool_use("shell", json!({"command": FETCH})),
            Turn::new().tool_use("bash_output", json!({"id": "bg1"})),
            Turn::new().tool_use("kill_shell", json!({"id": "bg1"})),
            Turn::new().tool_use(
                "shell",
                json!({"command": "curl -sS --max-time 5 http://127.0.0.1:8765/README.md || echo GONE"}),
            ),
            Turn::say("Served, fetched, stopped."),
        ],
    );
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let shown = run_task(
        home.path(),
        repo.path(),
        &model.url(),
        "serve-and-fetch",
        &[],
    );
    assert_eq!(shown["task"]["state"], "done", "{shown}");

    let requests = model.requests();
    let result_of = |turn: usize| {
        let r = requests
            .iter()
            .find(|r| r.turn == Some(turn))
            .unwrap_or_else(|| panic!("no request for turn {turn}"));
        tool_results(r).last().cloned().unwrap_or_default()
    };
    // 1. Started: an id at once.
    assert!(
        result_of(1).contains("running in the background as bg1"),
        "{}",
        result_of(1)
    );
    // 2. Another command reached it on the sandbox's loopback.
    let readme = std::fs::read_to_string(repo.path().join("README.md")).unwrap();
    let first_line = readme.lines().next().unwrap();
    assert!(result_of(2).contains(first_line), "{}", result_of(2));
    // 3. Its own output: the request it served, and still running.
    let output = result_of(3);
    assert!(output.contains("GET /README.md"), "{output}");
    assert!(output.contains("[still running]"), "{output}");
    // 4. Stopped …
    assert!(result_of(4).contains("[killed]"), "{}", result_of(4));
    // … so the same fetch now finds nobody (control for step 2).
    let after = result_of(5);
    assert!(
        after.contains("GONE") && !after.contains(first_line),
        "{after}"
    );
}

/// A process the agent leaves running dies with the task's step: nothing
/// of it is left on the machine once the task is done.
#[test]
fn what_a_task_leaves_running_is_killed_when_it_ends() {
    if !overlay_available() {
        return;
    }
    let marker = format!("tandem-bg-marker-{}", std::process::id());
    let script = Script::new().conversation(
        "leave-it-running",
        vec![
            Turn::new().tool_use(
                "shell",
                json!({"command": format!("while :; do sleep 1; done # {marker}"), "run_in_background": true}),
            ),
            Turn::new().tool_use("bash_output", json!({"id": "bg1"})),
            Turn::say("Left it running."),
        ],
    );
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let running = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .any(|c| String::from_utf8_lossy(&c).contains(&marker))
    };
    let shown = run_task(
        home.path(),
        repo.path(),
        &model.url(),
        "leave-it-running",
        &[],
    );
    assert_eq!(shown["task"]["state"], "done", "{shown}");
    // Control: it did run (its status was read while the task ran).
    let requests = model.requests();
    let status = tool_results(requests.iter().find(|r| r.turn == Some(2)).unwrap());
    assert!(
        status.last().unwrap().contains("[still running]"),
        "{status:?}"
    );
    assert!(!running(), "a background command outlived its task");
}

/// The loopback a task's commands share is the task's alone: while one
/// task's server runs, another task and the host find nothing on its port.
#[test]
fn another_task_and_the_host_cannot_reach_a_tasks_server() {
    if !overlay_available() {
        return;
    }
    let once = "curl -sS --max-time 5 http://127.0.0.1:8765/README.md || echo UNREACHABLE";
    let script = Script::new()
        .conversation(
            "serve-a",
            vec![
                Turn::new().tool_use(
                    "shell",
                    json!({"command": "python3 -u -m http.server 8765 --bind 127.0.0.1", "run_in_background": true}),
                ),
                Turn::new().tool_use("shell", json!({"command": FETCH})),
                // Holds the task (and its server) while the other one tries.
                Turn::new().tool_use("bash_output", json!({"id": "bg1"})).latency_ms(20_000),
                Turn::say("Served."),
            ],
        )
        .conversation(
            "probe-b",
            vec![
                Turn::new().tool_use("shell", json!({"command": once})),
                Turn::say("Probed."),
            ],
        );
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let url = model.url();
    let flags = [
        "--provider",
        "anthropic",
        "-m",
        "test-model",
        "--base-url",
        &url,
        "-c",
        "model.api_key_env=\"TEST_API_KEY\"",
    ];
    let mut args = vec!["start", "serve-a"];
    args.extend(flags);
    let out = task(home.path(), repo.path(), &args);
    assert!(out.status.success(), "{}", describe(&out));
    let a = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // A's fetch came back (its third request): its server is up.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let served = loop {
        let requests = model.requests();
        if let Some(r) = requests
            .iter()
            .find(|r| r.conversation == Some(0) && r.turn == Some(2))
        {
            break tool_results(r).last().cloned().unwrap_or_default();
        }
        assert!(std::time::Instant::now() < deadline, "task A never fetched");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let readme = std::fs::read_to_string(repo.path().join("README.md")).unwrap();
    let first_line = readme.lines().next().unwrap();
    // Control: inside A the server answers.
    assert!(served.contains(first_line), "{served}");
    // The host does not see it …
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", 8765)).is_err(),
        "the host reached a task's server"
    );
    // … nor does another task.
    let b = run_task(home.path(), repo.path(), &model.url(), "probe-b", &[]);
    let probe = b["result"]["commands"][0]["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        probe.contains("UNREACHABLE") && !probe.contains(first_line),
        "{probe}"
    );
    // A was still serving all along.
    let shown = task(home.path(), repo.path(), &["show", &a, "--json"]);
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["task"]["state"], "running", "{shown}");
    task(home.path(), repo.path(), &["cancel", &a]);
}
