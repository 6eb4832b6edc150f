//! What the editor knows reaches the agent: diagnostics of other language
//! servers (sent with `tandem/diagnostics`, or carried by a code action's
//! context) through the `diagnostics` tool; and editor settings with a
//! mistake are reported and the previous ones kept.

use serde_json::json;
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;
use tandem_tests::wire::{tool_names, tool_results};

#[test]
fn the_agent_sees_the_problems_the_editor_reports() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(
                Turn::new()
                    .tool_use("diagnostics", json!({"path": "src/greet.py"}))
                    .tool_use("diagnostics", json!({"path": "src/names.py"}))
                    .tool_use("diagnostics", json!({})),
            )
            .turn(Turn::say("I see the type error.")),
    );
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let diag = |line: u32, message: &str, source: &str| {
        json!({
            "range": {"start": {"line": line, "character": 4}, "end": {"line": line, "character": 10}},
            "severity": 1, "source": source, "code": "reportOperatorIssue", "message": message
        })
    };
    lsp.notify(
        "tandem/diagnostics",
        json!({
            "uri": lsp.uri("src/greet.py"),
            "diagnostics": [diag(1, "Operator \"+\" not supported for \"None\"", "pyright"),
                            diag(0, "a tandem hint is not a problem", "tandem")]
        }),
    );
    // A code action's context carries a problem in another file.
    lsp.code_actions(
        "src/names.py",
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}}),
        json!([diag(0, "NAMES is never used", "ruff")]),
    );
    let run = lsp.command("tandem.run", json!({"prompt": "check the problems"}))["result"]["run"]
        .as_u64()
        .unwrap();
    assert_eq!(lsp.wait_run_finished(run), "done");
    let requests = model.requests();
    assert!(tool_names(&requests[0]).contains(&"diagnostics".to_string()));
    let results = tool_results(&requests[1]);
    assert_eq!(
        results[0],
        "src/greet.py: 1 problem(s)\n2:5: error [pyright reportOperatorIssue]: Operator \"+\" not supported for \"None\"\n"
    );
    assert!(
        results[1].contains("1:5: error [ruff reportOperatorIssue]: NAMES is never used"),
        "{}",
        results[1]
    );
    assert_eq!(
        results[2],
        "Files with problems:\nsrc/greet.py\nsrc/names.py"
    );
}

#[test]
fn editor_settings_with_a_mistake_are_reported_and_the_previous_ones_kept() {
    let model = ScriptedServer::start(Script::new().turn(Turn::say("still fine")));
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let mut bad = scripted_options(&model.url());
    bad["agent"] = json!({ "max_turnz": 3 });
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "tandem": bad } }),
    );
    lsp.wait_until("a message about the settings", |c| {
        c.notifications("window/showMessage").iter().any(|m| {
            m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains("max_turnz") && t.contains("keeping the previous"))
        })
    });
    let run = lsp.command("tandem.run", json!({"prompt": "go"}))["result"]["run"]
        .as_u64()
        .unwrap();
    assert_eq!(lsp.wait_run_finished(run), "done");
}
