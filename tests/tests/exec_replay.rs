//! `--record` then `--replay`: the replayed run makes no model call, really
//! runs the tools and ends in the same diff.

use serde_json::json;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::base_url;

fn diff_of(stdout: &[u8]) -> String {
    let text = String::from_utf8_lossy(stdout);
    text.lines()
        .skip_while(|l| !l.starts_with("diff --git"))
        .take_while(|l| !l.starts_with("──"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_recorded_run_replays_offline_to_the_same_diff() {
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
            .turn(Turn::new().tool_use(
                "edit",
                json!({"path": "src/greet.py", "old_string": "Bye ", "new_string": "Goodbye, "}),
            ))
            .turn(Turn::new().text("Changed the farewell.")),
    );
    let home = tempfile::tempdir().unwrap();
    let recording = home.path().join("run.jsonl");
    let repo = fixture("greeter");
    let recorded = tandem_command(home.path())
        .args(["exec", "Say goodbye properly", "--record"])
        .arg(&recording)
        .args(["--provider", "openai", "--model", "gpt-5"])
        .args(["--base-url", &base_url("openai", &server.url())])
        .args(["-c", "model.api_key=\"k\""])
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(recorded.status.success(), "{}", describe(&recorded));
    drop(server); // replay must not need it

    let repo2 = fixture("greeter");
    let replayed = tandem_command(home.path())
        .args(["exec", "Say goodbye properly", "--replay"])
        .arg(&recording)
        .arg("-C")
        .arg(repo2.path())
        .output()
        .unwrap();
    assert!(replayed.status.success(), "{}", describe(&replayed));
    let diff = diff_of(&replayed.stdout);
    assert!(diff.contains("+    return \"Goodbye, \" + name"), "{diff}");
    assert_eq!(diff, diff_of(&recorded.stdout));
    assert!(String::from_utf8_lossy(&replayed.stdout).contains("Changed the farewell."));
}

#[test]
fn replaying_a_recording_that_runs_out_fails_clearly() {
    let home = tempfile::tempdir().unwrap();
    let recording = home.path().join("short.jsonl");
    std::fs::write(
        &recording,
        concat!(
            "{\"format\":\"tandem-recording/1\",\"provider\":\"anthropic\",\"model\":\"m\"}\n",
            "{\"response\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"list\",\"input\":{}}]},",
            "\"usage\":{\"input_tokens\":1,\"output_tokens\":1,\"cache_read_tokens\":0,\"cache_write_tokens\":0},\"stop_reason\":\"tool_use\"}}\n"
        ),
    )
    .unwrap();
    let repo = fixture("greeter");
    let out = tandem_command(home.path())
        .args(["exec", "x", "--replay"])
        .arg(&recording)
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert!(
        describe(&out).contains("has only 1 model turns"),
        "{}",
        describe(&out)
    );
}
