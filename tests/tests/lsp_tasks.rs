//! Background tasks from the editor: `tandem.task.*` commands, the
//! `tandem/tasks` request and `tandem/taskChanged` notifications; a server
//! killed with SIGKILL mid-task, restarted, lists the task as interrupted
//! with its transcript, and resuming finishes it; the result opens as a
//! proposal of its own with the usual per-hunk lenses.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;

fn tasks(lsp: &LspClient) -> Vec<Value> {
    let r = lsp.request("tandem/tasks", json!({}));
    r["result"]["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .clone()
}

fn transcript(home: &Path, id: &str) -> PathBuf {
    let base = home.join(".local/state/tandem/tasks");
    for entry in std::fs::read_dir(&base).unwrap() {
        let p = entry.unwrap().path().join(id).join("transcript.jsonl");
        if p.exists() {
            return p;
        }
    }
    panic!("no transcript for {id} under {}", base.display());
}

fn changed_to(lsp: &LspClient, id: &str, state: &str) -> bool {
    lsp.notifications("tandem/taskChanged").iter().any(|n| {
        // Every task update carries the protocol version.
        assert_eq!(n["params"]["v"], 1, "{n}");
        n["params"]["id"] == id && n["params"]["state"] == state
    })
}

#[test]
fn a_task_survives_a_killed_server_and_resumes_from_its_transcript() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use(
                "edit",
                json!({"path": "src/greet.py", "old_string": "\"Bye \"", "new_string": "\"Goodbye, \""}),
            ))
            // The server is killed while this answer streams.
            .turn(Turn::say("lost with the server").token_delay_ms(3000))
            .turn(Turn::say("Farewells are politer now.")),
    );
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let r = lsp.command("tandem.task.start", json!({ "prompt": "be politer" }));
    let id = r["result"]["task"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_string();
    lsp.wait_until("the task to run", |c| changed_to(c, &id, "running"));
    assert!(changed_to(&lsp, &id, "queued"), "no queued notification");
    let deadline = Instant::now() + Duration::from_secs(30);
    while model.requests().len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the task never made its second call"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let listed = tasks(&lsp);
    assert_eq!(listed[0]["state"], "running", "{listed:?}");
    // Progress for the running task.
    assert!(
        lsp.server_requests("window/workDoneProgress/create")
            .iter()
            .any(|r| r["params"]["token"] == format!("tandem-task-{id}")),
        "no progress for the task"
    );

    let home = lsp.kill();
    let lsp = LspClient::start_in_home(
        repo.path(),
        scripted_options(&model.url()),
        Enc::Utf16,
        home,
    );
    let listed = tasks(&lsp);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["state"], "interrupted", "{listed:?}");
    let text = std::fs::read_to_string(transcript(lsp.home(), &id)).unwrap();
    assert!(
        text.contains("Goodbye, ") && text.contains("be politer"),
        "the transcript lost the edit: {text}"
    );
    // One line per message, in Claude Code's shape.
    assert!(
        text.contains("\"type\":\"user\"") && text.contains("\"parentUuid\""),
        "{text}"
    );

    lsp.command("tandem.task.resume", json!({ "id": id }));
    lsp.wait_until("the resumed task to finish", |c| changed_to(c, &id, "done"));
    let listed = tasks(&lsp);
    assert_eq!(listed[0]["summary"], "Farewells are politer now.");
    assert_eq!(listed[0]["files"], json!(["src/greet.py"]));
    // The resumed call carried the conversation from before the kill.
    let last = model.requests().pop().unwrap();
    assert!(
        last.body.contains("be politer") && last.body.contains("Goodbye"),
        "{}",
        last.body
    );

    // Review: the result opens as a proposal with lenses; the user's file
    // is untouched until a hunk is accepted.
    let before = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    let shown = lsp.command("tandem.task.show", json!({ "id": id }));
    assert!(
        shown["result"]["diff"]
            .as_str()
            .unwrap()
            .contains("+    return \"Goodbye, \" + name"),
        "{shown}"
    );
    lsp.open("src/greet.py");
    lsp.wait_until("lenses on the task's hunk", |c| {
        c.code_lenses("src/greet.py").iter().any(|l| {
            l["command"]["title"]
                .as_str()
                .is_some_and(|t| t.contains("Accept"))
        })
    });
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap(),
        before
    );
    // A second show keeps the task's proposal as it is (what the user
    // answered stays answered): its hunk is there once.
    let again = lsp.command("tandem.task.show", json!({ "id": id }));
    assert_eq!(again["result"]["opened"], false, "{again}");
    let accepts = lsp
        .code_lenses("src/greet.py")
        .iter()
        .filter(|l| l["command"]["title"] == "Accept")
        .count();
    assert_eq!(accepts, 1);
}

#[test]
fn tasks_from_the_editor_apply_discard_and_compare_attempts() {
    let mut turns = Vec::new();
    for v in 1..=2 {
        turns.push(
            Turn::new()
                .tool_use(
                    "write",
                    json!({"path": "NOTES.md", "content": format!("attempt {v}\n")}),
                )
                .token_delay_ms(100),
        );
    }
    turns.push(Turn::say("Wrote notes."));
    turns.push(Turn::say("Wrote notes."));
    let model = ScriptedServer::start(Script::new().conversation("write notes", turns));
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let r = lsp.command(
        "tandem.task.start",
        json!({ "prompt": "write notes", "attempts": 2 }),
    );
    let ids: Vec<String> = r["result"]["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    for id in &ids {
        lsp.wait_until("an attempt to finish", |c| changed_to(c, id, "done"));
    }
    let attempts = lsp.command("tandem.task.attempts", json!({ "id": ids[0] }));
    let diffs: Vec<String> = attempts["result"]["attempts"]
        .as_array()
        .unwrap_or_else(|| panic!("{attempts}"))
        .iter()
        .map(|a| a["diff"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(diffs.len(), 2);
    assert_ne!(diffs[0], diffs[1]);

    let applied = lsp.command("tandem.task.apply", json!({ "id": ids[1] }));
    assert_eq!(applied["result"]["applied"], true, "{applied}");
    let written = std::fs::read_to_string(repo.path().join("NOTES.md")).unwrap();
    let line = diffs[1]
        .lines()
        .find(|l| l.starts_with("+attempt"))
        .unwrap();
    assert_eq!(written, format!("{}\n", &line[1..]));
    lsp.wait_until("the applied state", |c| changed_to(c, &ids[1], "applied"));

    lsp.command("tandem.task.discard", json!({ "id": ids[0] }));
    let listed = tasks(&lsp);
    let states: Vec<&str> = listed
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["discarded", "applied"]);
    let bad = lsp.command("tandem.task.start", json!({ "prompt": "  " }));
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("needs a `prompt`"),
        "{bad}"
    );
}
