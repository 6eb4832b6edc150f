//! The cost cap in the editor: the run's progress shows the spend beside
//! the cap, `tandem/event` usage carries the cap, and the run ends `budget`
//! with the reason shown.

use serde_json::json;
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptUsage, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;

#[test]
fn an_editor_run_shows_its_spend_beside_the_cap_and_stops_at_it() {
    let mut script = Script::new();
    for _ in 0..5 {
        script = script.turn(
            Turn::new()
                .tool_use("read", json!({"path": "src/greet.py"}))
                .usage(ScriptUsage {
                    input_tokens: 100,
                    output_tokens: 10,
                    ..Default::default()
                }),
        );
    }
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let mut options = scripted_options(&model.url());
    options["agent"] = json!({"max_cost": 0.5});
    // $0.20 a call.
    options["models"] = json!({"test-model": {"input": 1000.0, "output": 10000.0}});
    let lsp = LspClient::start(repo.path(), options, Enc::Utf16);
    let r = lsp.command("tandem.run", json!({ "prompt": "look around" }));
    let run = r["result"]["run"].as_u64().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(lsp.wait_run_finished(run), "budget");
    assert_eq!(model.requests().len(), 3);
    let usage: Vec<serde_json::Value> = lsp
        .notifications("tandem/event")
        .into_iter()
        .filter(|n| n["params"]["event"]["type"] == "usage")
        .collect();
    assert_eq!(usage.len(), 3);
    assert!(
        usage
            .iter()
            .all(|u| u["params"]["event"]["max_cost_usd"] == 0.5)
    );
    lsp.wait_until("progress to end", |c| {
        c.notifications("$/progress")
            .iter()
            .any(|p| p["params"]["value"]["kind"] == "end")
    });
    let progress = lsp.notifications("$/progress");
    let messages: Vec<&str> = progress
        .iter()
        .filter_map(|p| p["params"]["value"]["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.ends_with("· $0.40 of $0.50")),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"Stopped at the cost cap"),
        "{messages:?}"
    );
    lsp.wait_until("the reason shown", |c| {
        c.notifications("window/showMessage").iter().any(|m| {
            m["params"]["message"].as_str().is_some_and(|t| {
                t.contains("budget: the cost cap of $0.50 was reached ($0.60 spent)")
            })
        })
    });
}
