//! The loop guard through the real binary: a model repeating the same
//! failing `edit` is told after the third failure (the note is in the next
//! request) and the run ends `stuck` after the fifth, with its own exit
//! code and the reason; a model whose failing calls change each time is
//! left alone; a sub-agent re-spawned with the same request after coming
//! back with nothing is stopped the same way.

use serde_json::{Value, json};
use std::path::Path;
use tandem_tests::scripted::{RecordedRequest, Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::{base_url, tool_results};

const PROVIDER: &str = "openai-chat";
const NOTE: &str = "failed 3 times the same way";

fn exec(
    script: Script,
    repo: &Path,
    prompt: &str,
    json: bool,
) -> (std::process::Output, Vec<RecordedRequest>) {
    let server = ScriptedServer::start(script);
    let home = tempfile::tempdir().unwrap();
    let mut cmd = tandem_command(home.path());
    cmd.args(["exec", prompt])
        .args(["--provider", PROVIDER, "--model", "test-model"])
        .args(["--base-url", &base_url(PROVIDER, &server.url())])
        .args(["-c", "model.api_key=\"test-key\""])
        .arg("-C")
        .arg(repo);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    (out, server.requests())
}

fn events(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn edit(old: &str) -> Turn {
    Turn::new().tool_use(
        "edit",
        json!({"path": "src/greet.py", "old_string": old, "new_string": "x"}),
    )
}

#[test]
fn the_same_failing_edit_is_told_at_three_and_stuck_at_five() {
    let repo = fixture("greeter");
    let mut script = Script::new();
    for _ in 0..5 {
        script = script.turn(edit("return 'Hi there'"));
    }
    let script = script.turn(Turn::say("never asked for"));
    let (out, requests) = exec(script, repo.path(), "Make greetings friendlier", false);
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    assert_eq!(requests.len(), 5, "no call after the fifth failure");
    // The third failure's result carries the note; the earlier ones not.
    for (i, r) in requests.iter().enumerate() {
        let told = tool_results(r).iter().any(|t| t.contains(NOTE));
        assert_eq!(told, i >= 3, "request {i}: {:?}", tool_results(r));
    }
    let last = tool_results(&requests[3]);
    let note = last.iter().find(|t| t.contains(NOTE)).unwrap();
    assert!(note.contains("Do not repeat it"), "{note}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("Stopped, stuck: the same `edit` call failed 5 times: "),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: stuck: the same `edit` call failed 5 times"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: the same `edit` call failed 3 times"),
        "{stderr}"
    );
}

#[test]
fn failing_calls_that_change_each_time_are_not_stopped() {
    let repo = fixture("greeter");
    let mut script = Script::new();
    for i in 0..7 {
        script = script.turn(edit(&format!("return 'Hi there {i}'")));
    }
    let script = script.turn(Turn::say("I could not find the text; giving up."));
    let (out, requests) = exec(script, repo.path(), "Make greetings friendlier", true);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(requests.len(), 8);
    assert!(requests.iter().all(|r| !r.body.contains(NOTE)));
    let events = events(&out);
    let result = events.last().unwrap();
    assert_eq!(result["outcome"], "done", "{result}");
}

#[test]
fn a_sub_agent_re_spawned_without_result_is_told_then_stuck() {
    let repo = fixture("greeter");
    let spawn = || {
        Turn::new().tool_use(
            "task",
            json!({"description": "find the parser", "prompt": "SPAWN-CHILD: find the parser", "subagent_type": "explore"}),
        )
    };
    let script = Script::new()
        .conversation(
            "PARENT-SPAWN",
            vec![
                spawn(),
                spawn(),
                spawn(),
                spawn(),
                Turn::say("never asked for"),
            ],
        )
        .conversation("SPAWN-CHILD", (0..4).map(|_| Turn::say("")).collect());
    let (out, requests) = exec(script, repo.path(), "PARENT-SPAWN: look around", true);
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    let parent: Vec<&RecordedRequest> = requests
        .iter()
        .filter(|r| r.conversation == Some(0))
        .collect();
    assert_eq!(parent.len(), 4, "no parent call after the fourth spawn");
    let told = |r: &RecordedRequest| {
        tool_results(r)
            .iter()
            .any(|t| t.contains("Do not spawn it again"))
    };
    assert!(!told(parent[2]), "{:?}", tool_results(parent[2]));
    assert!(told(parent[3]), "{:?}", tool_results(parent[3]));
    let events = events(&out);
    let result = events.last().unwrap();
    assert_eq!(result["outcome"], "stuck", "{result}");
    let error = result["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("stuck: the same `explore` sub-agent was spawned 4 times"),
        "{result}"
    );
}
