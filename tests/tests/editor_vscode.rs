//! The VS Code extension in a real VS Code: `editors/vscode/test/run-e2e.sh`
//! packages it, installs the `.vsix` into code-server and drives the editor
//! in headless chromium with playwright-core. The model is the scripted
//! server; the language server is this build's `tandem` binary. "Fix with
//! Tandem" from the lightbulb on a JSON syntax error proposes two hunks; the
//! first is accepted from its code lens and saved, the other's diff opened.
//!
//! Needs node 20, /usr/bin/chromium and the build tools for code-server's
//! native modules (`.ci/run` installs them). `TANDEM_SKIP_VSCODE_E2E=1` skips
//! it on a machine without them; CI never sets it.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Instant;
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

#[test]
fn fix_with_tandem_in_vscode() {
    if std::env::var_os("TANDEM_SKIP_VSCODE_E2E").is_some() {
        eprintln!("skipped: TANDEM_SKIP_VSCODE_E2E is set");
        return;
    }
    let model = ScriptedServer::start(script());
    let repo = fixture("vscode");
    assert_eq!(
        std::fs::read_to_string(repo.path().join(FILE)).unwrap(),
        ORIGINAL
    );
    let bin = tandem_bin();
    let target = bin
        .parent()
        .and_then(Path::parent)
        .expect("target folder above target/<profile>/tandem");
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode/test/run-e2e.sh");
    let home = tempfile::tempdir().unwrap();

    let started = Instant::now();
    let output = Command::new("bash")
        .arg(&driver)
        .arg("--workspace")
        .arg(repo.path())
        .arg("--tandem")
        .arg(&bin)
        .arg("--model-url")
        .arg(model.url())
        .arg("--out")
        .arg(target.join("vscode-e2e"))
        // code-server's own config and state, away from the user's.
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .output()
        .expect("run the VS Code driver");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}");
    eprintln!(
        "VS Code end-to-end: {:.1} s",
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

    let shots = target.join("screenshots");
    for name in [
        "vscode-code-lens.png",
        "vscode-diff.png",
        "vscode-approval.png",
    ] {
        let len = std::fs::metadata(shots.join(name)).map_or(0, |m| m.len());
        assert!(len > 10_000, "{name}: {len} bytes");
    }
}
