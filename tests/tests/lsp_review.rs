//! The language server end to end: the real `tandem lsp` binary driven as an
//! editor would drive it, with the model played by the scripted server. A
//! diagnostic's "Fix with Tandem" runs a task that proposes changes to three
//! files (one new); the proposal shows as code lenses and hint diagnostics;
//! hunks are accepted and rejected one by one with versioned edits; a stale
//! edit is refused and its hunk stays; "Accept all" applies the rest.

use serde_json::{Value, json};
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;

const GREET_AFTER: &str = "def greet(name):
    return f\"Hello, {name}!\"


def farewell(name):
    return f\"Goodbye, {name}.\"
";

fn script() -> Script {
    Script::new()
        .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
        .turn(
            Turn::new()
                .tool_use("write", json!({"path": "src/greet.py", "content": GREET_AFTER}))
                .tool_use(
                    "edit",
                    json!({
                        "path": "src/names.py",
                        "old_string": "\"Linus\"]",
                        "new_string": "\"Linus\", \"Margaret\"]"
                    }),
                )
                .tool_use(
                    "write",
                    json!({"path": "src/shout.py", "content": "def shout(text):\n    return text.upper()\n"}),
                ),
        )
        .turn(Turn::new().text("Greetings use f-strings; Margaret joined; shout() is new."))
}

fn lens_titles(lenses: &[Value]) -> Vec<String> {
    lenses
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap().to_string())
        .collect()
}

fn hunk_ids(lenses: &[Value]) -> Vec<String> {
    lenses
        .iter()
        .filter(|l| l["command"]["command"] == "tandem.acceptHunk")
        .map(|l| {
            l["command"]["arguments"][0]["hunk"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn fix_with_tandem_then_review_hunk_by_hunk() {
    let model = ScriptedServer::start(script());
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    lsp.open("src/greet.py");

    // Another language server reported a problem; its quick fix starts a run.
    let diagnostic = json!({
        "range": {"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 30}},
        "severity": 2,
        "source": "pylint",
        "message": "Consider using an f-string (consider-using-f-string)"
    });
    let range = diagnostic["range"].clone();
    let actions = lsp.code_actions("src/greet.py", range, json!([diagnostic]));
    let fix = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Fix with Tandem"))
        .unwrap_or_else(|| panic!("no Fix with Tandem in {actions:#?}"));
    assert_eq!(fix["kind"], "quickfix");
    let started = lsp.command(
        fix["command"]["command"].as_str().unwrap(),
        fix["command"]["arguments"][0].clone(),
    );
    let run = started["result"]["run"].as_u64().expect("run id");
    assert_eq!(lsp.wait_run_finished(run), "done");

    // The model got the diagnostic and the code around it.
    let first = &model.requests()[0];
    assert!(
        first.body.contains("consider-using-f-string"),
        "{}",
        first.body
    );
    assert!(
        first.body.contains("return \\\"Hello, \\\" + name"),
        "{}",
        first.body
    );
    // Progress was shown for the run, with a begin and an end (the end
    // follows the run's last event).
    lsp.wait_until("progress to end", |c| {
        c.notifications("$/progress")
            .iter()
            .any(|p| p["params"]["value"]["kind"] == "end")
    });
    let progress = lsp.notifications("$/progress");
    assert!(
        progress
            .iter()
            .any(|p| p["params"]["value"]["kind"] == "begin")
    );

    // Nothing touched the user's files or buffers yet.
    assert!(!repo.path().join("src/shout.py").exists());
    assert!(
        lsp.doc("src/greet.py")
            .unwrap()
            .text
            .contains("\"Hello, \" + name")
    );

    // Code lenses: per file, and Accept | Reject | Diff per hunk.
    let greet = lsp.code_lenses("src/greet.py");
    let titles = lens_titles(&greet);
    assert_eq!(
        titles,
        [
            "Accept file",
            "Reject file",
            "2 of 2 hunks",
            "Accept",
            "Reject",
            "Diff",
            "Accept",
            "Reject",
            "Diff"
        ]
    );
    let ids = hunk_ids(&greet);
    assert_eq!(greet[3]["range"]["start"]["line"], 1);
    assert_eq!(greet[6]["range"]["start"]["line"], 5);
    assert_eq!(hunk_ids(&lsp.code_lenses("src/names.py")).len(), 1);
    assert_eq!(hunk_ids(&lsp.code_lenses("src/shout.py")).len(), 1);

    // Hint diagnostics over each hunk, the other files as related information.
    lsp.wait_until("hunk diagnostics", |c| {
        c.diagnostics("src/greet.py").len() == 2
    });
    let d = lsp.diagnostics("src/greet.py");
    assert_eq!(d[0]["source"], "tandem");
    assert_eq!(d[0]["severity"], 4);
    assert_eq!(d[0]["range"]["start"]["line"], 1);
    let related = d[0]["relatedInformation"].to_string();
    assert!(
        related.contains("src/names.py") && related.contains("src/shout.py"),
        "{related}"
    );
    assert_eq!(lsp.diagnostics("src/shout.py").len(), 1);

    // Accept the first hunk: one versioned edit with only that hunk.
    let r = lsp.command(
        "tandem.acceptHunk",
        json!({"uri": lsp.uri("src/greet.py"), "hunk": ids[0]}),
    );
    assert_eq!(r["result"]["applied"], true, "{r}");
    let (edit, applied) = lsp.edits().last().cloned().unwrap();
    assert!(applied);
    let changes = edit["documentChanges"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{edit:#}");
    assert_eq!(changes[0]["textDocument"]["version"], 1);
    assert_eq!(changes[0]["edits"].as_array().unwrap().len(), 1);
    assert_eq!(
        changes[0]["edits"][0]["newText"],
        "    return f\"Hello, {name}!\"\n"
    );
    let text = lsp.doc("src/greet.py").unwrap().text;
    assert!(
        text.contains("f\"Hello, {name}!\"") && text.contains("\"Bye \" + name"),
        "{text}"
    );
    lsp.wait_until("one hunk left in greet.py", |c| {
        hunk_ids(&c.code_lenses("src/greet.py")).len() == 1
    });
    assert_eq!(
        lens_titles(&lsp.code_lenses("src/greet.py"))[2],
        "1 of 2 hunks"
    );

    // Reject the names.py hunk: it leaves the review and the file is untouched.
    let names_id = hunk_ids(&lsp.code_lenses("src/names.py")).remove(0);
    let r = lsp.command(
        "tandem.rejectHunk",
        json!({"uri": lsp.uri("src/names.py"), "hunk": names_id}),
    );
    assert_eq!(r["result"]["rejected"], 1, "{r}");
    assert!(lsp.code_lenses("src/names.py").is_empty());
    lsp.wait_until("names.py diagnostics cleared", |c| {
        c.diagnostics("src/names.py").is_empty()
    });
    let names = std::fs::read_to_string(repo.path().join("src/names.py")).unwrap();
    assert!(!names.contains("Margaret"));

    // The editor holds newer text than the server saw: the edit is refused
    // and the hunk stays pending.
    lsp.bump_version_silently("src/greet.py");
    let last = hunk_ids(&lsp.code_lenses("src/greet.py")).remove(0);
    let r = lsp.command(
        "tandem.acceptHunk",
        json!({"uri": lsp.uri("src/greet.py"), "hunk": last}),
    );
    assert_eq!(r["result"]["applied"], false, "{r}");
    assert!(!lsp.edits().last().unwrap().1);
    assert_eq!(
        hunk_ids(&lsp.code_lenses("src/greet.py")),
        vec![last.clone()]
    );
    lsp.wait_until("a message saying why", |c| {
        c.notifications("window/showMessage").iter().any(|m| {
            m["params"]["message"]
                .as_str()
                .unwrap()
                .contains("stale version")
        })
    });

    // The user's own edit reaches the server; the hunk moves with it.
    lsp.type_text("src/greet.py", (0, 0), (0, 0), "# edited by the user\n");
    lsp.wait_until("the hunk to move down", |c| {
        c.code_lenses("src/greet.py").iter().any(|l| {
            l["command"]["command"] == "tandem.acceptHunk" && l["range"]["start"]["line"] == 6
        })
    });

    // Accept all: the rest, including the new file.
    let r = lsp.command("tandem.acceptAll", json!({}));
    assert_eq!(r["result"]["applied"], true, "{r}");
    let (edit, _) = lsp.edits().last().cloned().unwrap();
    let ops = edit["documentChanges"].as_array().unwrap();
    assert!(ops.iter().any(|o| o["kind"] == "create"), "{edit:#}");
    let greet_edit = ops
        .iter()
        .find(|o| o["textDocument"]["uri"] == lsp.uri("src/greet.py").as_str())
        .unwrap();
    // 1 opened, 2 after the first accept, 3 the edit in flight, 4 typed.
    assert_eq!(greet_edit["textDocument"]["version"], 4);
    assert_eq!(
        lsp.doc("src/greet.py").unwrap().text,
        format!("# edited by the user\n{GREET_AFTER}")
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/shout.py")).unwrap(),
        "def shout(text):\n    return text.upper()\n"
    );
    lsp.wait_until("the review to empty", |c| {
        c.code_lenses("src/greet.py").is_empty() && c.diagnostics("src/shout.py").is_empty()
    });
    assert_eq!(lsp.shutdown(), Some(0));
}
