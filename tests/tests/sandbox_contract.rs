//! The sandbox contract, for each backend, through the real `tandem exec`
//! and the scripted model: a command cannot reach a server on the host's
//! loopback (overlay only: the copy backend says it has no network
//! isolation), cannot change the user's files even with `rm -rf`, cannot
//! read a secret from the server's environment, cannot write through a
//! symlink that leads outside; it sees the proposal, and what it writes
//! becomes part of the proposal.

use serde_json::json;
use std::net::TcpListener;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, overlay_available, tandem_command};
use tandem_tests::wire::tool_results;

struct Run {
    results: Vec<String>,
    stdout: String,
    stderr: String,
}

fn run(backend: &str, repo: &std::path::Path, turns: Vec<Turn>, env: &[(&str, &str)]) -> Run {
    let mut script = Script::new();
    for t in turns {
        script = script.turn(t);
    }
    let n = script_len(&script);
    let model = ScriptedServer::start(script.turn(Turn::say("done")));
    let home = tempfile::tempdir().unwrap();
    let mut cmd = tandem_command(home.path());
    cmd.args([
        "exec",
        "contract",
        "--provider",
        "anthropic",
        "--model",
        "m",
    ])
    .args(["--base-url", &model.url()])
    .args(["-c", "model.api_key=\"k\""])
    .args(["-c", &format!("sandbox.backend=\"{backend}\"")])
    .args(["--mode", "auto"])
    .arg("-C")
    .arg(repo);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{backend}: {}", describe(&out));
    let requests = model.requests();
    let results = tool_results(&requests[n]);
    Run {
        results,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn script_len(script: &Script) -> usize {
    serde_json::to_value(script).unwrap()["conversations"][0]["turns"]
        .as_array()
        .map_or(0, |t| t.len())
}

fn shell(command: &str) -> Turn {
    Turn::new().tool_use("shell", json!({ "command": command }))
}

fn contract(backend: &str) {
    let repo = fixture("greeter");
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path().join("escape")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let before = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();

    let r = run(
        backend,
        repo.path(),
        vec![
            // The proposal is visible to commands.
            Turn::new().tool_use(
                "edit",
                json!({"path": "src/greet.py", "old_string": "\"Bye \"", "new_string": "\"Farewell \""}),
            ),
            shell("grep -c Farewell src/greet.py"),
            shell(&format!("(exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && echo CONNECTED || echo REFUSED")),
            shell("echo \"secret=[$TANDEM_TEST_SECRET_TOKEN] plain=[$TANDEM_TEST_PLAIN]\""),
            shell("echo x > escape/escaped; ls escape/ 2>&1; true"),
            shell("echo made > made.txt && rm -rf src README.md && ls"),
        ],
        &[("TANDEM_TEST_SECRET_TOKEN", "hunter2"), ("TANDEM_TEST_PLAIN", "visible")],
    );
    let out = |i: usize| r.results[i].clone();
    assert!(
        out(1).starts_with("1\n"),
        "{backend}: sees the proposal: {}",
        out(1)
    );
    // The run says which backend it used.
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(said.contains(&format!("sandbox: {backend}:")), "{said}");
    if backend == "overlay" {
        assert!(
            out(2).contains("REFUSED"),
            "{backend}: reached the host: {}",
            out(2)
        );
    } else {
        assert!(said.contains("NO network isolation"), "{said}");
    }
    assert!(
        out(3).contains("secret=[] plain=[visible]"),
        "{backend}: {}",
        out(3)
    );
    assert!(
        !outside.path().join("escaped").exists(),
        "{backend}: wrote outside"
    );
    let listing = out(5);
    let listing = listing.split('[').next().unwrap();
    assert!(
        listing.contains("made.txt") && !listing.contains("src"),
        "{backend}: {listing}"
    );

    // The user's files are untouched...
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap(),
        before
    );
    assert!(repo.path().join("README.md").exists());
    assert!(!repo.path().join("made.txt").exists());
    // ...and the command's writes are the proposal.
    assert!(
        r.stdout.contains("+++ b/made.txt"),
        "{backend}: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains("deleted file mode 100644"),
        "{backend}: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains("--- a/src/greet.py"),
        "{backend}: {}",
        r.stdout
    );
    drop(listener);
}

#[test]
fn overlay_backend_keeps_the_contract() {
    if !overlay_available() {
        return;
    }
    contract("overlay");
}

#[test]
fn copy_backend_keeps_the_contract() {
    contract("copy");
}

#[test]
fn overlay_reaches_only_the_named_loopback_ports() {
    if !overlay_available() {
        return;
    }
    let repo = fixture("greeter");
    let named = TcpListener::bind("127.0.0.1:0").unwrap();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    let (named_port, other_port) = (
        named.local_addr().unwrap().port(),
        other.local_addr().unwrap().port(),
    );
    std::thread::spawn(move || {
        for mut conn in named.incoming().flatten() {
            use std::io::Write;
            let _ = conn.write_all(b"pong\n");
        }
    });
    let model = ScriptedServer::start(
        Script::new()
            .turn(shell(&format!(
                "exec 3<>/dev/tcp/127.0.0.1/{named_port} && head -c4 <&3; echo; \
                 (exec 4<>/dev/tcp/127.0.0.1/{other_port}) 2>/dev/null && echo OTHER-OPEN || echo OTHER-REFUSED"
            )))
            .turn(Turn::say("done")),
    );
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args([
            "exec",
            "db",
            "--provider",
            "anthropic",
            "--model",
            "m",
            "--mode",
            "auto",
        ])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        .args(["-c", "sandbox.backend=\"overlay\""])
        .args(["-c", &format!("sandbox.loopback_ports=[{named_port}]")])
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let result = tool_results(&model.requests()[1]).join("\n");
    assert!(
        result.contains("pong") && result.contains("OTHER-REFUSED"),
        "{result}"
    );
    drop(other);
}
