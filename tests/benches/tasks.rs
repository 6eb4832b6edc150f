//! Benchmark: background tasks in parallel. Each task is 5 model turns
//! (reads and a write, then a summary) against the scripted model server
//! with a simulated 200 ms latency per turn. Prints the wall time of 1 task
//! and of 8 started together (concurrency 8), and their ratio: 1.0× would be
//! perfect overlap, 8.0× no overlap at all.
//!
//! Run: `cargo bench -p tandem-tests --bench tasks`

use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{fixture, tandem_command};

const LATENCY_MS: u64 = 200;
const TURNS: usize = 5;

fn conversation(k: usize) -> Vec<Turn> {
    let mut turns: Vec<Turn> = (0..TURNS - 2)
        .map(|_| {
            Turn::new()
                .tool_use("read", json!({"path": "src/greet.py"}))
                .latency_ms(LATENCY_MS)
        })
        .collect();
    turns.push(
        Turn::new()
            .tool_use(
                "write",
                json!({"path": format!("out/{k}.txt"), "content": "x\n"}),
            )
            .latency_ms(LATENCY_MS),
    );
    turns.push(Turn::say("Done.").latency_ms(LATENCY_MS));
    turns
}

fn run(n: usize) -> Duration {
    let mut script = Script::new();
    for k in 0..n {
        script = script.conversation(&format!("bench-task-{k}:"), conversation(k));
    }
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let task = |args: &[&str]| {
        let out = tandem_command(home.path())
            .args(["task", "-C"])
            .arg(repo.path())
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
    };
    let url = model.url();
    let started = Instant::now();
    let ids: Vec<String> = (0..n)
        .map(|k| {
            task(&[
                "start",
                &format!("bench-task-{k}: write a file"),
                "--provider",
                "anthropic",
                "-m",
                "test-model",
                "--base-url",
                &url,
                "-c",
                "model.api_key_env=\"TEST_API_KEY\"",
                "-c",
                "tasks.concurrency=8",
            ])
        })
        .collect();
    let mut wait = vec!["wait"];
    wait.extend(ids.iter().map(String::as_str));
    task(&wait);
    let elapsed = started.elapsed();
    assert_eq!(
        model.requests().len(),
        n * TURNS,
        "every task ran every turn"
    );
    check_done(home.path(), repo.path(), n);
    elapsed
}

fn check_done(home: &Path, repo: &Path, n: usize) {
    let out = tandem_command(home)
        .args(["task", "-C"])
        .arg(repo)
        .args(["list", "--json"])
        .output()
        .unwrap();
    let tasks: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let done = tasks
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["state"] == "done")
        .count();
    assert_eq!(done, n);
}

fn main() {
    // Build (release) before timing anything.
    let _ = tandem_tests::tandem::tandem_bin();
    let one = run(1);
    let eight = run(8);
    println!("tasks: {TURNS} turns each, {LATENCY_MS} ms model latency per turn");
    println!("  1 task:   {:>7.0} ms", one.as_secs_f64() * 1e3);
    println!(
        "  8 tasks:  {:>7.0} ms (started together, concurrency 8)",
        eight.as_secs_f64() * 1e3
    );
    println!(
        "  ratio 8/1: {:.2}× wall time for 8× the work ({:.1}× throughput)",
        eight.as_secs_f64() / one.as_secs_f64(),
        8.0 * one.as_secs_f64() / eight.as_secs_f64()
    );
}
