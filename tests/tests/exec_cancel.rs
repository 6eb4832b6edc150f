//! Cancelling a run (SIGINT, as Ctrl-C sends) stops it, kills the command it
//! was running, exits 130 and applies nothing even with --apply.

use serde_json::json;
use std::time::{Duration, Instant};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{fixture, tandem_command};
use tandem_tests::wire::base_url;

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether `pid` is a live process; a killed one may stay a zombie until
/// init reaps it, which does not count.
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|r| !r.trim_start().starts_with('Z'))
    })
}

fn interrupt(child: &std::process::Child) {
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
}

/// Pids of live processes whose command line is exactly `argv`.
fn processes(argv: &[&str]) -> Vec<i32> {
    let want: Vec<u8> = argv.iter().flat_map(|a| a.bytes().chain([0])).collect();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == want))
        .filter(|pid| running(*pid))
        .collect()
}

/// Cancel while a command runs, in `backend`: the command and what it
/// started (a grandchild here) die, nothing is applied, exit 130.
fn cancel_during_a_command(backend: &str, seconds: &str) {
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use(
                "write",
                json!({"path": "src/greet.py", "content": "proposed\n"}),
            ))
            .turn(Turn::new().tool_use(
                "shell",
                json!({"command": format!("sleep {seconds} & wait")}),
            ))
            .turn(Turn::new().text("unreachable")),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let child = tandem_command(home.path())
        .args(["exec", "--apply", "Do it"])
        .args(["--provider", "openai-chat", "--model", "m"])
        .args(["--base-url", &base_url("openai-chat", &server.url())])
        .args(["-c", &format!("sandbox.backend=\"{backend}\"")])
        .args(["--mode", "auto"])
        .arg("-C")
        .arg(repo.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let sleeper = ["sleep", seconds];
    wait_for("the command to start", || !processes(&sleeper).is_empty());
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The whole process tree went, grandchildren included.
    wait_for("the sleeper to die", || processes(&sleeper).is_empty());
    let greet = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    assert!(
        greet.starts_with("def greet"),
        "a cancelled run applied its proposal"
    );
    assert_eq!(server.requests().len(), 2, "no model call after the cancel");
}

#[test]
fn cancel_during_a_local_command_kills_it_and_applies_nothing() {
    cancel_during_a_command("local", "6101");
}

#[test]
fn cancel_during_a_sandboxed_command_kills_it_and_applies_nothing() {
    if !tandem_tests::tandem::overlay_available() {
        return;
    }
    cancel_during_a_command("overlay", "6102");
}

#[test]
fn cancel_during_a_slow_model_stream_stops_at_once() {
    let server = ScriptedServer::start(
        Script::new().turn(
            Turn::new()
                .text(&"slow words ".repeat(200))
                .token_delay_ms(200),
        ),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let child = tandem_command(home.path())
        .args(["exec", "Talk"])
        .args(["--provider", "anthropic", "--model", "m"])
        .args(["--base-url", &base_url("anthropic", &server.url())])
        .args(["-c", "model.api_key=\"k\""])
        .arg("-C")
        .arg(repo.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the model call", || !server.requests().is_empty());
    let started = Instant::now();
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    // The stream had ~40 s left; cancelling did not wait for it.
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Cancelled"));
}
