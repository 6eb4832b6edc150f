//! Background tasks on a NATS JetStream fleet, through the real binary:
//! real `nats-server` processes (one, or three clustered with replicas 3),
//! `tandem worker` processes with their own state folders (other
//! "machines"), the scripted model server, and `tandem task …` submitting
//! from a third. Skips, saying so, without `nats-server` or the overlay
//! sandbox, unless CI requires them.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tandem_tests::nats::{self, NatsServer};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, overlay_available, tandem_command};

/// A "machine": its own home and state folder, its own settings.
struct Machine {
    home: tempfile::TempDir,
}

/// The cluster test kills a worker and stops a server, then waits out the
/// elections that follow: it runs alone, not beside the other tests'
/// servers and workers on the machine's two cores (under that load its
/// fetches of a result timed out). The others run beside each other.
static CLUSTER: RwLock<()> = RwLock::new(());

impl Machine {
    fn new(config: &str) -> Machine {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".config/tandem");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), config).unwrap();
        Machine { home }
    }

    fn command(&self) -> Command {
        let mut cmd = tandem_command(self.home.path());
        cmd.env("TEST_API_KEY", "x");
        cmd
    }

    fn task(&self, repo: &Path, args: &[&str]) -> Output {
        self.command()
            .arg("task")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .expect("run tandem task")
    }
}

fn cluster_config(urls: &[String], replicas: usize, extra: &str) -> String {
    let servers: Vec<String> = urls.iter().map(|u| format!("{u:?}")).collect();
    format!(
        "[tasks]\nexecutor = \"nats\"\n{extra}[tasks.nats]\nservers = [{}]\nreplicas = {replicas}\n",
        servers.join(", ")
    )
}

/// A running `tandem worker`; its stderr lines collected as they come.
struct Worker {
    child: Option<Child>,
    log: Arc<Mutex<String>>,
    _machine: Machine,
}

impl Worker {
    fn start(machine: Machine, slots: usize) -> Worker {
        let mut child = machine
            .command()
            .args(["worker", "--slots", &slots.to_string(), "--ack-wait", "3"])
            .env("TANDEM_LOG", "info")
            .current_dir(machine.home.path())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tandem worker");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let w = Worker {
            child: Some(child),
            log,
            _machine: machine,
        };
        w.wait_for("serving with", Duration::from_secs(30));
        w
    }

    fn text(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn wait_for(&self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "worker never said {needle:?}:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL
            let _ = c.wait();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The fixture as a git repository with one commit.
fn repo() -> tempfile::TempDir {
    let repo = fixture("greeter");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(ok.status.success(), "git {args:?}: {}", describe(&ok));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qm",
        "start",
    ]);
    repo
}

fn model_flags(model: &ScriptedServer) -> Vec<String> {
    vec![
        "--provider".into(),
        "anthropic".into(),
        "-m".into(),
        "test-model".into(),
        "--base-url".into(),
        model.url(),
        "-c".into(),
        "model.api_key_env=\"TEST_API_KEY\"".into(),
    ]
}

fn start(machine: &Machine, repo: &Path, model: &ScriptedServer, prompt: &str) -> (String, String) {
    let flags = model_flags(model);
    let mut args = vec!["start", prompt];
    args.extend(flags.iter().map(String::as_str));
    let out = machine.task(repo, &args);
    assert!(out.status.success(), "{}", describe(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (id, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn show(machine: &Machine, repo: &Path, id: &str) -> Value {
    let out = machine.task(repo, &["show", id, "--json"]);
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ready() -> bool {
    nats::nats_available() && overlay_available()
}

#[test]
fn a_task_submitted_from_one_machine_runs_on_a_worker_and_comes_back_as_its_diff() {
    let _beside = CLUSTER.read().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = nats::single(dir.path());
    let urls = vec![server.url()];
    let script = Script::new()
        .conversation(
            "fleet-one",
            vec![
                Turn::new().tool_use("read", json!({"path": "src/greet.py"})),
                // Succeeds only on the submitter's uncommitted text: the
                // worker got the working tree, not just HEAD.
                Turn::new().tool_use(
                    "edit",
                    json!({"path": "src/greet.py", "old_string": "# draft, not committed", "new_string": "# finished on the fleet"}),
                ),
                Turn::new().tool_use(
                    "write",
                    json!({"path": "notes.txt", "content": "written remotely\n"}),
                ),
                Turn::say("Done on the fleet."),
            ],
        )
        .conversation("fleet-two", vec![Turn::say("Nothing to change.")]);
    let model = ScriptedServer::start(script);
    let repo = repo();
    let greet = repo.path().join("src/greet.py");
    let text = std::fs::read_to_string(&greet).unwrap();
    std::fs::write(&greet, format!("# draft, not committed\n{text}")).unwrap();
    std::fs::write(repo.path().join("untracked.txt"), "mine\n").unwrap();

    let submitter = Machine::new(&cluster_config(&urls, 1, ""));
    let worker = Worker::start(Machine::new(&cluster_config(&urls, 1, "")), 1);

    let (id, stderr) = start(
        &submitter,
        repo.path(),
        &model,
        "fleet-one: finish the draft",
    );
    assert_eq!(id.len(), 19, "not one task id: {id:?} {stderr}");
    assert!(stderr.contains("sent 3 new object(s)"), "{stderr}");

    let waited = submitter.task(repo.path(), &["wait", &id]);
    assert!(waited.status.success(), "{}", describe(&waited));
    let live = String::from_utf8_lossy(&waited.stderr);
    let short = &id[id.len() - 8..];
    // Live events reached the submitting side while it ran.
    for line in [
        "] read src/greet.py",
        "] edit src/greet.py",
        "] write notes.txt",
        "] finished: Done",
    ] {
        assert!(live.contains(&format!("[{short}{line}")), "{line}: {live}");
    }

    let task = show(&submitter, repo.path(), &id);
    assert_eq!(task["task"]["state"], "done", "{task}\n{}", worker.text());
    assert_eq!(task["task"]["summary"], "Done on the fleet.");
    let diff = task["diff"].as_str().unwrap();
    assert!(diff.contains("-# draft, not committed"), "{diff}");
    assert!(diff.contains("+# finished on the fleet"), "{diff}");
    assert!(diff.contains("+written remotely"), "{diff}");
    assert!(!diff.contains("untracked.txt"), "{diff}");
    assert_eq!(task["fleet"]["runs"], 1, "{task}");
    let listed = submitter.task(repo.path(), &["list"]);
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains(&id),
        "{}",
        describe(&listed)
    );

    // Nothing was written here before the apply.
    assert!(!repo.path().join("notes.txt").exists());
    let applied = submitter.task(repo.path(), &["apply", short]);
    assert!(applied.status.success(), "{}", describe(&applied));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("notes.txt")).unwrap(),
        "written remotely\n"
    );
    let now = std::fs::read_to_string(&greet).unwrap();
    assert!(now.starts_with("# finished on the fleet\n"), "{now}");
    assert_eq!(
        show(&submitter, repo.path(), &id)["task"]["state"],
        "applied"
    );

    // The second task of the repository sends only what changed since:
    // the two files the apply wrote; HEAD's bundle and the rest are stored.
    let (second, stderr) = start(&submitter, repo.path(), &model, "fleet-two: look");
    assert!(stderr.contains("sent 2 new object(s)"), "{stderr}");
    let waited = submitter.task(repo.path(), &["wait", &second]);
    assert!(waited.status.success(), "{}", describe(&waited));
}

#[test]
fn a_worker_without_the_isolated_sandbox_refuses_to_serve() {
    let _beside = CLUSTER.read().unwrap_or_else(|e| e.into_inner());
    if !nats::nats_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = nats::single(dir.path());
    let config = cluster_config(&[server.url()], 1, "") + "[sandbox]\nbackend = \"copy\"\n";
    let machine = Machine::new(&config);
    let out = machine
        .command()
        .args(["worker", "--slots", "1"])
        .current_dir(machine.home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only in the overlay sandbox"),
        "{}",
        describe(&out)
    );
}

/// Eight tasks: write a file, a slow command (the moment to kill a
/// worker), another file, done.
fn eight_tasks() -> (Script, Vec<String>) {
    let names: Vec<String> = (0..8)
        .map(|i| format!("job{}x", (b'a' + i) as char))
        .collect();
    let mut script = Script::new();
    for n in &names {
        script = script.conversation(
            &format!("{n}:"),
            vec![
                Turn::new().tool_use(
                    "write",
                    json!({"path": format!("{n}-1.txt"), "content": format!("{n} one\n")}),
                ),
                Turn::new().tool_use(
                    "shell",
                    json!({"command": format!("sleep 3; echo slow {n}")}),
                ),
                Turn::new().tool_use(
                    "write",
                    json!({"path": format!("{n}-2.txt"), "content": format!("{n} two\n")}),
                ),
                Turn::say(&format!("{n} done.")),
            ],
        );
    }
    (script, names)
}

#[test]
fn eight_tasks_finish_exactly_once_through_a_killed_worker_and_a_stopped_server() {
    let _alone = CLUSTER.write().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut servers: Vec<NatsServer> = nats::cluster(dir.path(), 3);
    let urls: Vec<String> = servers.iter().map(NatsServer::url).collect();
    let (script, names) = eight_tasks();
    let model = ScriptedServer::start(script);
    let repo = repo();
    let config = cluster_config(&urls, 3, "");
    let submitter = Machine::new(&config);
    // A has one slot: when it dies, the one task it holds is in the middle
    // of its command, past a completed call. (The scripted model serves
    // turns in order, so a task cut off inside a model call would come back
    // one turn further on; a real model would simply answer again.)
    let mut a = Worker::start(Machine::new(&config), 1);
    let b = Worker::start(Machine::new(&config), 2);

    let mut ids = Vec::new();
    for n in &names {
        ids.push(start(&submitter, repo.path(), &model, &format!("{n}: two files")).0);
    }
    // Follow the run from the submitting side, live.
    let mut waiting = submitter
        .command()
        .arg("task")
        .arg("-C")
        .arg(repo.path())
        .arg("wait")
        .args(&ids)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let live = Arc::new(Mutex::new(String::new()));
    {
        let (stderr, sink) = (waiting.stderr.take().unwrap(), live.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
    }

    // Kill worker A in the middle of a task: while its slow command runs.
    let deadline = Instant::now() + Duration::from_secs(60);
    let victim = loop {
        let text = a.text();
        let found = ids.iter().find(|id| {
            let short = &id[id.len() - 8..];
            text.contains(&format!("took task {id}"))
                && live
                    .lock()
                    .unwrap()
                    .contains(&format!("[{short}] shell sleep 3"))
        });
        if let Some(id) = found {
            break id.clone();
        }
        assert!(
            Instant::now() < deadline,
            "worker A never ran a command:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let a_pid = a.child.as_ref().unwrap().id();
    a.kill9();
    // Every task A held then (the victim and what its other slot had).
    let held = a.text();
    let interrupted: Vec<&String> = ids
        .iter()
        .filter(|id| {
            held.contains(&format!("took task {id}")) && !held.contains(&format!("task {id} done"))
        })
        .collect();
    assert!(interrupted.contains(&&victim));
    servers[0].stop();

    let out = wait_output(waiting, Duration::from_secs(180));
    assert!(
        out.status.success(),
        "{}\nworker B:\n{}",
        describe(&out),
        b.text()
    );
    for (id, n) in ids.iter().zip(&names) {
        let task = show(&submitter, repo.path(), id);
        assert_eq!(task["task"]["state"], "done", "{n}: {task}\n{}", b.text());
        let diff = task["diff"].as_str().unwrap();
        assert!(diff.contains(&format!("+{n} one")), "{n}: {diff}");
        assert!(diff.contains(&format!("+{n} two")), "{n}: {diff}");
        // No other task's files.
        let others = names
            .iter()
            .filter(|o| *o != n)
            .any(|o| diff.contains(o.as_str()));
        assert!(!others, "{n} has another task's files: {diff}");
        // No completed tool call repeated in its transcript.
        let calls: Vec<Value> = task["fleet"]["tool_calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["completed"] == true)
            .map(|c| json!({"name": c["name"], "input": c["input"]}))
            .collect();
        let mut seen = Vec::new();
        for c in &calls {
            assert!(!seen.contains(c), "{n} repeated {c}: {calls:?}");
            seen.push(c.clone());
        }
        if id == &victim {
            let finisher = task["fleet"]["worker"].as_str().unwrap();
            assert!(!finisher.ends_with(&format!("/{a_pid}")), "{task}");
            assert_eq!(task["fleet"]["resumed"], true, "{task}");
            assert_eq!(task["fleet"]["runs"], 2, "{task}\nB:\n{}", b.text());
            // The write before the kill is there once; the command it was
            // in the middle of never completed (its result is the resume's
            // note), and the task went on with the next step.
            let c = names.iter().position(|m| m == n).unwrap();
            let turns: Vec<Option<usize>> = model
                .requests()
                .iter()
                .filter(|r| r.conversation == Some(c))
                .map(|r| r.turn)
                .collect();
            assert_eq!(
                calls.len(),
                2,
                "{calls:?}\nturns served: {turns:?}\nA:\n{}\nB:\n{}\nlive:\n{}",
                a.text(),
                b.text(),
                live.lock().unwrap()
            );
        } else if interrupted.contains(&id) {
            assert_eq!(task["fleet"]["resumed"], true, "{n}: {task}");
            assert_eq!(task["fleet"]["runs"], 2, "{n}: {task}");
        } else {
            assert_eq!(task["fleet"]["runs"], 1, "{n} ran twice: {task}");
        }
    }
    // Exactly once: each conversation's last turn was asked for once.
    let requests = model.requests();
    for (c, n) in names.iter().enumerate() {
        let finals = requests
            .iter()
            .filter(|r| r.conversation == Some(c) && r.turn == Some(3))
            .count();
        assert_eq!(finals, 1, "task {n} finished {finals} times");
    }
    // Applying works from the submitting side.
    let applied = submitter.task(repo.path(), &["apply", &victim]);
    assert!(applied.status.success(), "{}", describe(&applied));
    let n = &names[ids.iter().position(|i| i == &victim).unwrap()];
    assert!(repo.path().join(format!("{n}-2.txt")).exists());
}

fn wait_output(mut child: Child, within: Duration) -> Output {
    let deadline = Instant::now() + within;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("tandem task wait did not end: {}", describe(&out));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A repository that asks for the unisolated `copy` sandbox.
fn hostile_repo() -> tempfile::TempDir {
    let repo = repo();
    std::fs::create_dir_all(repo.path().join(".tandem")).unwrap();
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[sandbox]\nbackend = \"copy\"\n",
    )
    .unwrap();
    repo
}

/// A command that writes to a host path outside the repository.
fn escape_turns(marker: &Path) -> Vec<Turn> {
    vec![
        Turn::new().tool_use(
            "shell",
            json!({"command": format!("echo escaped > {}; echo tried", marker.display())}),
        ),
        Turn::say("Tried."),
    ]
}

#[test]
fn a_repository_cannot_choose_a_weaker_sandbox_on_a_worker_and_secrets_stay_home() {
    let _beside = CLUSTER.read().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = nats::single(dir.path());
    let outside = tempfile::tempdir().unwrap();
    let remote_marker = outside.path().join("from-the-fleet");
    let local_marker = outside.path().join("from-a-local-task");
    let script = Script::new()
        .conversation("escape-remote", escape_turns(&remote_marker))
        .conversation("escape-local", escape_turns(&local_marker));
    let model = ScriptedServer::start(script);
    let repo = hostile_repo();
    let config = cluster_config(&[server.url()], 1, "");
    let submitter = Machine::new(&config);
    let _worker = Worker::start(Machine::new(&config), 1);

    let flags = model_flags(&model);
    let mut args = vec!["start", "escape-remote: try"];
    args.extend(flags.iter().map(String::as_str));
    // The submitter's own flags ask for the weak sandbox too, and carry a key.
    args.extend(["-c", "sandbox.backend=\"copy\""]);
    args.extend(["-c", "model.api_key=\"sk-laptop-secret\""]);
    let out = submitter.task(repo.path(), &args);
    assert!(out.status.success(), "{}", describe(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let waited = submitter.task(repo.path(), &["wait", &id]);
    assert!(waited.status.success(), "{}", describe(&waited));
    let task = show(&submitter, repo.path(), &id);
    assert_eq!(task["task"]["state"], "done", "{task}");
    // The command ran in the worker's overlay: the host path stayed clean.
    assert!(
        !remote_marker.exists(),
        "a fleet task wrote outside its sandbox"
    );
    // The key given on the laptop did not travel with the task.
    let shown = task.to_string();
    assert!(!shown.contains("sk-laptop-secret"), "{shown}");
    assert!(
        task["task"]["settings"]
            .as_str()
            .unwrap()
            .contains("TEST_API_KEY")
    );

    // Control: the same repository setting, honoured by a local task in a
    // folder its user trusted (`copy` is allowed there when asked for),
    // does reach the host path: the check above would notice an escape.
    let local = Machine::new("");
    let trusted = local
        .command()
        .arg("trust")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(trusted.status.success(), "{}", describe(&trusted));
    let mut args = vec!["start", "escape-local: try"];
    args.extend(flags.iter().map(String::as_str));
    let out = local.task(repo.path(), &args);
    assert!(out.status.success(), "{}", describe(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let waited = local.task(repo.path(), &["wait", &id]);
    assert!(waited.status.success(), "{}", describe(&waited));
    assert!(
        local_marker.exists(),
        "the control did not write its marker: {}",
        describe(&waited)
    );
}

#[test]
fn sigterm_drains_a_worker_the_task_in_hand_still_finishes() {
    let _beside = CLUSTER.read().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = nats::single(dir.path());
    let script = Script::new().conversation(
        "drain-me",
        vec![
            Turn::new().tool_use("shell", json!({"command": "sleep 2; echo slept"})),
            Turn::new().tool_use("write", json!({"path": "after.txt", "content": "after\n"})),
            Turn::say("Drained cleanly."),
        ],
    );
    let model = ScriptedServer::start(script);
    let repo = repo();
    let config = cluster_config(&[server.url()], 1, "");
    let submitter = Machine::new(&config);
    let mut worker = Worker::start(Machine::new(&config), 1);
    let (id, _) = start(&submitter, repo.path(), &model, "drain-me: wait a bit");
    worker.wait_for(&format!("took task {id}"), Duration::from_secs(30));
    let pid = worker.child.as_ref().unwrap().id();
    // SAFETY: signalling the worker this test started.
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    worker.wait_for("draining", Duration::from_secs(10));
    let status = {
        let child = worker.child.as_mut().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "the worker did not drain");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    worker.child = None;
    assert!(status.success(), "{status:?}\n{}", worker.text());
    let task = show(&submitter, repo.path(), &id);
    assert_eq!(task["task"]["state"], "done", "{task}");
    assert!(task["diff"].as_str().unwrap().contains("+after"), "{task}");
    assert_eq!(task["fleet"]["runs"], 1, "{task}");
}

#[test]
fn a_remote_task_follows_up_on_any_worker_and_a_running_one_cancels() {
    let _beside = CLUSTER.read().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = nats::single(dir.path());
    let script = Script::new()
        .conversation(
            "again-please",
            vec![
                Turn::new().tool_use("write", json!({"path": "first.txt", "content": "first\n"})),
                Turn::say("First pass."),
            ],
        )
        .conversation(
            "also the second",
            vec![
                Turn::new().tool_use(
                    "write",
                    json!({"path": "second.txt", "content": "second\n"}),
                ),
                Turn::say("Second pass."),
            ],
        )
        .conversation(
            "stop-me",
            vec![
                Turn::new().tool_use("shell", json!({"command": "sleep 30"})),
                Turn::say("never"),
            ],
        );
    let model = ScriptedServer::start(script);
    let repo = repo();
    let config = cluster_config(&[server.url()], 1, "");
    let submitter = Machine::new(&config);
    let _worker = Worker::start(Machine::new(&config), 2);

    let (id, _) = start(&submitter, repo.path(), &model, "again-please: write one");
    let waited = submitter.task(repo.path(), &["wait", &id]);
    assert!(waited.status.success(), "{}", describe(&waited));
    let out = submitter.task(
        repo.path(),
        &["follow-up", &id, "also the second file", "--wait"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let task = show(&submitter, repo.path(), &id);
    assert_eq!(task["task"]["state"], "done", "{task}");
    assert_eq!(task["task"]["summary"], "Second pass.");
    assert_eq!(task["task"]["follow_ups"][0], "also the second file");
    let diff = task["diff"].as_str().unwrap();
    // The follow-up went on from the first step's proposal.
    assert!(
        diff.contains("+first") && diff.contains("+second"),
        "{diff}"
    );

    let (stop, _) = start(&submitter, repo.path(), &model, "stop-me: sleep");
    let mut waiting = submitter
        .command()
        .arg("task")
        .arg("-C")
        .arg(repo.path())
        .args(["wait", &stop])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(waiting.stderr.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("shell sleep 30") => break,
            Some(_) => {}
            None => panic!("the task's command never started"),
        }
    }
    let started = Instant::now();
    let out = submitter.task(repo.path(), &["cancel", &stop]);
    assert!(out.status.success(), "{}", describe(&out));
    let out = wait_output(waiting, Duration::from_secs(60));
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "cancel waited for the command"
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let task = show(&submitter, repo.path(), &stop);
    assert_eq!(task["task"]["state"], "cancelled", "{task}");
}

#[test]
fn over_tls_a_task_runs_and_a_client_that_does_not_trust_the_server_is_refused() {
    let _beside = CLUSTER.read().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (server, ca) = nats::single_tls(dir.path());
    let url = format!("tls://127.0.0.1:{}", server.port);
    let script = Script::new().conversation(
        "over-tls",
        vec![
            Turn::new().tool_use("write", json!({"path": "tls.txt", "content": "sealed\n"})),
            Turn::say("Sent over TLS."),
        ],
    );
    let model = ScriptedServer::start(script);
    let repo = repo();
    let tls = format!(
        "[tasks.nats.tls]\nrequired = true\nca = {:?}\n",
        ca.display().to_string()
    );
    let config = cluster_config(std::slice::from_ref(&url), 1, "") + &tls;
    let submitter = Machine::new(&config);
    let _worker = Worker::start(Machine::new(&config), 1);
    let (id, _) = start(&submitter, repo.path(), &model, "over-tls: write");
    let waited = submitter.task(repo.path(), &["wait", &id]);
    assert!(waited.status.success(), "{}", describe(&waited));
    let task = show(&submitter, repo.path(), &id);
    assert!(task["diff"].as_str().unwrap().contains("+sealed"), "{task}");

    // A client that does not trust the server's CA gets nowhere, and says so.
    let stranger = Machine::new(&cluster_config(&[url], 1, ""));
    let flags = model_flags(&model);
    let mut args = vec!["start", "over-tls: again"];
    args.extend(flags.iter().map(String::as_str));
    let out = stranger.task(repo.path(), &args);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot reach NATS"),
        "{}",
        describe(&out)
    );
}

#[test]
fn an_untrusted_repository_cannot_send_its_tasks_to_a_cluster_of_its_choosing() {
    let _beside = CLUSTER.read().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = nats::single(dir.path());
    let script = Script::new()
        .conversation("where-to", vec![Turn::say("Ran.")])
        .conversation("trusted-now", vec![Turn::say("Ran.")]);
    let model = ScriptedServer::start(script);
    let repo = repo();
    std::fs::create_dir_all(repo.path().join(".tandem")).unwrap();
    // The repository's own file names the cluster (an attacker's, say).
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        cluster_config(&[server.url()], 1, ""),
    )
    .unwrap();
    let user = Machine::new("");
    let (id, stderr) = start(&user, repo.path(), &model, "where-to: anywhere");
    assert!(
        !stderr.contains("new object(s)"),
        "it went to the cluster: {stderr}"
    );
    let waited = user.task(repo.path(), &["wait", &id]);
    assert!(waited.status.success(), "{}", describe(&waited));
    let task = show(&user, repo.path(), &id);
    assert!(task.get("fleet").is_none(), "a fleet task: {task}");

    // Control: once the user trusts the folder, its setting counts and the
    // task goes to the cluster (the check above would see it).
    let trusted = user
        .command()
        .arg("trust")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(trusted.status.success(), "{}", describe(&trusted));
    let (_, stderr) = start(&user, repo.path(), &model, "trusted-now: go");
    assert!(stderr.contains("new object(s)"), "{stderr}");
}

#[test]
fn a_task_and_its_result_are_seen_only_from_the_submitters_account() {
    let _beside = CLUSTER.read().unwrap_or_else(|e| e.into_inner());
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = nats::accounts(dir.path());
    let url = |user: &str| format!("nats://{user}:{user}@127.0.0.1:{}", server.port);
    let script = Script::new().conversation(
        "alices-own",
        vec![
            Turn::new().tool_use(
                "write",
                json!({"path": "private.txt", "content": "alice only\n"}),
            ),
            Turn::say("Done for Alice."),
        ],
    );
    let model = ScriptedServer::start(script);
    let repo = repo();
    let alice = Machine::new(&cluster_config(&[url("alice")], 1, ""));
    let _worker = Worker::start(
        Machine::new(&cluster_config(&[url("alice-worker")], 1, "")),
        1,
    );
    let (id, _) = start(&alice, repo.path(), &model, "alices-own: write");
    let waited = alice.task(repo.path(), &["wait", &id]);
    assert!(waited.status.success(), "{}", describe(&waited));
    // Control: Alice sees her result.
    let task = show(&alice, repo.path(), &id);
    assert!(
        task["diff"].as_str().unwrap().contains("+alice only"),
        "{task}"
    );

    // Bob, on the same cluster and even the same folder, finds nothing.
    let bob = Machine::new(&cluster_config(&[url("bob")], 1, ""));
    let out = bob.task(repo.path(), &["show", &id, "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("alice only"));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no task"),
        "{}",
        describe(&out)
    );
    let out = bob.task(repo.path(), &["list"]);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(&id),
        "{}",
        describe(&out)
    );
    let out = bob.task(repo.path(), &["apply", &id]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(!repo.path().join("private.txt").exists());
}
