//! Benchmark: background tasks on a NATS JetStream fleet beside the local
//! executor. Eight tasks of three model turns each (a read, a write, a
//! summary) against the scripted model with 200 ms per turn; tasks per
//! minute with 1, 2 and 4 workers (one slot each) against one `nats-server`,
//! and the local executor with 1, 2 and 4 tasks at once; then the latency
//! from `tandem task start` to the first live event the submitter sees.
//!
//! Run: `cargo bench -p tandem-tests --bench fleet` (needs `nats-server`).

use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tandem_tests::nats;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{fixture, tandem_command};

const LATENCY_MS: u64 = 200;
const TURNS: usize = 3;
const TASKS: usize = 8;

fn script(tag: &str, n: usize) -> Script {
    let mut script = Script::new();
    for k in 0..n {
        script = script.conversation(
            &format!("{tag}-{k}:"),
            vec![
                Turn::new()
                    .tool_use("read", json!({"path": "src/greet.py"}))
                    .latency_ms(LATENCY_MS),
                Turn::new()
                    .tool_use(
                        "write",
                        json!({"path": format!("out/{k}.txt"), "content": "x\n"}),
                    )
                    .latency_ms(LATENCY_MS),
                Turn::say("Done.").latency_ms(LATENCY_MS),
            ],
        );
    }
    script
}

fn git_repo() -> tempfile::TempDir {
    let repo = fixture("greeter");
    for args in [
        &["init", "-q"][..],
        &["add", "."],
        &[
            "-c",
            "user.name=b",
            "-c",
            "user.email=b@b",
            "commit",
            "-qm",
            "b",
        ],
    ] {
        assert!(
            Command::new("git")
                .args(args)
                .current_dir(repo.path())
                .status()
                .unwrap()
                .success()
        );
    }
    repo
}

fn home(config: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/tandem");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), config).unwrap();
    home
}

fn task(home: &Path, repo: &Path, args: &[&str]) -> String {
    let out = tandem_command(home)
        .args(["task", "-C"])
        .arg(repo)
        .args(args)
        .env("TEST_API_KEY", "x")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn flags(model: &ScriptedServer) -> Vec<String> {
    [
        "--provider",
        "anthropic",
        "-m",
        "test-model",
        "--base-url",
        &model.url(),
        "-c",
        "model.api_key_env=\"TEST_API_KEY\"",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Submit `TASKS` tasks and wait for all; wall time from the first submit.
fn batch(home: &Path, repo: &Path, model: &ScriptedServer, tag: &str, extra: &[&str]) -> Duration {
    let flags = flags(model);
    let started = Instant::now();
    let ids: Vec<String> = (0..TASKS)
        .map(|k| {
            let prompt = format!("{tag}-{k}: write");
            let mut args: Vec<&str> = vec!["start", &prompt];
            args.extend(flags.iter().map(String::as_str));
            args.extend(extra);
            task(home, repo, &args)
        })
        .collect();
    let mut wait = vec!["wait"];
    wait.extend(ids.iter().map(String::as_str));
    task(home, repo, &wait);
    started.elapsed()
}

fn per_minute(d: Duration) -> f64 {
    TASKS as f64 * 60.0 / d.as_secs_f64()
}

fn worker(config: &str) -> (Child, tempfile::TempDir) {
    let home = home(config);
    let mut child = tandem_command(home.path())
        .args(["worker", "--slots", "1"])
        .env("TEST_API_KEY", "x")
        .current_dir(home.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    while let Some(Ok(l)) = lines.next() {
        if l.contains("serving with") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (child, home)
}

/// `tandem task start --wait` until its first live event line.
fn first_event(home: &Path, repo: &Path, model: &ScriptedServer, tag: &str) -> Duration {
    let flags = flags(model);
    let started = Instant::now();
    let mut child = tandem_command(home)
        .args(["task", "-C"])
        .arg(repo)
        .args(["start", &format!("{tag}-0: write"), "--wait"])
        .args(&flags)
        .env("TEST_API_KEY", "x")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut at = None;
    for l in lines.map_while(Result::ok) {
        if at.is_none() && l.starts_with('[') {
            at = Some(started.elapsed());
        }
    }
    let _ = child.wait();
    at.expect("no live event reached the submitter")
}

fn main() {
    let _ = tandem_tests::tandem::tandem_bin();
    if !nats::nats_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = nats::single(dir.path());
    let config = format!(
        "[tasks]\nexecutor = \"nats\"\n[tasks.nats]\nservers = [{:?}]\n",
        server.url()
    );
    println!(
        "{TASKS} tasks of {TURNS} turns, {LATENCY_MS} ms model latency per turn (tasks/minute)"
    );
    println!("  parallel   fleet (workers)   local (tasks at once)");
    let mut workers = Vec::new();
    for n in [1usize, 2, 4] {
        while workers.len() < n {
            workers.push(worker(&config));
        }
        let tag = format!("fleet{n}");
        let model = ScriptedServer::start(script(&tag, TASKS));
        let repo = git_repo();
        let submitter = home(&config);
        let fleet = batch(submitter.path(), repo.path(), &model, &tag, &[]);

        let tag = format!("local{n}");
        let model = ScriptedServer::start(script(&tag, TASKS));
        let repo = git_repo();
        let local_home = home("");
        let concurrency = format!("tasks.concurrency={n}");
        let local = batch(
            local_home.path(),
            repo.path(),
            &model,
            &tag,
            &["-c", &concurrency],
        );
        println!(
            "  {n:>8}   {:>15.1}   {:>21.1}",
            per_minute(fleet),
            per_minute(local)
        );
    }
    let model = ScriptedServer::start(script("latency", 1));
    let repo = git_repo();
    let submitter = home(&config);
    let fleet = first_event(submitter.path(), repo.path(), &model, "latency");
    println!(
        "  submit → first live event (fleet, `task start --wait`): {:.0} ms",
        fleet.as_secs_f64() * 1e3
    );
    println!("  (the local executor's CLI has no live event stream to time)");
    for (mut w, _) in workers {
        let _ = w.kill();
        let _ = w.wait();
    }
}
