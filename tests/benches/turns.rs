//! Benchmark: the harness's own cost per turn. A 40-turn scripted task (reads,
//! greps, edits, listings) runs through the real release binary against the
//! scripted model server, which answers at once, so nearly all wall time is
//! Tandem's: request building, stream parsing, tools, diffing. Prints time
//! per turn and the peak resident memory of the `tandem` process.
//!
//! Run: `cargo bench -p tandem-tests --bench turns`

use serde_json::json;
use std::process::Stdio;
use std::time::Instant;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{fixture, tandem_command};
use tandem_tests::wire::base_url;

const TURNS: usize = 40;
const RUNS: usize = 5;

fn script() -> Script {
    let mut script = Script::new();
    for i in 0..TURNS - 1 {
        let turn = match i % 4 {
            0 => Turn::new().tool_use("read", json!({"path": "src/greet.py"})),
            1 => Turn::new().tool_use("grep", json!({"pattern": "def ", "output_mode": "content"})),
            2 => Turn::new().tool_use(
                "write",
                json!({"path": format!("notes/{i}.txt"), "content": "note\n".repeat(50)}),
            ),
            _ => Turn::new().text("Next step.").tool_use("list", json!({})),
        };
        script = script.turn(turn);
    }
    script.turn(Turn::new().text("Done."))
}

/// Run the child to completion and return its peak RSS in KiB.
fn wait_peak_rss(child: std::process::Child) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

fn main() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let mut per_turn_ms = Vec::new();
    let mut peak_kib = 0;
    for run in 0..=RUNS {
        let server = ScriptedServer::start(script());
        let started = Instant::now();
        let child = tandem_command(home.path())
            .args(["exec", "--json", "Work through the notes"])
            .args(["--provider", "anthropic", "--model", "claude-sonnet-4-5"])
            .args(["--base-url", &base_url("anthropic", &server.url())])
            .args(["-c", "model.api_key=\"k\"", "-c", "agent.max_turns=100"])
            .arg("-C")
            .arg(repo.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tandem");
        let (code, rss) = wait_peak_rss(child);
        let wall = started.elapsed();
        assert_eq!(code, 0, "the benchmark run failed");
        assert_eq!(server.requests().len(), TURNS);
        if run == 0 {
            continue; // warm-up: page cache, first-run costs
        }
        per_turn_ms.push(wall.as_secs_f64() * 1000.0 / TURNS as f64);
        peak_kib = peak_kib.max(rss);
    }
    per_turn_ms.sort_by(f64::total_cmp);
    let median = per_turn_ms[per_turn_ms.len() / 2];
    println!("turns: {TURNS}-turn scripted task, {RUNS} runs after a warm-up");
    println!(
        "turns: harness time per turn: median {median:.2} ms (min {:.2}, max {:.2})",
        per_turn_ms[0],
        per_turn_ms[per_turn_ms.len() - 1]
    );
    println!(
        "turns: peak memory of tandem: {:.1} MiB",
        peak_kib as f64 / 1024.0
    );
}
