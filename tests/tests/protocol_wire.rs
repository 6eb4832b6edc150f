//! The protocol version as a reader sees it: every `tandem exec --json`
//! line (events and the final result) and every `tandem/event` notification
//! carry `"v": 1` beside the fields they always had.

use serde_json::{Value, json};
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};

#[test]
fn every_json_line_and_the_result_carry_the_version() {
    let model = ScriptedServer::start(Script::new().turn(Turn::say("done")));
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "--json", "say done"])
        .args(["--provider", "anthropic", "-m", "test-model"])
        .args(["--base-url", &model.url()])
        .args(["-c", "model.api_key=\"k\""])
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"started"), "{types:?}");
    assert!(types.contains(&"finished"), "{types:?}");
    assert_eq!(types.last(), Some(&"result"), "{types:?}");
    for line in &lines {
        assert_eq!(line["v"], 1, "{line}");
    }
    let result = lines.last().unwrap();
    assert_eq!(result["outcome"], "done", "{result}");
    assert_eq!(result["message"], "done", "{result}");
}

#[test]
fn tandem_event_notifications_carry_the_version() {
    let model = ScriptedServer::start(Script::new().turn(Turn::say("ok")));
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let r = lsp.command("tandem.run", json!({ "prompt": "hi" }));
    let run = r["result"]["run"].as_u64().unwrap_or_else(|| panic!("{r}"));
    lsp.wait_run_finished(run);
    let events = lsp.notifications("tandem/event");
    assert!(!events.is_empty());
    for n in &events {
        let params = &n["params"];
        assert_eq!(params["v"], 1, "{n}");
        assert_eq!(params["run"], run, "{n}");
        assert!(params["event"]["type"].is_string(), "{n}");
    }
    assert!(
        events
            .iter()
            .any(|n| n["params"]["event"]["type"] == "finished"),
        "{events:?}"
    );
}
