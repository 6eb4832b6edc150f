//! Proposals grouped by origin: the editor's runs keep one proposal and
//! each background task opened for review its own. "Accept all" of the
//! runs leaves a task's files alone and the other way round; a task's hunks
//! carry its name and group in lenses, diagnostics and `tandem/review`; a
//! task's new file lands on disk with its content; a task whose hunks are
//! all answered leaves the review, marked applied; a task becomes a branch.

use serde_json::{Value, json};
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;

const NOTES: &str = "# Notes\n\nGreetings are polite.\n";

fn script() -> Script {
    Script::new()
        .conversation(
            "write notes",
            vec![
                Turn::new().tool_use("write", json!({"path": "NOTES.md", "content": NOTES})),
                Turn::new().tool_use(
                    "edit",
                    json!({"path": "src/greet.py", "old_string": "\"Hello, \"", "new_string": "\"Good day, \""}),
                ),
                Turn::say("Wrote the notes."),
            ],
        )
        .conversation(
            "politer farewell",
            vec![
                Turn::new().tool_use(
                    "edit",
                    json!({"path": "src/greet.py", "old_string": "\"Bye \"", "new_string": "\"Goodbye, \""}),
                ),
                Turn::say("Politer now."),
            ],
        )
}

fn task_done(lsp: &LspClient, id: &str, state: &str) -> bool {
    lsp.notifications("tandem/taskChanged")
        .iter()
        .any(|n| n["params"]["id"] == id && n["params"]["state"] == state)
}

fn review(lsp: &LspClient) -> Value {
    let r = lsp.request("tandem/review", json!({}));
    assert_eq!(r["result"]["v"], 1, "{r}");
    r["result"].clone()
}

/// `(group id, [paths])` of every proposal under review.
fn groups(review: &Value) -> Vec<(String, Vec<String>)> {
    review["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let files = g["files"].as_array().unwrap();
            (
                g["id"].as_str().unwrap().to_string(),
                files
                    .iter()
                    .map(|f| f["path"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

fn read(lsp: &LspClient, rel: &str) -> String {
    std::fs::read_to_string(lsp.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn a_task_and_the_runs_keep_their_own_proposals() {
    let model = ScriptedServer::start(script());
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let original = read(&lsp, "src/greet.py");

    let r = lsp.command("tandem.task.start", json!({ "prompt": "write notes" }));
    let id = r["result"]["task"].as_str().unwrap().to_string();
    let group = format!("task:{id}");
    lsp.wait_until("the task to finish", |c| task_done(c, &id, "done"));
    let run = lsp.command("tandem.run", json!({ "prompt": "politer farewell" }));
    lsp.wait_run_finished(run["result"]["run"].as_u64().unwrap());

    // Before it is opened, the finished task waits beside the runs' proposal.
    let listed = review(&lsp);
    assert_eq!(
        groups(&listed),
        vec![("run".to_string(), vec!["src/greet.py".to_string()])]
    );
    assert_eq!(listed["waiting"][0]["id"], id.as_str(), "{listed}");

    // Opened, it is a proposal of its own: greet.py is in both, with each
    // proposal's own hunk.
    let shown = lsp.command("tandem.task.show", json!({ "id": id }));
    assert_eq!(shown["result"]["group"], group.as_str(), "{shown}");
    let listed = review(&lsp);
    assert_eq!(
        groups(&listed),
        vec![
            ("run".to_string(), vec!["src/greet.py".to_string()]),
            (
                group.clone(),
                vec!["NOTES.md".to_string(), "src/greet.py".to_string()]
            ),
        ]
    );
    assert!(listed["waiting"].as_array().unwrap().is_empty(), "{listed}");
    let task_group = &listed["groups"][1];
    assert_eq!(task_group["task"]["prompt"], "write notes");
    assert_eq!(task_group["files"][0]["kind"], "added");

    // Lenses of greet.py: the runs' hunk and the task's, each naming its
    // proposal; the task's say whose they are.
    lsp.open("src/greet.py");
    let lenses = lsp.code_lenses("src/greet.py");
    let accept_groups: Vec<Value> = lenses
        .iter()
        .filter(|l| l["command"]["title"] == "Accept")
        .map(|l| l["command"]["arguments"][0]["group"].clone())
        .collect();
    assert_eq!(
        accept_groups,
        vec![json!("run"), json!(group)],
        "{lenses:?}"
    );
    assert!(
        lenses.iter().any(|l| l["command"]["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Tandem task "))),
        "{lenses:?}"
    );
    lsp.wait_until("both proposals' diagnostics on greet.py", |c| {
        c.diagnostics("src/greet.py").len() == 2
    });
    let diagnostics = lsp.diagnostics("src/greet.py");
    let task_mark = diagnostics
        .iter()
        .find(|d| d["data"]["group"] == group.as_str())
        .unwrap_or_else(|| panic!("{diagnostics:?}"));
    assert!(
        task_mark["message"].as_str().unwrap().starts_with("[task "),
        "{task_mark}"
    );

    // "Accept all" of the runs: their hunk only. The task's hunk on the
    // same file, and its new file, stay proposed.
    let all = lsp.command("tandem.acceptAll", json!({}));
    assert_eq!(all["result"]["applied"], true, "{all}");
    lsp.wait_until("the runs' hunk in the buffer", |c| {
        c.doc("src/greet.py")
            .is_some_and(|d| d.text.contains("\"Goodbye, \""))
    });
    let text = lsp.doc("src/greet.py").unwrap().text;
    assert!(
        text.contains("\"Hello, \""),
        "the task's hunk was taken: {text}"
    );
    assert!(
        !lsp.path("NOTES.md").exists(),
        "the task's new file was created"
    );
    let listed = review(&lsp);
    assert_eq!(
        groups(&listed),
        vec![
            ("run".to_string(), vec![]),
            (
                group.clone(),
                vec!["NOTES.md".to_string(), "src/greet.py".to_string()]
            ),
        ]
    );

    // The task's new file: accepted, it is created with its content (the
    // answer names it, for editors that hold it as an unsaved buffer).
    let accepted = lsp.command(
        "tandem.acceptFile",
        json!({ "uri": lsp.uri("NOTES.md"), "group": group }),
    );
    assert_eq!(accepted["result"]["applied"], true, "{accepted}");
    assert_eq!(
        accepted["result"]["created"],
        json!([lsp.uri("NOTES.md")]),
        "{accepted}"
    );
    assert_eq!(read(&lsp, "NOTES.md"), NOTES);

    // Its last hunk rejected: the task leaves the review, applied (one of
    // its files was taken).
    let hunk = review(&lsp)["groups"][1]["files"][0]["hunks"][0]["id"].clone();
    let rejected = lsp.command(
        "tandem.rejectHunk",
        json!({ "uri": lsp.uri("src/greet.py"), "hunk": hunk, "group": group }),
    );
    assert_eq!(rejected["result"]["rejected"], 1, "{rejected}");
    assert_eq!(groups(&review(&lsp)), vec![("run".to_string(), vec![])]);
    lsp.wait_until("the task marked applied", |c| task_done(c, &id, "applied"));
    let text = lsp.doc("src/greet.py").unwrap().text;
    assert!(text.contains("\"Hello, \"") && text.contains("\"Goodbye, \""));
    assert_ne!(text, original);

    // A group that is not under review, or not spelled right, is an error
    // that names the expected shape.
    let bad = lsp.command("tandem.acceptAll", json!({ "group": "task" }));
    assert!(
        bad["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("task:<id>")),
        "{bad}"
    );
}

#[test]
fn applying_a_task_leaves_the_runs_proposal_alone() {
    let model = ScriptedServer::start(script());
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let run = lsp.command("tandem.run", json!({ "prompt": "politer farewell" }));
    lsp.wait_run_finished(run["result"]["run"].as_u64().unwrap());
    let r = lsp.command("tandem.task.start", json!({ "prompt": "write notes" }));
    let id = r["result"]["task"].as_str().unwrap().to_string();
    lsp.wait_until("the task to finish", |c| task_done(c, &id, "done"));

    let applied = lsp.command("tandem.task.apply", json!({ "id": id }));
    assert_eq!(applied["result"]["applied"], true, "{applied}");
    assert_eq!(read(&lsp, "NOTES.md"), NOTES);
    let greet = read(&lsp, "src/greet.py");
    assert!(
        greet.contains("\"Good day, \"") && greet.contains("\"Bye \""),
        "{greet}"
    );
    lsp.wait_until("the task marked applied", |c| task_done(c, &id, "applied"));
    let applied_told = lsp
        .notifications("tandem/taskChanged")
        .iter()
        .filter(|n| n["params"]["id"] == id.as_str() && n["params"]["state"] == "applied")
        .count();
    assert_eq!(applied_told, 1, "told once that the task was applied");
    // The runs' hunk is still proposed, still answerable.
    assert_eq!(
        groups(&review(&lsp)),
        vec![("run".to_string(), vec!["src/greet.py".to_string()])]
    );
}

#[test]
fn a_proposed_new_file_opened_as_an_empty_buffer_stays_acceptable() {
    // Neovim's `:edit NOTES.md` of a path with nothing on disk is an empty
    // buffer: that is looking at the proposal, not an edit over it.
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("write", json!({"path": "NOTES.md", "content": NOTES})))
            .turn(Turn::say("Wrote it.")),
    );
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let run = lsp.command("tandem.run", json!({ "prompt": "notes" }));
    lsp.wait_run_finished(run["result"]["run"].as_u64().unwrap());
    // As Neovim sends it: one newline ('eol' is on).
    lsp.open_with("NOTES.md", "\n");
    lsp.wait_until("the new file's hunk", |c| {
        !c.diagnostics("NOTES.md").is_empty()
    });
    let hunks = lsp.request("tandem/hunks", json!({ "uri": lsp.uri("NOTES.md") }));
    let hunk = &hunks["result"]["hunks"][0];
    assert_eq!(hunk["state"], "pending", "{hunks}");
    assert_eq!(hunk["group"], "run", "{hunks}");
    assert_eq!(hunk["kind"], "added", "{hunks}");
    let accepted = lsp.command("tandem.acceptFile", json!({ "uri": lsp.uri("NOTES.md") }));
    assert_eq!(accepted["result"]["applied"], true, "{accepted}");
    lsp.wait_until("the buffer to hold the new file", |c| {
        c.doc("NOTES.md").is_some_and(|d| d.text == NOTES)
    });
}

fn git(repo: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_task_becomes_a_branch_from_the_editor_without_touching_the_checkout() {
    let model = ScriptedServer::start(script());
    let repo = fixture("greeter");
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["config", "user.name", "User"]);
    git(repo.path(), &["config", "user.email", "user@example.com"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "start"]);
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let r = lsp.command("tandem.task.start", json!({ "prompt": "write notes" }));
    let id = r["result"]["task"].as_str().unwrap().to_string();
    lsp.wait_until("the task to finish", |c| task_done(c, &id, "done"));

    let branched = lsp.command("tandem.task.branch", json!({ "id": id }));
    let name = branched["result"]["branch"]
        .as_str()
        .unwrap_or_else(|| panic!("{branched}"))
        .to_string();
    assert_eq!(name, format!("tandem/{}", &id[id.len() - 8..]));
    assert_eq!(git(repo.path(), &["branch", "--show-current"]), "main");
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
    assert!(!lsp.path("NOTES.md").exists());
    assert_eq!(
        git(repo.path(), &["show", &format!("{name}:NOTES.md")]),
        NOTES.trim_end()
    );
    // A second branch of the same name is refused, saying why.
    let again = lsp.command("tandem.task.branch", json!({ "id": id }));
    assert!(
        again["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("exists already")),
        "{again}"
    );
}
