//! `tandem/hunks`: a file's hunks placed in the user's text, what clients
//! that draw the proposal inline (Neovim's virtual lines) ask for. The lines
//! each hunk covers follow the user's edits; accepted hunks leave it.

use serde_json::json;
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;

const GREET_AFTER: &str = "def greet(name):
    return f\"Hello, {name}!\"


def farewell(name):
    \"\"\"Say goodbye.\"\"\"
    return f\"Goodbye, {name}.\"
";

#[test]
fn hunks_give_the_lines_they_cover_and_the_lines_they_bring() {
    let script = Script::new()
        .turn(Turn::new().tool_use(
            "write",
            json!({"path": "src/greet.py", "content": GREET_AFTER}),
        ))
        .turn(Turn::new().tool_use(
            "write",
            json!({"path": "src/shout.py", "content": "def shout(text):\n    return text.upper()\n"}),
        ))
        .turn(Turn::say("done"));
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    lsp.open("src/greet.py");

    // Not in the proposal: no hunks, and a file outside it says so.
    let r = lsp.request("tandem/hunks", json!({ "uri": lsp.uri("src/greet.py") }));
    assert_eq!(r["result"]["inProposal"], false, "{r}");
    assert_eq!(r["result"]["hunks"], json!([]));

    let started = lsp.command("tandem.run", json!({ "prompt": "f-strings" }));
    let run = started["result"]["run"].as_u64().unwrap();
    assert_eq!(lsp.wait_run_finished(run), "done");

    let r = lsp.request("tandem/hunks", json!({ "uri": lsp.uri("src/greet.py") }));
    let result = &r["result"];
    assert_eq!(result["inProposal"], true, "{r}");
    assert_eq!(result["kind"], "modified");
    assert_eq!(result["version"], 1);
    let hunks = result["hunks"].as_array().unwrap();
    assert_eq!(hunks.len(), 2, "{r:#}");
    assert_eq!(hunks[0]["state"], "pending");
    assert_eq!(hunks[0]["start"], 1);
    assert_eq!(hunks[0]["len"], 1);
    assert_eq!(
        hunks[0]["oldLines"],
        json!(["    return \"Hello, \" + name"])
    );
    assert_eq!(
        hunks[0]["newLines"],
        json!(["    return f\"Hello, {name}!\""])
    );
    assert_eq!(hunks[0]["range"]["start"]["line"], 1);
    assert_eq!(hunks[0]["range"]["end"]["line"], 2);
    assert_eq!(hunks[1]["start"], 5);
    assert_eq!(hunks[1]["len"], 1);
    assert_eq!(
        hunks[1]["newLines"],
        json!([
            "    \"\"\"Say goodbye.\"\"\"",
            "    return f\"Goodbye, {name}.\""
        ])
    );
    assert!(
        hunks[1]["summary"]
            .as_str()
            .unwrap()
            .starts_with("Tandem proposes: replace 1 line with 2"),
        "{}",
        hunks[1]["summary"]
    );

    // The ids are the ones the accept and reject commands take.
    let lens_ids: Vec<_> = lsp
        .code_lenses("src/greet.py")
        .iter()
        .filter(|l| l["command"]["command"] == "tandem.acceptHunk")
        .map(|l| l["command"]["arguments"][0]["hunk"].clone())
        .collect();
    assert_eq!(
        lens_ids,
        vec![hunks[0]["id"].clone(), hunks[1]["id"].clone()]
    );

    // The user types two lines above: the hunks move down, at the new version.
    lsp.type_text("src/greet.py", (0, 0), (0, 0), "# one\n# two\n");
    let r = lsp.request("tandem/hunks", json!({ "uri": lsp.uri("src/greet.py") }));
    assert_eq!(r["result"]["version"], 2, "{r}");
    let starts: Vec<_> = r["result"]["hunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["start"].as_u64().unwrap())
        .collect();
    assert_eq!(starts, [3, 7]);

    // Accepting one leaves the other.
    let r = lsp.command(
        "tandem.acceptHunk",
        json!({ "uri": lsp.uri("src/greet.py"), "hunk": hunks[0]["id"] }),
    );
    assert_eq!(r["result"]["applied"], true, "{r}");
    let r = lsp.request("tandem/hunks", json!({ "uri": lsp.uri("src/greet.py") }));
    let left = r["result"]["hunks"].as_array().unwrap();
    assert_eq!(left.len(), 1, "{r:#}");
    assert_eq!(left[0]["id"], hunks[1]["id"]);
    assert_eq!(left[0]["start"], 7);

    // A new file: one hunk bringing all its lines, covering none yet.
    let r = lsp.request("tandem/hunks", json!({ "uri": lsp.uri("src/shout.py") }));
    assert_eq!(r["result"]["kind"], "added", "{r}");
    assert_eq!(r["result"]["version"], json!(null));
    let new = &r["result"]["hunks"][0];
    assert_eq!(
        (new["start"].as_u64(), new["len"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        new["newLines"],
        json!(["def shout(text):", "    return text.upper()"])
    );
    assert_eq!(lsp.shutdown(), Some(0));
}
