//! Conversations that go on: `tandem exec --continue`, `--resume ID` and
//! `--fork ID` carry a saved session's conversation to the model after the
//! process that had it exited; `tandem sessions` lists, shows and deletes
//! them; in the editor a second run carries the first's history, a new
//! conversation does not, and the conversation is still there after the
//! language server restarts.

use serde_json::json;
use std::path::Path;
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, exec_scripted, fixture, tandem_command};

fn exec(home: &Path, repo: &Path, model: &ScriptedServer, args: &[&str]) -> std::process::Output {
    exec_scripted(home, repo, "anthropic", &model.url(), args)
}

fn sessions(home: &Path, repo: &Path, extra: &[&str]) -> String {
    let out = tandem_command(home)
        .arg("sessions")
        .arg("-C")
        .arg(repo)
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The 8-character session id `exec` printed on stderr.
fn session_of(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("session "))
        .unwrap_or_else(|| panic!("no session line: {}", describe(out)));
    line["session ".len().."session ".len() + 8].to_string()
}

#[test]
fn exec_continue_resume_and_fork_carry_the_conversation_after_exit() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::say("The secret word is PAPAYA."))
            .turn(Turn::say("You asked about the secret word."))
            .turn(Turn::say("Resumed."))
            .turn(Turn::say("Forked.")),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let first = exec(home.path(), repo.path(), &model, &["Pick a secret word"]);
    assert!(first.status.success(), "{}", describe(&first));
    let id = session_of(&first);

    // A new process: --continue sends the first conversation before the prompt.
    let second = exec(
        home.path(),
        repo.path(),
        &model,
        &["--continue", "What did I ask?"],
    );
    assert!(second.status.success(), "{}", describe(&second));
    assert_eq!(session_of(&second), id, "the same session goes on");
    let body = &model.requests()[1].body;
    for needle in ["Pick a secret word", "PAPAYA", "What did I ask?"] {
        assert!(
            body.contains(needle),
            "{needle:?} not in the request: {body}"
        );
    }

    // --resume by id: both earlier exchanges.
    let third = exec(
        home.path(),
        repo.path(),
        &model,
        &["--resume", &id, "And now?"],
    );
    assert!(third.status.success(), "{}", describe(&third));
    let body = &model.requests()[2].body;
    assert!(
        body.contains("PAPAYA") && body.contains("You asked about the secret word"),
        "{body}"
    );

    // --fork: a new session with the conversation; the original keeps its own.
    let fourth = exec(
        home.path(),
        repo.path(),
        &model,
        &["--fork", &id, "Fork it"],
    );
    assert!(fourth.status.success(), "{}", describe(&fourth));
    let forked = session_of(&fourth);
    assert_ne!(forked, id);
    assert!(model.requests()[3].body.contains("PAPAYA"));

    let listed = sessions(home.path(), repo.path(), &[]);
    assert!(listed.contains(&id) && listed.contains(&forked), "{listed}");
    assert!(listed.contains("Pick a secret word"), "{listed}");
    let shown = sessions(home.path(), repo.path(), &["show", &id]);
    assert!(
        shown.contains("assistant: Resumed.") && !shown.contains("Forked."),
        "{shown}"
    );
    let shown = sessions(home.path(), repo.path(), &["show", &forked]);
    assert!(
        shown.contains("Forked.") && shown.contains("PAPAYA"),
        "{shown}"
    );
    sessions(home.path(), repo.path(), &["delete", &forked]);
    assert!(!sessions(home.path(), repo.path(), &[]).contains(&forked));

    // A session that is not there is a clear error that changes nothing.
    let bad = exec(home.path(), repo.path(), &model, &["--resume", "nope", "x"]);
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no session `nope`"));
    assert_eq!(model.requests().len(), 4);
}

#[test]
fn the_editor_goes_on_with_its_conversation_even_after_a_restart() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::say("The secret word is PAPAYA."))
            .turn(Turn::say("It was PAPAYA."))
            .turn(Turn::say("Fresh start."))
            .turn(Turn::say("Still here.")),
    );
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let run = |lsp: &LspClient, prompt: &str| {
        let r = lsp.command("tandem.run", json!({ "prompt": prompt }));
        lsp.wait_run_finished(r["result"]["run"].as_u64().unwrap());
    };
    run(&lsp, "Pick a secret word");
    run(&lsp, "What was it?");
    let body = &model.requests()[1].body;
    assert!(
        body.contains("Pick a secret word") && body.contains("PAPAYA"),
        "the second run did not carry the first: {body}"
    );

    // A new conversation: the next run starts from nothing.
    lsp.command("tandem.newConversation", json!({}));
    run(&lsp, "Something else");
    let body = &model.requests()[2].body;
    assert!(!body.contains("PAPAYA"), "{body}");

    // The server restarts: the conversation it was in is read back.
    let home = lsp.kill();
    let lsp = LspClient::start_in_home(
        repo.path(),
        scripted_options(&model.url()),
        Enc::Utf16,
        home,
    );
    run(&lsp, "Are you there?");
    let body = &model.requests()[3].body;
    assert!(
        body.contains("Something else") && body.contains("Fresh start."),
        "not reloaded after the restart: {body}"
    );
}

#[test]
fn compact_works_across_continuations() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::say("The secret word is PAPAYA."))
            .turn(Turn::say("And the colour is TEAL."))
            .turn(Turn::say("SUMMARY: the user picked PAPAYA and TEAL."))
            .turn(Turn::say("PAPAYA and TEAL.")),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let ok = |out: std::process::Output| assert!(out.status.success(), "{}", describe(&out));
    ok(exec(
        home.path(),
        repo.path(),
        &model,
        &["Pick a secret word"],
    ));
    ok(exec(
        home.path(),
        repo.path(),
        &model,
        &["--continue", "Pick a colour"],
    ));
    // Nothing to compact without a session to go on with.
    let out = exec(home.path(), repo.path(), &model, &["/compact"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let out = exec(
        home.path(),
        repo.path(),
        &model,
        &["--continue", "/compact the words"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Compacted session"));
    let asked = &model.requests()[2].body;
    assert!(
        asked.contains("Write a summary of the conversation")
            && asked.contains("Focus the summary on: the words"),
        "{asked}"
    );
    ok(exec(
        home.path(),
        repo.path(),
        &model,
        &["--continue", "Which words?"],
    ));
    let body = &model.requests()[3].body;
    assert!(
        body.contains("SUMMARY: the user picked PAPAYA and TEAL.")
            && !body.contains("Pick a secret word\""),
        "the next run did not go on from the summary: {body}"
    );
}
