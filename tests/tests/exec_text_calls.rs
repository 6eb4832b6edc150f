//! Tool calls a model wrote as text (what local models do behind a server
//! whose chat template does not make them API tool calls), through the real
//! binary on each wire API: a fenced JSON call and `<tool_call>` tags are
//! run as calls, with a warning saying so; a reply that looks like a call
//! but cannot be read is sent back once to the model and then warned
//! about, never a silent "done".

use serde_json::Value;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, exec_scripted, fixture};
use tandem_tests::wire::{PROVIDERS, tool_results};

fn exec(server: &ScriptedServer, provider: &str, repo: &std::path::Path) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    let args = ["Make farewells politer", "--json"];
    exec_scripted(home.path(), repo, provider, &server.url(), &args)
}

fn warnings(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["type"] == "warning")
        .map(|e| e["message"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn calls_written_as_text_are_run_as_calls() {
    for (provider, _) in PROVIDERS {
        let fenced = "I will change it.\n```json\n{\"name\": \"edit\", \"arguments\": {\"path\": \"src/greet.py\", \"old_string\": \"\\\"Bye \\\"\", \"new_string\": \"\\\"Goodbye, \\\"\"}}\n```";
        let tagged = "<tool_call>\n{\"name\": \"read\", \"arguments\": {\"path\": \"src/greet.py\"}}\n</tool_call>";
        let server = ScriptedServer::start(
            Script::new()
                .turn(Turn::say(fenced))
                .turn(Turn::say(tagged))
                .turn(Turn::say("Farewells say Goodbye now.")),
        );
        let repo = fixture("greeter");
        let out = exec(&server, provider, repo.path());
        assert!(out.status.success(), "{provider}: {}", describe(&out));
        let requests = server.requests();
        assert_eq!(requests.len(), 3, "{provider}");
        // The edit ran (its result went back), and the read saw the proposal.
        let results = tool_results(&requests[1]);
        assert!(
            results.iter().any(|r| r.contains("Edited src/greet.py")),
            "{provider}: {results:?}"
        );
        let results = tool_results(&requests[2]);
        assert!(
            results.iter().any(|r| r.contains("Goodbye, ")),
            "{provider}: {results:?}"
        );
        let warned = warnings(&out.stdout);
        assert!(
            warned
                .iter()
                .any(|w| w.contains("wrote 1 tool call as text (edit)")),
            "{provider}: {warned:?}"
        );
        assert!(
            warned.iter().any(|w| w.contains("(read)")),
            "{provider}: {warned:?}"
        );
    }
}

#[test]
fn a_broken_call_in_text_is_told_then_warned_never_a_silent_done() {
    let provider = "openai-chat";
    let broken = "```json\n{\"name\": \"edit\", \"arguments\": {\"path\": \"src/greet.py\"\n```";
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::say(broken))
            .turn(Turn::say(broken)),
    );
    let repo = fixture("greeter");
    let out = exec(&server, provider, repo.path());
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        2,
        "told once, then it ended: {}",
        describe(&out)
    );
    assert!(
        requests[1]
            .body
            .contains("looks like a tool call written as text"),
        "{}",
        requests[1].body
    );
    let warned = warnings(&out.stdout);
    assert!(
        warned.iter().any(|w| w.contains("could not be run")),
        "{warned:?}"
    );
}
