//! A multi-turn task through the real `tandem exec` binary, against the
//! scripted model server, once per wire protocol: read, grep, edit,
//! apply_patch and shell end in the expected diff, and nothing is written to
//! the user's files.

use serde_json::json;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::{PROVIDERS, base_url, system_prompt, tool_names, tool_results};

const PATCH: &str = "*** Begin Patch
*** Update File: src/greet.py
@@ def farewell(name):
-    return \"Bye \" + name
+    return f\"Goodbye, {name}.\"
*** Add File: src/shout.py
+def shout(text):
+    return text.upper()
*** End Patch";

fn script() -> Script {
    Script::new()
        .turn(
            Turn::new()
                .text("Let me look at the code.")
                .tool_use("read", json!({"path": "src/greet.py"}))
                .tool_use(
                    "grep",
                    json!({"pattern": "farewell", "output_mode": "content"}),
                ),
        )
        .turn(Turn::new().tool_use(
            "edit",
            json!({
                "path": "src/greet.py",
                "old_string": "return \"Hello, \" + name",
                "new_string": "return f\"Hello, {name}!\""
            }),
        ))
        .turn(Turn::new().tool_use("apply_patch", json!({ "patch": PATCH })))
        .turn(Turn::new().tool_use("shell", json!({"command": "ls src && echo checked"})))
        .turn(Turn::new().text("Both functions now use f-strings, and shout() is new."))
}

#[test]
fn multi_turn_task_ends_in_the_expected_diff_for_every_protocol() {
    for (provider, protocol) in PROVIDERS {
        let server = ScriptedServer::start(script());
        let repo = fixture("greeter");
        let home = tempfile::tempdir().unwrap();
        let out = tandem_command(home.path())
            .args(["exec", "Use f-strings and add a shout helper"])
            .args(["--provider", provider, "--model", "test-model"])
            .args(["--base-url", &base_url(provider, &server.url())])
            .arg("-C")
            .arg(repo.path())
            .env("TEST_API_KEY", "x")
            .args(["-c", "model.api_key_env=\"TEST_API_KEY\""])
            // Commands ask by default; these rules allow both parts of the
            // compound command the script runs.
            .args(["--allow", "Bash(ls:*)", "--allow", "Bash(echo:*)"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{provider}: {}", describe(&out));

        // The diff: the edit, the patched function and the new file.
        assert!(
            stdout.contains("-    return \"Hello, \" + name"),
            "{provider}: {stdout}"
        );
        assert!(
            stdout.contains("+    return f\"Hello, {name}!\""),
            "{provider}: {stdout}"
        );
        assert!(
            stdout.contains("+    return f\"Goodbye, {name}.\""),
            "{provider}: {stdout}"
        );
        assert!(
            stdout.contains("+++ b/src/shout.py"),
            "{provider}: {stdout}"
        );
        assert!(
            stdout.contains("+    return text.upper()"),
            "{provider}: {stdout}"
        );
        assert!(
            stdout.contains("Both functions now use f-strings"),
            "{provider}: {stdout}"
        );
        // Files read and commands run are reported.
        assert!(stdout.contains("src/greet.py:1-"), "{provider}: {stdout}");
        assert!(
            stdout.contains("$ ls src && echo checked"),
            "{provider}: {stdout}"
        );

        // Nothing reached the user's files.
        let greet = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
        assert!(
            greet.contains("\"Hello, \" + name"),
            "{provider}: file changed on disk"
        );
        assert!(!repo.path().join("src/shout.py").exists(), "{provider}");

        // What reached the model: five calls, each with the previous results.
        let requests = server.requests();
        assert_eq!(requests.len(), 5, "{provider}: {requests:#?}");
        assert!(
            requests.iter().all(|r| r.protocol == protocol),
            "{provider}"
        );
        let first = &requests[0];
        assert!(
            system_prompt(first).contains("Use f-strings"),
            "{provider}: AGENTS.md not in the system prompt"
        );
        for tool in ["read", "grep", "edit", "apply_patch", "shell", "write"] {
            assert!(
                tool_names(first).iter().any(|t| t == tool),
                "{provider}: no {tool} tool"
            );
        }
        let results = tool_results(&requests[1]);
        assert_eq!(results.len(), 2, "{provider}: {results:?}");
        assert!(
            results[0].contains("def greet(name):"),
            "{provider}: read result {results:?}"
        );
        assert!(
            results[1].contains("src/greet.py"),
            "{provider}: grep result {results:?}"
        );
        assert!(
            !results[1].contains("generated.txt"),
            "{provider}: grep searched an ignored file"
        );
        let results = tool_results(&requests[4]);
        let shell = results.last().unwrap();
        assert!(
            shell.contains("names.py") && shell.contains("checked"),
            "{provider}: {shell}"
        );
    }
}

#[test]
fn json_output_is_one_event_per_line_ending_with_the_result() {
    let server = ScriptedServer::start(script());
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "--json", "Use f-strings"])
        .args(["--provider", "openai-chat", "--model", "m"])
        .args(["--base-url", &base_url("openai-chat", &server.url())])
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"started"));
    assert_eq!(types.last(), Some(&"result"));
    assert_eq!(types.iter().filter(|t| **t == "turn_started").count(), 5);
    assert!(types.contains(&"proposal_changed"));
    let result = events.last().unwrap();
    assert_eq!(result["outcome"], "done");
    assert!(
        result["diff"]
            .as_str()
            .unwrap()
            .contains("+++ b/src/shout.py")
    );
    let files: Vec<&str> = result["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["src/greet.py", "src/shout.py"]);
}

#[test]
fn apply_writes_the_proposal_to_disk() {
    let server = ScriptedServer::start(script());
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "--apply", "Use f-strings"])
        .args(["--provider", "openai-chat", "--model", "m"])
        .args(["--base-url", &base_url("openai-chat", &server.url())])
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let greet = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    assert_eq!(
        greet,
        "def greet(name):\n    return f\"Hello, {name}!\"\n\n\ndef farewell(name):\n    return f\"Goodbye, {name}.\"\n"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/shout.py")).unwrap(),
        "def shout(text):\n    return text.upper()\n"
    );
}
