//! A server that stays up: malformed framing (a bad `Content-Length`, a
//! body that is not JSON, a length that cuts a message short) is reported
//! and the next valid request still gets its answer; a handler that panics
//! (while holding the server's state lock) gets an error response and a
//! message, and every later request, a run included, still works.

use serde_json::json;
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;

/// A request any later handler must still answer with a result.
fn assert_answers(lsp: &LspClient, after: &str) {
    let r = lsp.request("tandem/tasks", json!({}));
    assert!(r["result"]["tasks"].is_array(), "after {after}: {r}");
}

fn logged(lsp: &LspClient, needle: &str) -> bool {
    lsp.notifications("window/logMessage").iter().any(|m| {
        m["params"]["message"]
            .as_str()
            .unwrap_or("")
            .contains(needle)
    })
}

#[test]
fn bad_framing_never_costs_the_next_request() {
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), json!({}), Enc::Utf16);
    let body = r#"{"jsonrpc":"2.0","id":900,"method":"tandem/tasks","params":{}}"#;
    let cases: [(&str, String); 5] = [
        (
            "Content-Length: abc",
            format!("Content-Length: abc\r\n\r\n{body}"),
        ),
        (
            "Content-Length: -5",
            format!("Content-Length: -5\r\n\r\n{body}"),
        ),
        (
            "a huge Content-Length",
            format!("Content-Length: 99999999999999999999\r\n\r\n{body}"),
        ),
        (
            "a body that is not JSON",
            "Content-Length: 9\r\n\r\nnot json!".into(),
        ),
        (
            "a Content-Length that cuts the body short",
            format!("Content-Length: 10\r\n\r\n{body}"),
        ),
    ];
    for (what, bytes) in cases {
        lsp.send_raw(bytes.as_bytes());
        assert_answers(&lsp, what);
    }
    lsp.wait_until("the problems logged", |c| {
        logged(c, "bad Content-Length header: abc")
            && logged(c, "bad Content-Length header: -5")
            && logged(c, "not JSON")
    });
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn a_panicking_handler_costs_only_its_request() {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: tandem/debug/panic exists in debug builds only");
        return;
    }
    let model = ScriptedServer::start(Script::new().turn(Turn::say("still here")));
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    lsp.open("src/greet.py");

    let r = lsp.request("tandem/debug/panic", json!({}));
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tandem/debug/panic"),
        "{r}"
    );
    lsp.wait_until("the user told", |c| {
        c.notifications("window/showMessage").iter().any(|m| {
            m["params"]["type"] == 1
                && m["params"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("internal error")
        })
    });

    // The state lock the handler held is usable: requests, document
    // changes and a whole run go through it.
    assert_answers(&lsp, "a panic");
    let lenses = lsp.code_lenses("src/greet.py");
    assert!(lenses.is_empty(), "{lenses:?}");
    lsp.type_text("src/greet.py", (0, 0), (0, 0), "# hi\n");
    let r = lsp.command("tandem.run", json!({ "prompt": "are you there?" }));
    let run = r["result"]["run"].as_u64().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(lsp.wait_run_finished(run), "done");
    assert_eq!(model.requests().len(), 1);
    assert_eq!(lsp.shutdown(), Some(0));
}
