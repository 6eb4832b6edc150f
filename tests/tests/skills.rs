//! Skills, instruction files and memory, end to end: the real `tandem exec`
//! binary against the scripted model server, with HOME in a temp folder.
//! Every check is on what the model received (the recorded requests) or
//! what exec printed.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use tandem_tests::scripted::{RecordedRequest, Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::{system_prompt, tool_names, tool_results};

/// Run `tandem exec PROMPT` (Anthropic protocol) with extra arguments.
fn exec(server: &ScriptedServer, repo: &Path, home: &Path, prompt: &str, extra: &[&str]) -> Output {
    tandem_command(home)
        .args(["exec", prompt])
        .args(["--provider", "anthropic", "--model", "test-model"])
        .args(["--base-url", &server.url()])
        .arg("-C")
        .arg(repo)
        .env("TEST_API_KEY", "x")
        .args(["-c", "model.api_key_env=\"TEST_API_KEY\""])
        .args(extra)
        .output()
        .unwrap()
}

/// The `--json` events exec printed.
fn events(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// Everything a request carried, as one text.
fn whole(request: &RecordedRequest) -> String {
    request.json.to_string()
}

/// A user skill in HOME with a reference file beside it.
fn user_skill(home: &Path) {
    let dir = home.join(".claude/skills/house-style");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        "---\nname: house-style\ndescription: The user's house style for prose.\n---\n\
         USER-BODY-MARKER: see reference.md.\n",
    )
    .unwrap();
    std::fs::write(dir.join("reference.md"), "USER-REFERENCE-MARKER\n").unwrap();
    // A user skill of a project skill's name is hidden by the project's.
    let dir = home.join(".agents/skills/review");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        "---\nname: review\ndescription: USER-REVIEW-DESCRIPTION\n---\nUSER-REVIEW-BODY\n",
    )
    .unwrap();
}

#[test]
fn skills_are_listed_and_only_the_invoked_body_reaches_the_model() {
    let home = tempfile::tempdir().unwrap();
    user_skill(home.path());
    let reference = home
        .path()
        .join(".claude/skills/house-style/reference.md")
        .display()
        .to_string();
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("skill", json!({"name": "review"})))
            .turn(
                Turn::new()
                    .tool_use(
                        "read",
                        json!({"path": ".claude/skills/review/checklist.md"}),
                    )
                    .tool_use("read", json!({ "path": reference })),
            )
            .turn(Turn::say("Reviewed.")),
    );
    let repo = fixture("skills");
    let out = exec(
        &server,
        repo.path(),
        home.path(),
        "Review my change",
        &["--json"],
    );
    assert!(out.status.success(), "{}", describe(&out));

    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    let system = system_prompt(&requests[0]);
    assert!(
        system.contains("- `deploy`: Deploy the shop to an environment (staging or production).")
            && system.contains("- `review`: Review a change against the shop's style rules.")
            && system.contains("- `house-style`: The user's house style for prose."),
        "{system}"
    );
    assert!(
        !system.contains("USER-REVIEW-DESCRIPTION"),
        "project skills win"
    );
    assert!(!system.contains("Broken") && !system.contains("broken"));
    assert!(tool_names(&requests[0]).iter().any(|t| t == "skill"));
    // No body in the prompt; only the invoked one ever reaches the model.
    for r in &requests {
        let all = whole(r);
        for marker in [
            "DEPLOY-BODY-MARKER",
            "USER-BODY-MARKER",
            "USER-REVIEW-BODY",
            "BROKEN-BODY-MARKER",
        ] {
            assert!(!all.contains(marker), "{marker} reached the model");
        }
    }
    assert!(!whole(&requests[0]).contains("REVIEW-BODY-MARKER"));
    let loaded = tool_results(&requests[1]);
    assert!(loaded[0].contains("REVIEW-BODY-MARKER"), "{loaded:?}");
    assert!(
        loaded[0].contains("folder=\".claude/skills/review\""),
        "{loaded:?}"
    );
    // Files beside a skill are read on demand, the user's too (read-only,
    // outside the workspace).
    let read = tool_results(&requests[2]);
    assert!(read[1].contains("CHECKLIST-MARKER"), "{read:?}");
    assert!(read[2].contains("USER-REFERENCE-MARKER"), "{read:?}");

    // The invalid skill is reported, and the run went on.
    let events = events(&out);
    let warnings = of_type(&events, "warning");
    assert!(
        warnings.iter().any(|w| w["message"]
            .as_str()
            .unwrap()
            .contains("broken/SKILL.md is invalid")),
        "{warnings:?}"
    );
    let context = of_type(&events, "context_loaded");
    assert_eq!(
        context[0]["skills"],
        json!(["deploy", "house-style", "review"])
    );
    // The report names the skill the agent used.
    let report = of_type(&events, "result");
    assert_eq!(
        report[0]["sources"],
        json!([{"kind": "skill", "name": "review", "detail": ".claude/skills/review"}]),
        "{report:?}"
    );
}

#[test]
fn slash_name_expands_the_skill_with_its_arguments_and_exec_says_so() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptedServer::start(Script::new().turn(Turn::say("Deployed.")));
    let repo = fixture("skills");
    let out = exec(&server, repo.path(), home.path(), "/deploy staging", &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let requests = server.requests();
    // The user's message: the prompt with the skill expanded into it.
    let sent = requests[0].json["messages"].to_string();
    assert!(
        sent.contains("DEPLOY-BODY-MARKER: deploy to staging with `make ship ENV=staging`."),
        "{sent}"
    );
    assert!(!sent.contains("$ARGUMENTS") && !sent.contains("REVIEW-BODY-MARKER"));
    // Human output names the skills, the memory file and the invalid skill.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skills: deploy, review"), "{stderr}");
    assert!(stderr.contains("warning: skill"), "{stderr}");
    assert!(stderr.contains("project memory: "), "{stderr}");
    // The report lists the skill the user invoked among the sources used.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Sources used") && stdout.contains("skill deploy (.agents/skills/deploy)"),
        "{stdout}"
    );
}

#[test]
fn instruction_files_root_imports_local_and_nested_on_first_read() {
    let home = tempfile::tempdir().unwrap();
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "lib/util.py"})))
            .turn(
                Turn::new()
                    .tool_use("read", json!({"path": "lib/tax.py"}))
                    .tool_use("read", json!({"path": "src/app.py"})),
            )
            .turn(Turn::say("Read them.")),
    );
    let repo = fixture("skills");
    let out = exec(
        &server,
        repo.path(),
        home.path(),
        "Look at lib",
        &["--json"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let requests = server.requests();
    let system = system_prompt(&requests[0]);
    for rule in [
        "ROOT-AGENTS-RULE",
        "CLAUDE-RULE",
        "IMPORTED-CONVENTION",
        "LOCAL-CLAUDE-RULE",
    ] {
        assert!(system.contains(rule), "{rule} missing: {system}");
    }
    assert!(
        !system.contains("PRIVATE-NOT-IMPORTED"),
        "import in a code span"
    );
    assert!(
        !system.contains("NESTED-LIB-RULE"),
        "nested files wait for a read"
    );
    // The first read under lib/ brings lib/AGENTS.md, once.
    let results = tool_results(&requests[2]);
    assert_eq!(results.len(), 3);
    assert!(results[0].contains("def total") && results[0].contains("NESTED-LIB-RULE"));
    assert!(
        results[0].contains("Instruction files for lib/"),
        "{}",
        results[0]
    );
    assert!(!results[1].contains("NESTED-LIB-RULE") && !results[2].contains("NESTED-LIB-RULE"));

    let events = events(&out);
    let started = &of_type(&events, "started")[0];
    let names: Vec<&str> = started["instructions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        names[1].ends_with("CLAUDE.md") && names[2].ends_with("docs/conventions.md"),
        "{names:?}"
    );
    assert!(names[3].ends_with("CLAUDE.local.md"), "{names:?}");
    let nested = of_type(&events, "instructions_loaded");
    assert_eq!(nested.len(), 1, "{nested:?}");
    assert_eq!(nested[0]["trigger"], "lib/util.py");
    assert!(
        nested[0]["files"][0]
            .as_str()
            .unwrap()
            .ends_with("lib/AGENTS.md")
    );
}

#[test]
fn memory_written_in_one_session_is_in_the_next_sessions_prompt() {
    let home = tempfile::tempdir().unwrap();
    let repo = fixture("skills");
    let note = "Run the shop's tests with make check-all";
    let first = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use(
                "memory",
                json!({"action": "add", "heading": "Commands", "text": note}),
            ))
            .turn(Turn::say("Noted.")),
    );
    let out = exec(
        &first,
        repo.path(),
        home.path(),
        "Remember how to test",
        &["--json"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let requests = first.requests();
    assert!(!system_prompt(&requests[0]).contains(note));
    assert!(tool_results(&requests[1])[0].contains("Saved project memory"));
    // Outside the work tree, where exec said it is.
    let events = events(&out);
    let path = of_type(&events, "context_loaded")[0]["project_memory"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        path.starts_with(
            &home
                .path()
                .join(".local/state/tandem/memory")
                .display()
                .to_string()
        )
    );
    assert!(std::fs::read_to_string(&path).unwrap().contains(note));
    assert!(!repo.path().join(".tandem").exists());
    assert!(
        of_type(&events, "result")[0]["diff"]
            .as_str()
            .unwrap_or("")
            .is_empty()
    );

    let second = ScriptedServer::start(Script::new().turn(Turn::say("Hello.")));
    let out = exec(&second, repo.path(), home.path(), "What do you know?", &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let system = system_prompt(&second.requests()[0]);
    assert!(system.contains(&format!("- {note}")), "{system}");

    // Turned off, it is neither loaded nor offered.
    let third = ScriptedServer::start(Script::new().turn(Turn::say("Hello.")));
    let out = exec(
        &third,
        repo.path(),
        home.path(),
        "Hi",
        &["-c", "memory.enabled=false"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let request = &third.requests()[0];
    assert!(!system_prompt(request).contains(note));
    assert!(!tool_names(request).iter().any(|t| t == "memory"));
}

#[test]
fn memory_in_the_repository_when_the_user_chooses_it() {
    let home = tempfile::tempdir().unwrap();
    let repo = fixture("skills");
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("memory", json!({"action": "add", "text": "REPO-NOTE"})))
            .turn(Turn::say("Noted.")),
    );
    let out = exec(
        &server,
        repo.path(),
        home.path(),
        "Remember",
        &["-c", "memory.project=\"repo\""],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let file = std::fs::read_to_string(repo.path().join(".tandem/MEMORY.md")).unwrap();
    assert!(file.contains("- REPO-NOTE"), "{file}");
}

/// A public skill whose description is over the Agent Skills format's 1024
/// characters (Claude Code does not enforce it) loads, with a warning.
#[test]
fn a_skill_with_a_long_description_loads_with_a_warning() {
    let home = tempfile::tempdir().unwrap();
    let repo = fixture("greeter");
    let dir = repo.path().join(".claude/skills/long-one");
    std::fs::create_dir_all(&dir).unwrap();
    let description = format!("LONG-DESCRIPTION {}", "x".repeat(1050));
    std::fs::write(
        dir.join("SKILL.md"),
        format!("---\nname: long-one\ndescription: {description}\n---\nLONG-BODY\n"),
    )
    .unwrap();
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("skill", json!({"name": "long-one"})))
            .turn(Turn::say("used it")),
    );
    let out = exec(&server, repo.path(), home.path(), "go", &["--json"]);
    assert!(out.status.success(), "{}", describe(&out));
    let events = events(&out);
    let warnings = of_type(&events, "warning");
    assert!(
        warnings.iter().any(|w| {
            let m = w["message"].as_str().unwrap_or_default();
            m.contains("long-one") && m.contains("1024")
        }),
        "{warnings:?}"
    );
    let requests = server.requests();
    assert!(system_prompt(&requests[0]).contains("LONG-DESCRIPTION"));
    assert!(tool_results(&requests[1])[0].contains("LONG-BODY"));
}
