//! `apply_patch` as a freeform tool on the OpenAI Responses API, as Codex
//! offers it to the gpt-5 family: a custom tool with the patch grammar, the
//! model's `custom_tool_call` carrying the raw patch, the result sent back
//! as a `custom_tool_call_output`. Through the real binary against the
//! scripted server.

use serde_json::Value;
use std::path::Path;
use tandem_tests::lark::Grammar;
use tandem_tests::scripted::{RecordedRequest, Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, tandem_command};
use tandem_tests::wire::{base_url, offered_tool, tool_results};

const PATCH: &str = "*** Begin Patch\n*** Update File: a.txt\n@@\n one\n-two\n+three\n*** Add File: b.txt\n+new\n*** End Patch\n";
const MALFORMED: &str = "*** Begin Patch\n*** Update File: a.txt\n?? two\n*** End Patch";

fn exec(
    server: &ScriptedServer,
    provider: &str,
    model: &str,
    repo: &Path,
    extra: &[&str],
) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    tandem_command(home.path())
        .args(["exec", "Fix it", "--provider", provider, "--model", model])
        .args(["--base-url", &base_url(provider, &server.url())])
        .args(["-c", "model.api_key=\"test-key\""])
        .arg("-C")
        .arg(repo)
        .args(extra)
        .output()
        .unwrap()
}

fn repo() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("a.txt"), "one\ntwo\n").unwrap();
    repo
}

/// The input items of a Responses request of one type.
fn items<'a>(request: &'a RecordedRequest, kind: &str) -> Vec<&'a Value> {
    request.json["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == kind)
        .collect()
}

#[test]
fn a_gpt_5_model_patches_with_a_custom_tool_call() {
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().custom_tool_call("apply_patch", PATCH))
            .turn(Turn::new().custom_tool_call("apply_patch", MALFORMED))
            .turn(Turn::say("Done.")),
    );
    let repo = repo();
    let out = exec(&server, "openai", "gpt-5", repo.path(), &["--apply"]);
    assert!(out.status.success(), "{}", describe(&out));
    let read = |p: &str| std::fs::read_to_string(repo.path().join(p)).unwrap();
    assert_eq!(read("a.txt"), "one\nthree\n");
    assert_eq!(read("b.txt"), "new\n");

    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{}", describe(&out));
    // Offered as a custom tool with the grammar, the others as functions.
    let tool = offered_tool(&requests[0], "apply_patch").unwrap();
    assert_eq!(tool["type"], "custom", "{tool}");
    assert_eq!(tool["format"]["type"], "grammar");
    assert_eq!(tool["format"]["syntax"], "lark");
    let grammar = tool["format"]["definition"].as_str().unwrap();
    assert!(grammar.contains("*** Begin Patch"), "{grammar}");
    assert_eq!(
        offered_tool(&requests[0], "edit").unwrap()["type"],
        "function"
    );

    // The call and its output went back as custom items with one call_id.
    let calls = items(&requests[1], "custom_tool_call");
    let outputs = items(&requests[1], "custom_tool_call_output");
    assert_eq!((calls.len(), outputs.len()), (1, 1), "{}", requests[1].body);
    assert!(items(&requests[1], "function_call").is_empty());
    assert_eq!(calls[0]["name"], "apply_patch");
    assert_eq!(calls[0]["input"], PATCH, "the raw patch, not JSON");
    assert_eq!(outputs[0]["call_id"], calls[0]["call_id"]);
    let applied = outputs[0]["output"].as_str().unwrap();
    assert!(applied.contains("Patch applied"), "{applied}");
    assert!(
        applied.contains("M a.txt") && applied.contains("A b.txt"),
        "{applied}"
    );

    // The malformed patch: the tool's error is the custom call's output.
    let calls = items(&requests[2], "custom_tool_call");
    let outputs = items(&requests[2], "custom_tool_call_output");
    assert_eq!((calls.len(), outputs.len()), (2, 2), "{}", requests[2].body);
    assert_eq!(outputs[1]["call_id"], calls[1]["call_id"]);
    assert_ne!(calls[0]["call_id"], calls[1]["call_id"]);
    let refused = outputs[1]["output"].as_str().unwrap();
    assert!(
        refused.contains("the patch is not valid") && refused.contains("Nothing was changed"),
        "{refused}"
    );
    assert_eq!(tool_results(&requests[2]), [applied, refused]);

    // What the grammar allows: the good patch, not the malformed one.
    let grammar = Grammar::new(grammar).unwrap();
    assert!(grammar.accepts(PATCH));
    assert!(!grammar.accepts(MALFORMED));
}

/// Other models, the setting turned off, and the other wires: the function.
#[test]
fn the_function_form_elsewhere() {
    let runs: [(&str, &str, &[&str]); 5] = [
        ("openai", "gpt-4.1", &[]),
        ("openai", "test-model", &[]),
        (
            "openai",
            "gpt-5",
            &["-c", "models.gpt-5.freeform_apply_patch=false"],
        ),
        ("anthropic", "gpt-5", &[]),
        ("openai-chat", "gpt-5", &[]),
    ];
    for (provider, model, extra) in runs {
        let server = ScriptedServer::start(Script::new().turn(Turn::say("Nothing to do.")));
        let repo = repo();
        let out = exec(&server, provider, model, repo.path(), extra);
        let what = format!("{provider} {model} {extra:?}");
        assert!(out.status.success(), "{what}: {}", describe(&out));
        let request = &server.requests()[0];
        let tool = offered_tool(request, "apply_patch").unwrap();
        assert_ne!(tool["type"], "custom", "{what}: {tool}");
        assert!(!request.body.contains("\"grammar\""), "{what}");
        let schema = tool
            .get("parameters")
            .or(tool.get("input_schema"))
            .or(tool["function"].get("parameters"))
            .unwrap();
        assert_eq!(schema["required"][0], "patch", "{what}: {tool}");
    }
    // And a model the table does not know can be turned on.
    let server = ScriptedServer::start(Script::new().turn(Turn::say("Nothing to do.")));
    let repo = repo();
    let on = ["-c", "models.my-model.freeform_apply_patch=true"];
    let out = exec(&server, "openai", "my-model", repo.path(), &on);
    assert!(out.status.success(), "{}", describe(&out));
    let tool = offered_tool(&server.requests()[0], "apply_patch").unwrap();
    assert_eq!(tool["type"], "custom", "{tool}");
}
