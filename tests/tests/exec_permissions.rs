//! Permissions through `tandem exec`: without a terminal a command that
//! needs approval is refused and the model is told why; `--allow` rules and
//! rules in `.claude/settings.json` let it run, deny rules win, read-only
//! mode refuses edits; with `--approvals prompt` the question is asked on
//! the terminal, and "always in this project" saves the rule.

use serde_json::json;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{answering, describe, fixture, tandem_command};
use tandem_tests::terminal::on_terminal;
use tandem_tests::wire::tool_results;

fn script(call: Turn) -> Script {
    Script::new().turn(call).turn(Turn::say("done"))
}

fn shell(command: &str) -> Turn {
    Turn::new().tool_use("shell", json!({ "command": command }))
}

/// Run exec non-interactively with `flags`; the tool result the model got.
fn result_with(call: Turn, repo: &std::path::Path, flags: &[&str]) -> String {
    let model = ScriptedServer::start(script(call));
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "go", "--provider", "anthropic", "--model", "m"])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        .args(flags)
        .arg("-C")
        .arg(repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    tool_results(&model.requests()[1]).join("\n")
}

#[test]
fn without_a_terminal_commands_that_ask_are_refused_and_rules_allow_them() {
    let repo = fixture("greeter");
    let refused = result_with(shell("printf 'ran%s' -1"), repo.path(), &[]);
    assert!(refused.contains("nobody can be asked"), "{refused}");
    assert!(!refused.contains("ran-1"), "{refused}");

    let allowed = result_with(
        shell("printf 'ran%s' -2"),
        repo.path(),
        &["--allow", "Bash(printf:*)"],
    );
    assert!(allowed.contains("ran-2"), "{allowed}");

    // A compound command needs every part allowed.
    let partly = result_with(
        shell("printf 'ran%s' -3 && touch x"),
        repo.path(),
        &["--allow", "Bash(printf:*)"],
    );
    assert!(!partly.contains("ran-3"), "{partly}");

    // Rules from the project's Claude Code settings apply; deny wins.
    std::fs::create_dir_all(repo.path().join(".claude")).unwrap();
    std::fs::write(
        repo.path().join(".claude/settings.json"),
        r#"{"permissions": {"allow": ["Bash(printf:*)"], "deny": ["Bash(printf 'ran%s' -5)"]}}"#,
    )
    .unwrap();
    let from_file = result_with(shell("printf 'ran%s' -4"), repo.path(), &[]);
    assert!(from_file.contains("ran-4"), "{from_file}");
    let denied = result_with(shell("printf 'ran%s' -5"), repo.path(), &["--mode", "auto"]);
    assert!(
        denied.contains("not allowed here") && !denied.contains("ran-5"),
        "{denied}"
    );

    // Read-only mode refuses edits even when nothing else would.
    let edit = Turn::new().tool_use("write", json!({"path": "new.txt", "content": "x\n"}));
    let read_only = result_with(edit, repo.path(), &["--mode", "read-only"]);
    assert!(read_only.contains("not allowed here"), "{read_only}");
}

#[test]
fn prompt_approvals_on_the_terminal_and_saving_the_rule() {
    let repo = fixture("greeter");
    let model = ScriptedServer::start(
        Script::new()
            .turn(shell("printf 'ran%s' -p"))
            .turn(shell("printf 'ran%s' -p"))
            .turn(Turn::say("done")),
    );
    let home = tempfile::tempdir().unwrap();
    let mut command = tandem_command(home.path());
    command
        .args(["exec", "go", "--provider", "anthropic", "--model", "m"])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        .args(["--approvals", "prompt"])
        .arg("-C")
        .arg(repo.path());
    // Always allow in this project: asked once, then the rule holds.
    let (out, asked) = answering(&mut command, |line| {
        line.contains("Tandem wants to run")
            .then(|| "p".to_string())
    });
    assert!(out.status.success());
    assert_eq!(asked, 1, "the second call is allowed by the saved rule");
    let results = tool_results(&model.requests()[2]).join("\n");
    assert_eq!(results.matches("ran-p").count(), 2, "{results}");
    let saved = std::fs::read_to_string(repo.path().join(".claude/settings.local.json")).unwrap();
    assert!(saved.contains("Bash(printf 'ran%s' -p)"), "{saved}");
}

/// On a terminal, keys typed before the question appeared do not answer
/// it: "y" typed ahead, then Enter once asked, denies. Control: "y" typed
/// once asked allows.
#[test]
fn keys_typed_before_the_question_do_not_answer_it() {
    let run = |early: &str, late: &str| {
        let repo = fixture("greeter");
        let model = ScriptedServer::start(script(shell("printf 'ran%s' -p")));
        let home = tempfile::tempdir().unwrap();
        let mut exec = tandem_command(home.path());
        exec.args(["exec", "go", "--provider", "anthropic", "--model", "m"])
            .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
            .arg("-C")
            .arg(repo.path());
        let out = on_terminal(&exec, early, "[N] deny: ", late);
        assert!(out.status.success(), "{}", describe(&out));
        tool_results(&model.requests()[1]).join("\n")
    };
    let typed_ahead = run("y", "\n");
    assert!(typed_ahead.contains("denied"), "{typed_ahead}");
    assert!(!typed_ahead.contains("ran-p"), "{typed_ahead}");
    let answered = run("", "y\n");
    assert!(answered.contains("ran-p"), "control: {answered}");
}
