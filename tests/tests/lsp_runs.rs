//! Runs from the editor, end to end: approvals through
//! `window/showMessageRequest` (allow, deny, no answer), cancelling from the
//! progress's cancel button, steering mid-run, a conflicted hunk and its
//! re-run, a model that cannot be reached, and malformed messages.

use serde_json::{Value, json};
use tandem_tests::lsp_client::{Answer, Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;
use tandem_tests::wire::tool_results;

fn start_run(lsp: &LspClient, prompt: &str) -> u64 {
    let r = lsp.command("tandem.run", json!({ "prompt": prompt }));
    r["result"]["run"].as_u64().unwrap_or_else(|| panic!("{r}"))
}

fn shell_then_done() -> Vec<Turn> {
    vec![
        Turn::new().tool_use("shell", json!({"command": "printf 'ran%s' -ok"})),
        Turn::say("ok"),
    ]
}

#[test]
fn commands_ask_first_and_a_denial_reaches_the_model() {
    let script = Script::new()
        .conversation("run-q1-allow", shell_then_done())
        .conversation("run-q2-deny", shell_then_done())
        .conversation("run-q3-silence", shell_then_done());
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let mut options = scripted_options(&model.url());
    options["agent"] = json!({ "approval_timeout_secs": 1 });
    let lsp = LspClient::start(repo.path(), options, Enc::Utf16);

    let result_of = |prompt: &str| {
        // Each question in a conversation of its own: the tool results
        // read below are this run's only.
        lsp.command("tandem.newConversation", json!({}));
        let run = start_run(&lsp, prompt);
        lsp.wait_run_finished(run);
        let req = model
            .requests()
            .into_iter()
            .rfind(|r| r.body.contains(prompt))
            .unwrap();
        tool_results(&req).join("\n")
    };

    lsp.set_answer(Answer::Pick("Allow once".into()));
    let allowed = result_of("run-q1-allow");
    assert!(allowed.contains("ran-ok"), "{allowed}");
    let asked = lsp.server_requests("window/showMessageRequest");
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0]["params"]["message"]
            .as_str()
            .unwrap()
            .contains("printf 'ran%s' -ok")
    );
    let titles: Vec<&str> = asked[0]["params"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Allow once",
            "Always allow",
            "Always allow in this project",
            "Deny"
        ]
    );

    lsp.set_answer(Answer::Pick("Deny".into()));
    let denied = result_of("run-q2-deny");
    assert!(
        denied.contains("did not allow") && !denied.contains("ran-ok"),
        "{denied}"
    );

    lsp.set_answer(Answer::Ignore);
    let silent = result_of("run-q3-silence");
    assert!(silent.contains("no answer within 1 seconds"), "{silent}");
}

#[test]
fn the_progress_cancel_button_stops_the_run() {
    let slow = Turn::say(&"thinking hard ".repeat(200)).token_delay_ms(20);
    let model = ScriptedServer::start(Script::new().turn(slow));
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let run = start_run(&lsp, "take your time");
    lsp.wait_until("progress to begin", |c| {
        c.notifications("$/progress")
            .iter()
            .any(|p| p["params"]["value"]["kind"] == "begin")
    });
    let begin = lsp.notifications("$/progress").remove(0);
    assert_eq!(begin["params"]["value"]["cancellable"], true);
    lsp.notify(
        "window/workDoneProgress/cancel",
        json!({ "token": begin["params"]["token"] }),
    );
    assert_eq!(lsp.wait_run_finished(run), "cancelled");
    lsp.wait_until("progress to end", |c| {
        c.notifications("$/progress")
            .iter()
            .any(|p| p["params"]["value"]["kind"] == "end")
    });
}

#[test]
fn a_steering_message_reaches_the_next_model_call() {
    let script = Script::new()
        .turn(
            Turn::new()
                .text(&"reading ".repeat(40))
                .token_delay_ms(15)
                .tool_use("read", json!({"path": "src/greet.py"})),
        )
        .turn(Turn::say("Understood."));
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let run = start_run(&lsp, "look at greet");
    lsp.wait_until("the first call", |_| !model.requests().is_empty());
    let r = lsp.command(
        "tandem.steer",
        json!({ "message": "also check the farewell" }),
    );
    assert_eq!(r["result"]["sent"], true, "{r}");
    assert_eq!(lsp.wait_run_finished(run), "done");
    let second = &model.requests()[1];
    assert!(
        second.body.contains("also check the farewell"),
        "{}",
        second.body
    );
}

#[test]
fn an_overlapping_user_edit_conflicts_and_can_be_rerun() {
    let script = Script::new()
        .turn(Turn::new().tool_use(
            "edit",
            json!({"path": "src/greet.py", "old_string": "\"Bye \" + name", "new_string": "\"Goodbye, \" + name"}),
        ))
        .turn(Turn::say("done"))
        .turn(Turn::say("redone"));
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    lsp.open("src/greet.py");
    let run = start_run(&lsp, "friendlier farewell");
    lsp.wait_run_finished(run);
    lsp.wait_until("a hint", |c| c.diagnostics("src/greet.py").len() == 1);

    // The user rewrites the very line the agent changed.
    lsp.type_text("src/greet.py", (5, 11), (5, 17), "\"See you \"");
    lsp.wait_until("a conflict warning", |c| {
        c.diagnostics("src/greet.py")
            .first()
            .is_some_and(|d| d["severity"] == 2)
    });
    let lenses = lsp.code_lenses("src/greet.py");
    let rerun = lenses
        .iter()
        .find(|l| l["command"]["command"] == "tandem.rerun")
        .unwrap_or_else(|| panic!("{lenses:#?}"));
    assert!(
        !lenses
            .iter()
            .any(|l| l["command"]["command"] == "tandem.acceptHunk")
    );

    // Accepting never applies a conflict; the user's text is untouched.
    let r = lsp.command("tandem.acceptAll", json!({}));
    assert_eq!(r["result"]["applied"], false, "{r}");
    assert!(lsp.edits().is_empty());
    let proposed = lsp.request(
        "tandem/proposedContent",
        json!({ "uri": lsp.uri("src/greet.py") }),
    );
    let text = proposed["result"]["text"].as_str().unwrap();
    assert!(
        text.contains("\"See you \" + name") && !text.contains("Goodbye"),
        "{text}"
    );

    // Re-run: the hunk is dropped and the agent is asked to redo it.
    let args: Value = rerun["command"]["arguments"][0].clone();
    let r = lsp.command("tandem.rerun", args);
    let again = r["result"]["run"].as_u64().unwrap();
    assert_eq!(lsp.wait_run_finished(again), "done");
    let last = model.requests().last().unwrap().body.clone();
    assert!(last.contains("overlapped edits the user made"), "{last}");
    assert!(last.contains("See you"), "{last}");
}

#[test]
fn an_unreachable_model_is_reported_in_the_editor() {
    let repo = fixture("greeter");
    let options = json!({ "model": {
        "provider": "openai-chat", "model": "m", "base_url": "http://127.0.0.1:9/v1", "max_retries": 0
    }});
    let lsp = LspClient::start(repo.path(), options, Enc::Utf16);
    let run = start_run(&lsp, "hello");
    assert_eq!(lsp.wait_run_finished(run), "model_error");
    lsp.wait_until("an error message", |c| {
        c.notifications("window/showMessage").iter().any(|m| {
            m["params"]["type"] == 1
                && m["params"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("Tandem:")
        })
    });
}

#[test]
fn malformed_messages_get_errors_and_the_server_goes_on() {
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), json!({}), Enc::Utf16);
    lsp.send_raw(b"Content-Length: 7\r\n\r\n{oops!}");
    lsp.send_raw(b"Content-Length: 9\r\n\r\n{\"foo\":1}");
    lsp.wait_until("the problems logged", |c| {
        let logged = c.notifications("window/logMessage");
        logged.iter().any(|m| {
            m["params"]["message"]
                .as_str()
                .unwrap()
                .contains("not JSON")
        }) && logged
            .iter()
            .any(|m| m["params"]["message"].as_str().unwrap().contains("jsonrpc"))
    });
    let r = lsp.command("tandem.acceptHunk", json!({ "uri": 42 }));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = lsp.command("tandem.nope", json!({}));
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown command"),
        "{r}"
    );
    let r = lsp.command("tandem.ask", json!({ "uri": lsp.uri("src/greet.py") }));
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("needs a `prompt`"),
        "{r}"
    );
    // Still serving.
    assert!(lsp.code_lenses("src/greet.py").is_empty());
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn accepting_deletes_and_moves_sends_file_operations() {
    let patch = "*** Begin Patch
*** Delete File: src/names.py
*** Update File: src/greet.py
*** Move to: src/hello.py
@@ def farewell(name):
-    return \"Bye \" + name
+    return \"Goodbye \" + name
*** End Patch";
    let script = Script::new()
        .turn(Turn::new().tool_use("apply_patch", json!({ "patch": patch })))
        .turn(Turn::say("moved and cleaned up"));
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let run = start_run(&lsp, "tidy up");
    assert_eq!(lsp.wait_run_finished(run), "done");
    // The move is reviewed once, at its destination; the deletion on its own.
    let moved = lsp.code_lenses("src/hello.py");
    assert!(
        moved
            .iter()
            .any(|l| l["command"]["command"] == "tandem.acceptHunk"),
        "{moved:#?}"
    );
    assert!(lsp.code_lenses("src/greet.py").is_empty());
    assert!(!lsp.code_lenses("src/names.py").is_empty());
    assert!(!lsp.server_requests("workspace/codeLens/refresh").is_empty());

    let r = lsp.command("tandem.acceptAll", json!({}));
    assert_eq!(r["result"]["applied"], true, "{r}");
    let (edit, _) = lsp.edits().last().cloned().unwrap();
    let kinds: Vec<&str> = edit["documentChanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["rename", "delete"], "{edit:#}");
    assert!(!repo.path().join("src/names.py").exists());
    assert!(!repo.path().join("src/greet.py").exists());
    let hello = std::fs::read_to_string(repo.path().join("src/hello.py")).unwrap();
    assert!(
        hello.contains("\"Goodbye \" + name") && hello.contains("def greet"),
        "{hello}"
    );
    assert!(lsp.code_lenses("src/hello.py").is_empty());
}

#[test]
fn selection_and_function_actions_start_runs_with_the_code() {
    let model = ScriptedServer::start(Script::new().turn(Turn::say("ok")).turn(Turn::say("ok")));
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    lsp.open("src/greet.py");
    let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 10}});
    let actions = lsp.code_actions("src/greet.py", range.clone(), json!([]));
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Ask Tandem…"), "{titles:?}");
    assert!(
        titles.contains(&"Write tests for `greet` with Tandem"),
        "{titles:?}"
    );

    // The editor supplies the prompt for "Ask Tandem…".
    let ask = actions
        .iter()
        .find(|a| a["title"] == "Ask Tandem…")
        .unwrap();
    assert_eq!(ask["kind"], "refactor.rewrite");
    let mut args = ask["command"]["arguments"][0].clone();
    args["prompt"] = json!("make this shout");
    let r = lsp.command("tandem.ask", args);
    lsp.wait_run_finished(r["result"]["run"].as_u64().unwrap());
    let body = model.requests()[0].body.clone();
    assert!(
        body.contains("make this shout") && body.contains("lines 1-2"),
        "{body}"
    );

    let tests = actions.iter().find(|a| a["kind"] == "source").unwrap();
    let r = lsp.command("tandem.run", tests["command"]["arguments"][0].clone());
    lsp.wait_run_finished(r["result"]["run"].as_u64().unwrap());
    let body = model.requests()[1].body.clone();
    assert!(body.contains("Write tests for `greet`"), "{body}");
}

#[test]
fn sandboxed_commands_see_the_unsaved_buffer_and_their_writes_join_the_proposal() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use(
                "shell",
                json!({"command": "grep -c UNSAVED src/greet.py; echo out > made.txt"}),
            ))
            .turn(Turn::say("done")),
    );
    let repo = fixture("greeter");
    let mut options = scripted_options(&model.url());
    options["permissions"] = json!({ "mode": "auto" });
    let lsp = LspClient::start(repo.path(), options, Enc::Utf16);
    lsp.open("src/greet.py");
    lsp.type_text("src/greet.py", (0, 0), (0, 0), "# UNSAVED edit\n");
    let run = start_run(&lsp, "check");
    assert_eq!(lsp.wait_run_finished(run), "done");
    let result = tool_results(&model.requests()[1]).join("\n");
    assert!(
        result.starts_with("1\n"),
        "the command saw the unsaved text: {result}"
    );
    assert!(!repo.path().join("made.txt").exists());
    assert_eq!(
        hunk_count(&lsp, "made.txt"),
        1,
        "the command's file is proposed"
    );
}

fn hunk_count(lsp: &LspClient, rel: &str) -> usize {
    lsp.code_lenses(rel)
        .iter()
        .filter(|l| l["command"]["command"] == "tandem.acceptHunk")
        .count()
}

/// The editor's runs keep their conversation in the state folder (what
/// hooks get as `transcript_path`): runs of one conversation in one file, a
/// new conversation in a file of its own.
#[test]
fn each_editor_run_keeps_its_conversation() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::say("first answer"))
            .turn(Turn::say("second answer"))
            .turn(Turn::say("third answer")),
    );
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let logs = |lsp: &LspClient| -> Vec<String> {
        let sessions = lsp.home().join(".local/state/tandem/sessions");
        std::fs::read_dir(&sessions)
            .unwrap()
            .flatten()
            .flat_map(|project| std::fs::read_dir(project.path()).unwrap().flatten())
            .map(|log| std::fs::read_to_string(log.path()).unwrap())
            .collect()
    };
    for prompt in ["first question", "second question"] {
        let run = start_run(&lsp, prompt);
        assert_eq!(lsp.wait_run_finished(run), "done");
    }
    let one = logs(&lsp);
    assert_eq!(one.len(), 1, "{one:?}");
    for text in [
        "first question",
        "first answer",
        "second question",
        "second answer",
    ] {
        assert!(one[0].contains(text), "{text:?} not in {one:?}");
    }
    lsp.command("tandem.newConversation", json!({}));
    let run = start_run(&lsp, "third question");
    assert_eq!(lsp.wait_run_finished(run), "done");
    let two = logs(&lsp);
    assert_eq!(two.len(), 2);
    assert!(
        two.iter()
            .any(|l| l.contains("third answer") && !l.contains("first question")),
        "{two:?}"
    );
}
