//! Approvals that cannot be answered by accident. A client that announces
//! `experimental.tandem.approvals` gets `tandem/approve` with the
//! approval's id, the command, its working folder, its sandbox and the rule
//! that made it ask; only `{id, answer}` naming this approval and one of its
//! choices approves. Through `window/showMessageRequest` an action carrying
//! another approval's id, or a title that is not offered, approves nothing.

use serde_json::{Value, json};
use tandem_tests::lsp_client::{Answer, Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;
use tandem_tests::wire::tool_results;

fn shell_then_done() -> Vec<Turn> {
    vec![
        Turn::new().tool_use(
            "shell",
            json!({"command": "printf 'ran%s' -ok", "workdir": "src"}),
        ),
        Turn::say("ok"),
    ]
}

/// Run `prompt` and return what the model was told of its command.
fn result_of(lsp: &LspClient, model: &ScriptedServer, prompt: &str) -> String {
    // Each question in a conversation of its own: the tool results read
    // below are this run's only.
    lsp.command("tandem.newConversation", json!({}));
    let r = lsp.command("tandem.run", json!({ "prompt": prompt }));
    let run = r["result"]["run"].as_u64().unwrap_or_else(|| panic!("{r}"));
    lsp.wait_run_finished(run);
    let req = model
        .requests()
        .into_iter()
        .rfind(|r| r.body.contains(prompt))
        .unwrap();
    tool_results(&req).join("\n")
}

#[test]
fn an_approval_names_itself_and_only_its_own_answer_counts() {
    let prompts = ["q1-once", "q2-stale", "q3-mistyped", "q4-rule"];
    let script = prompts
        .iter()
        .fold(Script::new(), |s, p| s.conversation(p, shell_then_done()));
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let mut options = scripted_options(&model.url());
    options["agent"] = json!({ "approval_timeout_secs": 5 });
    let lsp = LspClient::start_like_extensions(repo.path(), options, Enc::Utf16);

    lsp.set_answer(Answer::Pick("Allow once".into()));
    let allowed = result_of(&lsp, &model, "q1-once");
    assert!(allowed.contains("ran-ok"), "{allowed}");
    assert!(lsp.server_requests("window/showMessageRequest").is_empty());
    let asked = lsp.server_requests("tandem/approve");
    assert_eq!(asked.len(), 1);
    let p = &asked[0]["params"];
    assert_eq!(p["v"], 1, "the protocol version: {p}");
    assert_eq!(p["summary"], "printf 'ran%s' -ok", "{p}");
    assert_eq!(p["tool"], "shell");
    assert!(p["cwd"].as_str().unwrap().ends_with("/src"), "{p}");
    assert!(p["sandbox"].as_str().is_some_and(|s| !s.is_empty()), "{p}");
    assert!(
        p["reason"]
            .as_str()
            .unwrap()
            .contains("permission mode `ask`"),
        "{p}"
    );
    let answers: Vec<&str> = p["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["answer"].as_str().unwrap())
        .collect();
    assert_eq!(answers, ["once", "session", "project", "deny"]);
    let first_id = p["id"].as_str().unwrap().to_string();

    // The answer to an earlier approval does not answer this one.
    lsp.set_answer(Answer::Raw(json!({ "id": first_id, "answer": "once" })));
    let stale = result_of(&lsp, &model, "q2-stale");
    assert!(
        stale.contains("another approval") && !stale.contains("ran-ok"),
        "{stale}"
    );
    let ids: Vec<Value> = lsp
        .server_requests("tandem/approve")
        .iter()
        .map(|r| r["params"]["id"].clone())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1], "each approval has its own id");

    // An answer with this id that is not one of the choices denies.
    lsp.set_answer(Answer::Pick("1".into()));
    let mistyped = result_of(&lsp, &model, "q3-mistyped");
    assert!(
        mistyped.contains("`1` is not one of the answers") && !mistyped.contains("ran-ok"),
        "{mistyped}"
    );

    // An ask rule is named as the reason.
    std::fs::create_dir_all(repo.path().join(".claude")).unwrap();
    std::fs::write(
        repo.path().join(".claude/settings.json"),
        r#"{"permissions": {"allow": ["Bash"], "ask": ["Bash(printf:*)"]}}"#,
    )
    .unwrap();
    lsp.set_answer(Answer::Pick("Deny".into()));
    let denied = result_of(&lsp, &model, "q4-rule");
    assert!(
        denied.contains("the user denied it") && !denied.contains("ran-ok"),
        "{denied}"
    );
    let last = lsp.server_requests("tandem/approve").pop().unwrap();
    assert_eq!(
        last["params"]["reason"], "the ask rule `Bash(printf:*)`",
        "{last}"
    );
}

#[test]
fn through_show_message_request_a_foreign_action_approves_nothing() {
    let script = Script::new()
        .conversation("m1-foreign", shell_then_done())
        .conversation("m2-unknown", shell_then_done())
        .conversation("m3-title", shell_then_done());
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);

    lsp.set_answer(Answer::Raw(
        json!({ "title": "Allow once", "tandemApproval": "no-such-approval" }),
    ));
    let foreign = result_of(&lsp, &model, "m1-foreign");
    assert!(
        foreign.contains("another approval") && !foreign.contains("ran-ok"),
        "{foreign}"
    );
    let asked = lsp.server_requests("window/showMessageRequest");
    let message = asked[0]["params"]["message"].as_str().unwrap();
    assert!(
        message.contains("printf 'ran%s' -ok") && message.contains("permission mode `ask`"),
        "{message}"
    );
    assert!(asked[0]["params"]["actions"][0]["tandemApproval"].is_string());

    lsp.set_answer(Answer::Pick("1".into()));
    let unknown = result_of(&lsp, &model, "m2-unknown");
    assert!(!unknown.contains("ran-ok"), "{unknown}");

    // A client that sends back the title alone still answers.
    lsp.set_answer(Answer::Pick("Allow once".into()));
    let allowed = result_of(&lsp, &model, "m3-title");
    assert!(allowed.contains("ran-ok"), "{allowed}");
}
