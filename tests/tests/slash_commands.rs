//! Slash commands as Claude Code and Codex users write them, through the
//! real `tandem exec`: `.claude/commands/rev.md` with `$1` / `$ARGUMENTS` /
//! `@file`, a Codex prompt, Tandem's `/init`; `/help` answers without a
//! model call; an unknown `/name` is an error that sends nothing.

use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, exec_scripted, fixture};

fn exec(
    home: &std::path::Path,
    repo: &std::path::Path,
    model: &ScriptedServer,
    prompt: &str,
) -> std::process::Output {
    exec_scripted(home, repo, "anthropic", &model.url(), &[prompt])
}

#[test]
fn custom_commands_expand_and_unknown_ones_send_nothing() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::say("Reviewed."))
            .turn(Turn::say("Explained."))
            .turn(Turn::say("Wrote AGENTS.md.")),
    );
    let repo = fixture("greeter");
    let commands = repo.path().join(".claude/commands");
    std::fs::create_dir_all(&commands).unwrap();
    std::fs::write(
        commands.join("rev.md"),
        "---\ndescription: Review one file for bugs\nargument-hint: <file> [focus]\n---\nReview $1 for bugs, focusing on $2. Read @$1 first.\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let prompts = home.path().join(".codex/prompts");
    std::fs::create_dir_all(&prompts).unwrap();
    std::fs::write(
        prompts.join("explain.md"),
        "Explain @src/greet.py to a beginner.",
    )
    .unwrap();

    let out = exec(
        home.path(),
        repo.path(),
        &model,
        "/rev src/greet.py farewells",
    );
    assert!(out.status.success(), "{}", describe(&out));
    let body = &model.requests()[0].body;
    assert!(
        body.contains("Review src/greet.py for bugs, focusing on farewells."),
        "{body}"
    );
    // `@$1` named the file: its text came with the prompt.
    assert!(
        body.contains("Contents of src/greet.py") && body.contains("def farewell(name)"),
        "{body}"
    );

    let out = exec(home.path(), repo.path(), &model, "/explain");
    assert!(out.status.success(), "{}", describe(&out));
    let body = &model.requests()[1].body;
    assert!(
        body.contains("Explain @src/greet.py to a beginner.") && body.contains("def greet(name)"),
        "{body}"
    );

    let out = exec(home.path(), repo.path(), &model, "/init");
    assert!(out.status.success(), "{}", describe(&out));
    assert!(model.requests()[2].body.contains("Write an AGENTS.md"));

    // /help: the list, no model call.
    let out = exec(home.path(), repo.path(), &model, "/help");
    assert!(out.status.success(), "{}", describe(&out));
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "/rev <file> [focus]  Review one file for bugs (project)",
        "/explain",
        "(codex)",
        "/init",
        "/review",
    ] {
        assert!(help.contains(needle), "{needle:?} not in {help}");
    }
    // /model: which model answers, no model call either.
    let out = exec(home.path(), repo.path(), &model, "/model");
    assert!(out.status.success(), "{}", describe(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Model: test-model via anthropic"), "{said}");
    // An unknown command: an error, nothing sent.
    let out = exec(home.path(), repo.path(), &model, "/nope do it");
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown command /nope"));
    assert_eq!(model.requests().len(), 3);
    // A path is not a command.
    let model2 = ScriptedServer::start(Script::new().turn(Turn::say("ok")));
    let out = exec(home.path(), repo.path(), &model2, "/etc/hosts looks wrong");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(model2.requests().len(), 1);
}
