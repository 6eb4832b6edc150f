//! Injected model faults through the real binary: each either recovers by
//! retrying, or ends with a clear error, a distinct exit code and no change
//! to the user's files.

use serde_json::json;
use tandem_tests::scripted::{Fault, Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::{PROVIDERS, base_url};

fn exec(
    server: &ScriptedServer,
    provider: &str,
    repo: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    tandem_command(home.path())
        .args(["exec", "Fix it"])
        .args(["--provider", provider, "--model", "test-model"])
        .args(["--base-url", &base_url(provider, &server.url())])
        .args(["-c", "model.api_key=\"test-key\""])
        .args(["-c", "model.retry_base_ms=10"])
        .arg("-C")
        .arg(repo)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn transient_faults_are_retried_and_the_run_succeeds() {
    for (provider, _) in PROVIDERS {
        let mut turn = Turn::new()
            .fault(Fault::status(429).retry_after(1))
            .fault(Fault::status(500))
            .fault(Fault::cut_after(3))
            .fault(Fault::malformed(2));
        if provider == "anthropic" {
            turn = turn.fault(Fault::status(529));
        }
        let faults = if provider == "anthropic" { 5 } else { 4 };
        let server = ScriptedServer::start(Script::new().turn(turn.text("All good now.")));
        let repo = fixture("greeter");
        let out = exec(&server, provider, repo.path(), &[]);
        assert!(out.status.success(), "{provider}: {}", describe(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("All good now."),
            "{provider}"
        );

        let requests = server.requests();
        assert_eq!(
            requests.len(),
            faults + 1,
            "{provider}: one request per fault, then success"
        );
        // The 429 said retry-after: 1, and the client waited that long.
        let waited = requests[1].at_ms - requests[0].at_ms;
        assert!(
            waited >= 1000,
            "{provider}: retried after {waited} ms despite retry-after: 1"
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("retry"),
            "{provider}: {}",
            describe(&out)
        );
    }
}

#[test]
fn a_stalled_stream_hits_the_idle_timeout_and_is_retried() {
    let server = ScriptedServer::start(
        Script::new().turn(Turn::new().fault(Fault::stall(2, 5_000)).text("Recovered.")),
    );
    let repo = fixture("greeter");
    let out = exec(
        &server,
        "anthropic",
        repo.path(),
        &["-c", "model.idle_timeout_secs=1"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(server.requests().len(), 2);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Recovered."));
}

#[test]
fn persistent_failure_ends_with_a_clear_error_and_no_change() {
    for (provider, _) in PROVIDERS {
        // The first turn proposes an edit; then the model keeps failing.
        let server = ScriptedServer::start(
            Script::new()
                .turn(Turn::new().tool_use(
                    "write",
                    json!({"path": "src/greet.py", "content": "broken\n"}),
                ))
                .turn(
                    Turn::new()
                        .fault(Fault::status(500))
                        .fault(Fault::status(500))
                        .fault(Fault::status(500))
                        .text("never reached"),
                ),
        );
        let repo = fixture("greeter");
        let before = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
        let out = exec(
            &server,
            provider,
            repo.path(),
            &["--apply", "-c", "model.max_retries=2"],
        );
        assert_eq!(out.status.code(), Some(3), "{provider}: {}", describe(&out));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            all.contains("500"),
            "{provider}: the error does not say what failed: {all}"
        );
        assert!(all.contains("nothing was applied"), "{provider}: {all}");
        assert_eq!(
            std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap(),
            before,
            "{provider}: a failed run changed the user's file"
        );
        assert_eq!(
            server.requests().len(),
            4,
            "{provider}: 1 good call + 3 tries"
        );
    }
}

#[test]
fn a_client_error_is_not_retried() {
    let server = ScriptedServer::start(
        Script::new().turn(Turn::new().fault(Fault::status(400)).text("never reached")),
    );
    let repo = fixture("greeter");
    let out = exec(&server, "openai", repo.path(), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert_eq!(server.requests().len(), 1);
}
