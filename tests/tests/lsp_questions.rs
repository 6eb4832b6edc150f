//! Questions in the editor: `ask_user` and plan approval through the real
//! `tandem lsp`. A client that announces `experimental.tandem.questions`
//! gets `tandem/question` {id, kind, header, text, options} and answers
//! `{id, choice, text}`; any other gets `window/showMessageRequest` with
//! the options as its buttons.

use serde_json::{Value, json};
use tandem_tests::asking::which_database;
use tandem_tests::lsp_client::{Answer, Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;
use tandem_tests::wire::tool_results;

const PLAN: &str =
    "Make the greeting friendlier.\n\n1. Change `greet` in src/greet.py\n2. Run the tests";

fn edit() -> Turn {
    Turn::new().tool_use(
        "edit",
        json!({"path": "src/greet.py", "old_string": "\"Hello, \"", "new_string": "\"Hi, \""}),
    )
}

fn plan_script() -> Script {
    Script::new()
        .turn(edit())
        .turn(Turn::new().tool_use("exit_plan_mode", json!({ "plan": PLAN })))
        .turn(edit())
        .turn(Turn::say("done"))
}

/// A plan-mode editor run answered with `choice` / `text`: the question
/// the editor got and the results the model was given.
fn plan_run(choice: &str, text: Option<&str>) -> (Value, Vec<String>) {
    let model = ScriptedServer::start(plan_script());
    let repo = fixture("greeter");
    let mut options = scripted_options(&model.url());
    options["permissions"] = json!({ "mode": "plan" });
    let lsp = LspClient::start_like_extensions(repo.path(), options, Enc::Utf16);
    lsp.set_question_reply(Some(choice), text);
    let r = lsp.command(
        "tandem.run",
        json!({ "prompt": "make the greeting friendlier" }),
    );
    let run = r["result"]["run"].as_u64().unwrap_or_else(|| panic!("{r}"));
    lsp.wait_run_finished(run);
    let asked = lsp.server_requests("tandem/question");
    assert_eq!(asked.len(), 1, "{asked:?}");
    let results = tool_results(model.requests().last().unwrap());
    (asked[0]["params"].clone(), results)
}

#[test]
fn a_plan_approved_in_the_editor_unlocks_the_edit() {
    let (question, results) = plan_run("approve", None);
    assert_eq!(question["kind"], "plan", "{question}");
    assert_eq!(question["text"], PLAN.trim(), "{question}");
    assert_eq!(question["v"], 1, "{question}");
    let labels: Vec<&str> = question["options"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["label"].as_str())
        .collect();
    assert_eq!(labels, ["approve", "approve-auto", "keep-planning"]);
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(
        results[0].contains("exit_plan_mode"),
        "refused first: {}",
        results[0]
    );
    assert!(results[1].contains("approved the plan"), "{}", results[1]);
    assert!(
        !results[2].contains("plan mode"),
        "the edit ran: {}",
        results[2]
    );
}

#[test]
fn feedback_from_the_editor_keeps_planning_and_the_edit_refused() {
    let (_, results) = plan_run("keep-planning", Some("also update the docs"));
    assert!(
        results[1].contains("also update the docs"),
        "{}",
        results[1]
    );
    assert!(
        results[2].contains("exit_plan_mode"),
        "still refused: {}",
        results[2]
    );
}

fn ask_script() -> Script {
    which_database("ok")
}

#[test]
fn ask_user_is_answered_in_the_editor_with_a_choice_or_through_a_message() {
    // An extension's own view: the option, or words of the user's own.
    for (choice, text, expect) in [
        (Some("postgres"), None, "postgres"),
        (None, Some("redis, actually"), "redis, actually"),
    ] {
        let model = ScriptedServer::start(ask_script());
        let repo = fixture("greeter");
        let lsp = LspClient::start_like_extensions(
            repo.path(),
            scripted_options(&model.url()),
            Enc::Utf16,
        );
        lsp.set_question_reply(choice, text);
        let r = lsp.command("tandem.run", json!({ "prompt": "add a cache" }));
        lsp.wait_run_finished(r["result"]["run"].as_u64().unwrap());
        let asked = lsp.server_requests("tandem/question");
        assert_eq!(asked.len(), 1);
        let p = &asked[0]["params"];
        assert_eq!(p["kind"], "choice", "{p}");
        assert_eq!(p["header"], "Database", "{p}");
        assert_eq!(p["text"], "Which database should the cache use?", "{p}");
        let result = tool_results(model.requests().last().unwrap()).join("\n");
        assert!(result.contains(expect), "{result}");
    }

    // Any other client: the options as buttons of showMessageRequest.
    let model = ScriptedServer::start(ask_script());
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    lsp.set_answer(Answer::Pick("sqlite".into()));
    let r = lsp.command("tandem.run", json!({ "prompt": "add a cache" }));
    lsp.wait_run_finished(r["result"]["run"].as_u64().unwrap());
    assert!(lsp.server_requests("tandem/question").is_empty());
    let shown = lsp.server_requests("window/showMessageRequest");
    let titles: Vec<&str> = shown[0]["params"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert_eq!(titles, ["sqlite", "postgres"]);
    let result = tool_results(model.requests().last().unwrap()).join("\n");
    assert!(result.contains("sqlite"), "{result}");

    // A title that was not offered answers nothing.
    let model = ScriptedServer::start(ask_script());
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    lsp.set_answer(Answer::Pick("mysql".into()));
    let r = lsp.command("tandem.run", json!({ "prompt": "add a cache" }));
    lsp.wait_run_finished(r["result"]["run"].as_u64().unwrap());
    let result = tool_results(model.requests().last().unwrap()).join("\n");
    assert!(
        !result.contains("mysql") || result.contains("not one of the options"),
        "{result}"
    );
}
