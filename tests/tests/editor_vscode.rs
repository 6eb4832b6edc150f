//! The VS Code extension in a real VS Code: `editors/vscode/test/run-e2e.sh`
//! packages it, installs the `.vsix` into code-server and drives the editor
//! in headless chromium with playwright-core. The model is the scripted
//! server; the language server is this build's `tandem` binary.
//!
//! `fix_with_tandem_in_vscode`: "Fix with Tandem" from the lightbulb on a
//! JSON syntax error proposes two hunks; the first is accepted from its code
//! lens and saved, the other's diff opened.
//!
//! `review_you_can_see_in_vscode`: a three-file proposal (an insertion, two
//! replacements, a new file) drawn in the editor before any click, answered
//! where it is drawn and from the review list; a command's output and exit
//! code in the run's view; a background task in its own group, untouched by
//! the runs' "Accept all".
//!
//! Needs node 20, /usr/bin/chromium and the build tools for code-server's
//! native modules (`.ci/run` installs them). `TANDEM_SKIP_VSCODE_E2E=1` skips
//! it on a machine without them; CI never sets it.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;
use tandem_tests::asking::which_database;
use tandem_tests::scripted::{Script, ScriptUsage, ScriptedServer, Turn};
use tandem_tests::tandem::{fixture, tandem_bin};
use tandem_tests::wire::tool_results;

const FILE: &str = "config/greetings.json";

const ORIGINAL: &str = r#"{
  "greeting": "Hello",
  "names": ["Ada", "Grace"]
  "farewell": "Bye",
  "punctuation": ".",
  "shout": false,
  "repeat": 1,
  "language": "en",
  "style": "plain"
}
"#;

/// Only the first hunk accepted: the missing comma.
fn accepted() -> String {
    ORIGINAL.replace(r#""Grace"]"#, r#""Grace"],"#)
}

/// The model's rewrite: the missing comma (hunk 1) and a style (hunk 2).
fn proposed() -> String {
    accepted().replace(r#""plain""#, r#""friendly""#)
}

fn script() -> Script {
    let usage = ScriptUsage {
        input_tokens: 1200,
        output_tokens: 80,
        ..ScriptUsage::default()
    };
    Script::new()
        .turn(
            Turn::new()
                .tool_use("read", json!({"path": FILE}))
                .usage(usage),
        )
        .turn(
            Turn::new()
                .tool_use("write", json!({"path": FILE, "content": proposed()}))
                .usage(usage),
        )
        .turn(
            Turn::new()
                .text("Added the missing comma; the style is friendlier.")
                .usage(usage),
        )
        // "Ask Tandem" on the selected line, from the palette.
        .conversation(
            "Make the greeting formal",
            vec![
                // An ask rule (run-e2e.sh's settings) makes this one ask:
                // the modal dialog.
                Turn::new()
                    .tool_use("shell", json!({"command": "printf 'ran%s' -ok"}))
                    .usage(usage),
                Turn::new()
                    .tool_use(
                        "edit",
                        json!({"path": FILE, "old_string": "\"Hello\"", "new_string": "\"Good day\""}),
                    )
                    .usage(usage),
                Turn::new().text("The greeting is formal now.").usage(usage),
            ],
        )
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// One code-server at a time: two would share the machine's two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Run scenario `editors/vscode/test/e2e/<scenario>.js` on `repo` and return
/// its JSON result, or `None` when the machine is told to skip (then say so).
fn drive(
    scenario: &str,
    repo: &Path,
    model: &ScriptedServer,
    env: &[(&str, &str)],
) -> Option<Value> {
    if std::env::var_os("TANDEM_SKIP_VSCODE_E2E").is_some() {
        eprintln!("skipped: TANDEM_SKIP_VSCODE_E2E is set");
        return None;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let bin = tandem_bin();
    let target = bin
        .parent()
        .and_then(Path::parent)
        .expect("target folder above target/<profile>/tandem");
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode/test/run-e2e.sh");
    let home = tempfile::tempdir().unwrap();

    let started = Instant::now();
    let mut cmd = Command::new("bash");
    cmd.arg(&driver)
        .arg("--workspace")
        .arg(repo)
        .arg("--tandem")
        .arg(&bin)
        .arg("--model-url")
        .arg(model.url())
        .arg("--out")
        .arg(target.join("vscode-e2e"))
        .arg("--scenario")
        .arg(scenario)
        // code-server's own config and state, away from the user's.
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("run the VS Code driver");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}");
    eprintln!(
        "VS Code end-to-end ({scenario}): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let last = stdout.lines().last().unwrap_or_default();
    let result: Value = serde_json::from_str(last).unwrap_or_else(|e| {
        panic!(
            "no JSON result from the driver ({e}), status {:?}\n{stdout}",
            output.status
        )
    });
    // The error and the steps reached first: CI logs cut long output short.
    assert!(
        output.status.success() && result["ok"] == true,
        "error: {}\nsteps: {}\nat failure: {}\nmodel requests: {}\n{result:#}",
        result["error"].as_str().unwrap_or("none"),
        result["steps"],
        result["atFailure"],
        model.requests().len(),
    );
    Some(result)
}

fn screenshots() -> std::path::PathBuf {
    let bin = tandem_bin();
    bin.parent()
        .and_then(Path::parent)
        .expect("target folder")
        .join("screenshots")
}

#[test]
fn fix_with_tandem_in_vscode() {
    let model = ScriptedServer::start(script());
    let repo = fixture("vscode");
    assert_eq!(
        std::fs::read_to_string(repo.path().join(FILE)).unwrap(),
        ORIGINAL
    );
    let Some(result) = drive("fix-with-tandem", repo.path(), &model, &[]) else {
        return;
    };

    // The lightbulb offered the fix for the JSON error, and the model got it.
    let fixes = strings(&result["quickFixes"]);
    assert!(
        fixes
            .iter()
            .any(|f| f.starts_with("Fix with Tandem: Expected comma")),
        "{fixes:?}"
    );
    let first = &model.requests()[0];
    assert!(first.body.contains("Expected comma"), "{}", first.body);
    assert!(first.body.contains(FILE), "{}", first.body);

    // Code lenses over two hunks, then over one.
    let before = strings(&result["lensesBefore"]);
    assert!(before.contains(&"2 of 2 hunks".to_string()), "{before:?}");
    assert_eq!(
        before.iter().filter(|t| *t == "Accept").count(),
        2,
        "{before:?}"
    );
    let after = strings(&result["lensesAfter"]);
    assert!(after.contains(&"1 of 2 hunks".to_string()), "{after:?}");
    // The replaced line of the pending hunk is struck through.
    assert!(
        result["deletionMarks"].as_u64().unwrap_or(0) >= 1,
        "{result:#}"
    );
    assert!(
        result["statusBar"]
            .as_str()
            .unwrap_or("")
            .contains("Tandem"),
        "{result:#}"
    );

    // Exactly the accepted hunk reached the file.
    assert_eq!(
        std::fs::read_to_string(repo.path().join(FILE)).unwrap(),
        accepted()
    );

    // The diff view: the file against the proposal (the pending hunk).
    let original = result["diffOriginal"].as_str().unwrap_or("");
    let modified = result["diffModified"].as_str().unwrap_or("");
    assert!(original.contains("\"style\": \"plain\""), "{original}");
    assert!(
        original.contains("\"Grace\"],"),
        "the saved file, with the accepted hunk: {original}"
    );
    assert!(modified.contains("\"style\": \"friendly\""), "{modified}");
    assert!(modified.contains("\"Grace\"],"), "{modified}");

    // "Ask Tandem" sent the prompt with the selected line; its hunk joined
    // the pending one, and the transcript shows both runs.
    let asked = model
        .requests()
        .into_iter()
        .find(|r| r.body.contains("Make the greeting formal"))
        .expect("a request for Ask Tandem");
    // Line 2 was selected: the prompt names it and quotes it.
    assert!(
        asked
            .body
            .contains("selected code in config/greetings.json, lines 2-2")
            && asked.body.contains(r#"\"greeting\": \"Hello\","#),
        "{}",
        asked.body
    );
    // The command asked in a modal dialog that said what runs, where, in
    // which sandbox and why; "Allow once" let it run.
    let approval = result["approval"].as_str().unwrap_or("");
    for needle in [
        "printf 'ran%s' -ok",
        "Folder:",
        "Sandbox:",
        "the ask rule `Bash(printf:*)`",
        "Allow once",
    ] {
        assert!(approval.contains(needle), "{needle:?} not in {approval}");
    }
    assert_eq!(
        result["approvalDefault"], "Deny",
        "Enter as the dialog opens must not approve"
    );
    let ran = model
        .requests()
        .iter()
        .any(|r| tool_results(r).iter().any(|t| t.contains("ran-ok")));
    assert!(ran, "the approved command did not run");
    let lenses = strings(&result["lensesAfterAsk"]);
    assert_eq!(
        lenses.iter().filter(|t| *t == "Accept").count(),
        2,
        "{lenses:?}"
    );
    let transcript = result["transcript"].as_str().unwrap_or("");
    for needle in [
        "Make the greeting formal",
        "edit config/greetings.json",
        "run 2 finished: done",
    ] {
        assert!(
            transcript.contains(needle),
            "{needle:?} not in {transcript}"
        );
    }

    let shots = screenshots();
    for name in [
        "vscode-code-lens.png",
        "vscode-diff.png",
        "vscode-approval.png",
    ] {
        let len = std::fs::metadata(shots.join(name)).map_or(0, |m| m.len());
        assert!(len > 10_000, "{name}: {len} bytes");
    }
}

const SHOP_AFTER: &str = "def total(prices):
    return sum(prices)


def total_with_tax(prices):
    return add_tax(total(prices))


def count(prices):
    return len(prices)
";

const UTIL_AFTER: &str = "def money(x):
    return round(x + 0.0, 2)


def label(name):
    return name.strip().title()
";

const TAX_PY: &str = "RATE = 0.2


def add_tax(amount):
    return amount * (1 + RATE)
";

fn review_script() -> Script {
    Script::new()
        .conversation(
            "Add tax to the shop",
            vec![
                Turn::new().tool_use("write", json!({"path": "src/tax.py", "content": TAX_PY})),
                Turn::new().tool_use(
                    "write",
                    json!({"path": "src/shop.py", "content": SHOP_AFTER}),
                ),
                Turn::new().tool_use(
                    "write",
                    json!({"path": "src/util.py", "content": UTIL_AFTER}),
                ),
                Turn::new().tool_use(
                    "shell",
                    json!({"command": "echo 'tests: 2 passed, 1 failed'; exit 1"}),
                ),
                Turn::say("Added tax; one test still fails."),
            ],
        )
        .conversation(
            "Write the changelog",
            vec![
                Turn::new().tool_use(
                    "write",
                    json!({"path": "CHANGELOG.md", "content": "# Changelog\n\n- Tax.\n"}),
                ),
                Turn::say("Wrote the changelog."),
            ],
        )
}

fn texts(v: &Value) -> String {
    strings(v).join("\n")
}

#[test]
fn review_you_can_see_in_vscode() {
    let model = ScriptedServer::start(review_script());
    let repo = fixture("vscode-review");
    let util_before = std::fs::read_to_string(repo.path().join("src/util.py")).unwrap();
    let Some(result) = drive("review", repo.path(), &model, &[("TAX_PY", TAX_PY)]) else {
        return;
    };

    // Before any click, the user's editor showed what the insertion adds,
    // while the buffer itself did not have it yet.
    let inline = texts(&result["inline"]);
    assert!(
        inline.contains("def total_with_tax(prices):")
            && inline.contains("return add_tax(total(prices))"),
        "{inline}"
    );
    // Its zone says what it is and carries its answers.
    assert!(
        inline.contains("insert 4 lines") && inline.contains("Accept") && inline.contains("Reject"),
        "{inline}"
    );
    let before = result["shopBefore"].as_str().unwrap_or("");
    assert!(
        !before.contains("total_with_tax"),
        "written before accept: {before}"
    );
    // Accepted from its zone: in the buffer.
    let after = result["shopAfter"].as_str().unwrap_or("");
    assert!(after.contains("def total_with_tax(prices):"), "{after}");

    // util.py's replaced lines struck through; the rejected one stays as
    // it was (in the buffer and on disk).
    assert!(result["struck"].as_u64().unwrap_or(0) >= 2, "{result:#}");
    let util = result["utilAfterReject"].as_str().unwrap_or("");
    assert!(util.contains("return round(x, 2)"), "{util}");

    // The review list: the runs' proposal with its files and hunks, and a
    // badge with the pending count.
    let tree = texts(&result["tree"]);
    for needle in [
        "Runs in this editor",
        "src/tax.py",
        "new file",
        "src/util.py",
    ] {
        assert!(tree.contains(needle), "{needle:?} not in {tree}");
    }
    // The new file: opened before it existed, with its lenses, accepted,
    // and on disk byte for byte.
    let lenses = strings(&result["newFileLenses"]);
    assert!(
        lenses.contains(&"Accept new file".to_string()),
        "{lenses:?}"
    );
    assert!(
        result["newFileText"]
            .as_str()
            .unwrap_or("")
            .contains("def add_tax(amount):"),
        "{result:#}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/tax.py")).unwrap(),
        TAX_PY
    );

    // The run's view: the command, the tail of its output, its exit code.
    let transcript = result["transcript"].as_str().unwrap_or("");
    for needle in [
        "$ echo 'tests: 2 passed, 1 failed'; exit 1",
        "│ tests: 2 passed, 1 failed",
        "✗ exit 1",
    ] {
        assert!(
            transcript.contains(needle),
            "{needle:?} not in {transcript}"
        );
    }

    // The task: a done notification naming its prompt and file, its own
    // group, and the runs' "Accept all" did not create its file.
    let toast = result["doneToast"].as_str().unwrap_or("");
    assert!(
        toast.contains("\"Write the changelog\" is done") && toast.contains("CHANGELOG.md"),
        "{toast}"
    );
    let task_tree = texts(&result["treeTask"]);
    assert!(
        task_tree.contains("Write the changelog") && task_tree.contains("CHANGELOG.md"),
        "{task_tree}"
    );
    assert_eq!(result["changelogAfterAcceptAll"], false, "{result:#}");
    assert!(!repo.path().join("CHANGELOG.md").exists());
    let after_all = texts(&result["treeAfterAcceptAll"]);
    assert!(
        after_all.contains("CHANGELOG.md") && !after_all.contains("Runs in this editor"),
        "{after_all}"
    );
    // Accepted into the buffer, not saved: the disk still has the original.
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/util.py")).unwrap(),
        util_before
    );

    let shots = screenshots();
    for name in [
        "inline-insertion",
        "inline-replacement",
        "changes-view",
        "new-file",
        "run-view",
        "task-done",
        "task-group",
    ] {
        let file = shots.join(format!("vscode-review-{name}.png"));
        let len = std::fs::metadata(&file).map_or(0, |m| m.len());
        assert!(len > 10_000, "{}: {len} bytes", file.display());
    }
}

#[test]
fn the_agent_asks_in_vscode_and_the_answer_goes_back() {
    let model = ScriptedServer::start(which_database("The cache will use postgres."));
    let repo = fixture("vscode-review");
    let Some(result) = drive("questions", repo.path(), &model, &[]) else {
        return;
    };
    assert_eq!(result["title"], "Tandem asks (Database)", "{result:#}");
    assert_eq!(
        result["placeholder"], "Which database should the cache use?",
        "{result:#}"
    );
    let items = texts(&result["items"]);
    for needle in [
        "sqlite",
        "a file next to the app",
        "postgres",
        "the team's server",
        "Answer in your own words",
    ] {
        assert!(items.contains(needle), "{needle} in {items}");
    }
    let requests = model.requests();
    assert_eq!(requests.len(), 2, "{result:#}");
    let answer = tool_results(&requests[1]).join("\n");
    assert!(answer.contains("postgres"), "{answer}");
    assert!(screenshots().join("vscode-questions-choice.png").exists());
}
