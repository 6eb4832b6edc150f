//! Plan mode through the real binary: an edit is refused while planning;
//! the plan goes to the user on the terminal; approved, the next request
//! carries the plan (and the mode it continues in) and the edit goes
//! through as a proposal. Sent back with feedback, planning goes on and
//! the edit stays refused (the control).

use serde_json::json;
use tandem_tests::scripted::{RecordedRequest, Script, ScriptedServer, Turn};
use tandem_tests::tandem::{answering, describe, fixture, tandem_command};
use tandem_tests::wire::{base_url, tool_names, tool_results};

// `tool_results` lists every result of the conversation so far: each
// check reads the newest, the one the request answers.

const PROVIDER: &str = "anthropic";
/// The edit's line in the proposal's diff, as the JSON result spells it
/// (the call's own input holds only the quoted words).
const PROPOSED: &str = r#"+    return \"Hi, \" + name"#;
const PLAN: &str =
    "Make the greeting friendlier.\n\n1. Change `greet` in src/greet.py\n2. Run the tests";

fn edit() -> Turn {
    Turn::new().tool_use(
        "edit",
        json!({"path": "src/greet.py", "old_string": "\"Hello, \"", "new_string": "\"Hi, \""}),
    )
}

/// Runs a plan-mode exec, answering the plan question with `answer`;
/// returns the output, the requests and how often the plan was shown.
fn run(
    answer: &str,
) -> (
    std::process::Output,
    Vec<RecordedRequest>,
    usize,
    tempfile::TempDir,
) {
    let repo = fixture("greeter");
    let model = ScriptedServer::start(
        Script::new()
            .turn(edit())
            .turn(Turn::new().tool_use("exit_plan_mode", json!({ "plan": PLAN })))
            .turn(edit())
            .turn(Turn::say("done")),
    );
    let home = tempfile::tempdir().unwrap();
    let mut command = tandem_command(home.path());
    command
        .args([
            "exec",
            "make the greeting friendlier",
            "--json",
            "--mode",
            "plan",
        ])
        .args(["--provider", PROVIDER, "--model", "test-model"])
        .args(["--base-url", &base_url(PROVIDER, &model.url())])
        .args(["-c", "model.api_key=\"test-key\"", "--approvals", "prompt"])
        .arg("-C")
        .arg(repo.path());
    let answer = answer.to_string();
    let (out, shown) = answering(&mut command, move |line| {
        line.contains("Tandem's plan:").then(|| answer.clone())
    });
    (out, model.requests(), shown, repo)
}

#[test]
fn an_approved_plan_is_carried_out_in_the_same_session() {
    let (out, requests, shown, _repo) = run("y");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(shown, 1, "the plan was shown once");
    assert!(tool_names(&requests[0]).contains(&"exit_plan_mode".to_string()));
    // Turn 1's edit was refused while planning.
    let first = tool_results(&requests[1])
        .last()
        .cloned()
        .unwrap_or_default();
    assert!(first.contains("not allowed in plan mode"), "{first}");
    // After approval the next request carries the plan and the new mode.
    let approved = tool_results(&requests[2])
        .last()
        .cloned()
        .unwrap_or_default();
    assert!(
        approved.contains("approved the plan") && approved.contains("`ask` mode"),
        "{approved}"
    );
    assert!(approved.contains("2. Run the tests"), "{approved}");
    // The same edit now goes through: it is in the proposal.
    let after = tool_results(&requests[3])
        .last()
        .cloned()
        .unwrap_or_default();
    assert!(!after.contains("not allowed"), "{after}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(PROPOSED),
        "the proposal has the edit: {stdout}"
    );
}

#[test]
fn feedback_keeps_planning_and_edits_stay_refused() {
    let (out, requests, shown, _repo) = run("add a test first");
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(shown, 1);
    let sent_back = tool_results(&requests[2])
        .last()
        .cloned()
        .unwrap_or_default();
    assert!(
        sent_back.contains("did not approve") && sent_back.contains("add a test first"),
        "{sent_back}"
    );
    let after = tool_results(&requests[3])
        .last()
        .cloned()
        .unwrap_or_default();
    assert!(after.contains("not allowed in plan mode"), "{after}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(PROPOSED));
}

/// Without a person to ask (standard input not answering), `ask_user` is
/// not offered and the plan cannot unlock anything.
#[test]
fn piped_runs_offer_no_ask_user_and_no_plan_tool_outside_plan_mode() {
    let repo = fixture("greeter");
    let model = ScriptedServer::start(Script::new().turn(Turn::say("done")));
    let home = tempfile::tempdir().unwrap();
    let out = tandem_tests::tandem::exec_scripted(
        home.path(),
        repo.path(),
        PROVIDER,
        &model.url(),
        &["hi"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let names = tool_names(&model.requests()[0]);
    assert!(names.contains(&"read".to_string()), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n == "ask_user" || n == "exit_plan_mode"),
        "{names:?}"
    );
}
