//! Positions with multi-byte text, in both encodings a client can negotiate:
//! the user's edit after an emoji lands where they typed it (the agent's
//! edit matches the server's copy of the unsaved buffer), and the proposal's
//! ranges and edits, including one at the end of a last line without a
//! newline, are converted right.

use serde_json::json;
use tandem_tests::lsp_client::{Enc, LspClient, column_after, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};

const BEFORE: &str = "name = \"café 😀\"\nvalue = 1\ntail = \"ünï\"";

fn script() -> Script {
    Script::new()
        .turn(
            Turn::new()
                .tool_use(
                    "edit",
                    json!({"path": "notes.txt", "old_string": "\"café 😀 ok\"", "new_string": "\"café 😀 ok!\""}),
                )
                .tool_use(
                    "edit",
                    json!({"path": "notes.txt", "old_string": "tail = \"ünï\"", "new_string": "tail = \"ünï😀\""}),
                ),
        )
        .turn(Turn::say("Done."))
}

fn check(enc: Enc) {
    let model = ScriptedServer::start(script());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), BEFORE).unwrap();
    let lsp = LspClient::start(dir.path(), scripted_options(&model.url()), enc);
    lsp.open("notes.txt");

    // The user types " ok" right after the emoji, unsaved.
    let at = column_after(BEFORE, "café 😀", enc);
    lsp.type_text("notes.txt", at, at, " ok");
    let typed = lsp.doc("notes.txt").unwrap().text;
    assert!(typed.starts_with("name = \"café 😀 ok\"\n"), "{typed}");

    let r = lsp.command(
        "tandem.run",
        json!({"prompt": "Add an exclamation mark", "uri": lsp.uri("notes.txt")}),
    );
    let run = r["result"]["run"].as_u64().unwrap();
    assert_eq!(lsp.wait_run_finished(run), "done");
    let results = tandem_tests::wire::tool_results(&model.requests()[1]);
    assert!(
        results.iter().all(|r| !r.contains("not found")),
        "the agent's edits must match the unsaved text: {results:?}"
    );

    // The hunk on the last line (no newline) ends at the end of the text,
    // counted in the negotiated encoding.
    lsp.wait_until("diagnostics", |c| c.diagnostics("notes.txt").len() == 2);
    let d = lsp.diagnostics("notes.txt");
    let end = column_after(&typed, "tail = \"ünï\"", enc);
    assert_eq!(
        d[1]["range"]["end"],
        json!({"line": end.0, "character": end.1}),
        "{enc:?}"
    );

    let r = lsp.command("tandem.acceptAll", json!({}));
    assert_eq!(r["result"]["applied"], true, "{r}");
    assert_eq!(
        lsp.doc("notes.txt").unwrap().text,
        "name = \"café 😀 ok!\"\nvalue = 1\ntail = \"ünï😀\""
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        BEFORE
    );
}

#[test]
fn utf16_positions_with_multibyte_text() {
    check(Enc::Utf16);
}

#[test]
fn utf8_positions_with_multibyte_text() {
    check(Enc::Utf8);
}
