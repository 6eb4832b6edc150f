//! Cost caps through the real binary: `--max-cost` ends the run after the
//! model call that brought its cost to the cap (outcome `budget`, exit code
//! 6, the cap and the spend said), the spend shows beside the cap as it
//! goes; a run under the cap finishes; a cap on a model without a price is
//! said to be unenforceable; a background task stops at `tasks.max_cost`,
//! failed with the reason.

use serde_json::{Value, json};
use std::path::Path;
use tandem_tests::scripted::{RecordedRequest, Script, ScriptUsage, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::base_url;

const PROVIDER: &str = "openai-chat";
/// $1000 per million input tokens, $10000 per million output tokens: each
/// scripted call (100 in, 10 out) costs $0.20.
const PRICES: [&str; 4] = [
    "-c",
    "models.test-model.input=1000.0",
    "-c",
    "models.test-model.output=10000.0",
];

fn exec(
    script: Script,
    repo: &Path,
    extra: &[&str],
) -> (std::process::Output, Vec<RecordedRequest>) {
    let server = ScriptedServer::start(script);
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "Look around"])
        .args(["--provider", PROVIDER, "--model", "test-model"])
        .args(["--base-url", &base_url(PROVIDER, &server.url())])
        .args(["-c", "model.api_key=\"test-key\""])
        .args(extra)
        .arg("-C")
        .arg(repo)
        .output()
        .unwrap();
    (out, server.requests())
}

fn events(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn priced(turn: Turn) -> Turn {
    turn.usage(ScriptUsage {
        input_tokens: 100,
        output_tokens: 10,
        ..Default::default()
    })
}

fn reads(n: usize) -> Script {
    let mut script = Script::new();
    for _ in 0..n {
        script = script.turn(priced(
            Turn::new().tool_use("read", json!({"path": "src/greet.py"})),
        ));
    }
    script
}

#[test]
fn the_cap_ends_the_run_after_the_call_that_reached_it() {
    let repo = fixture("greeter");
    let mut args = PRICES.to_vec();
    args.extend(["--max-cost", "0.5"]);
    let (out, requests) = exec(reads(5), repo.path(), &args);
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    // $0.20, $0.40, $0.60: the third call crossed the cap; no fourth.
    assert_eq!(requests.len(), 3);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("Stopped, budget: the cost cap of $0.50 was reached ($0.60 spent)"),
        "{stdout}"
    );
    // Live, beside the cost.
    assert!(stderr.contains("$0.20 of $0.50"), "{stderr}");
    assert!(stderr.contains("$0.40 of $0.50"), "{stderr}");

    // The same with --json: the outcome, the cap on the usage events.
    let (out, requests) = exec(reads(5), repo.path(), &[&args[..], &["--json"]].concat());
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    assert_eq!(requests.len(), 3);
    let events = events(&out);
    let usage: Vec<&Value> = events.iter().filter(|e| e["type"] == "usage").collect();
    assert_eq!(usage.len(), 3);
    assert!(usage.iter().all(|u| u["max_cost_usd"] == 0.5), "{usage:?}");
    let result = events.last().unwrap();
    assert_eq!(result["outcome"], "budget", "{result}");
    assert!(
        (result["cost_usd"].as_f64().unwrap() - 0.6).abs() < 1e-9,
        "{result}"
    );
}

#[test]
fn a_run_under_the_cap_finishes() {
    let repo = fixture("greeter");
    let script = reads(2).turn(priced(Turn::say("Looked.")));
    let mut args = PRICES.to_vec();
    args.extend(["-c", "agent.max_cost=5", "--json"]);
    let (out, requests) = exec(script, repo.path(), &args);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(requests.len(), 3);
    let events = events(&out);
    assert_eq!(events.last().unwrap()["outcome"], "done");
    assert!(
        events
            .iter()
            .filter(|e| e["type"] == "usage")
            .all(|u| u["max_cost_usd"] == 5.0)
    );
}

#[test]
fn a_cap_on_a_model_without_a_price_is_said_to_be_unenforceable() {
    let repo = fixture("greeter");
    let script = Script::new().turn(priced(Turn::say("Looked.")));
    let (out, _) = exec(script, repo.path(), &["--max-cost", "0.5", "--json"]);
    assert!(out.status.success(), "{}", describe(&out));
    let events = events(&out);
    let warned: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "warning")
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        warned
            .iter()
            .any(|w| w.starts_with("the cost cap of $0.50 cannot be enforced")),
        "{warned:?}"
    );
}

#[test]
fn a_background_task_stops_at_its_own_cap_as_failed_with_the_reason() {
    let model = ScriptedServer::start(reads(5));
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let task = |args: &[&str]| {
        tandem_command(home.path())
            .arg("task")
            .arg("-C")
            .arg(repo.path())
            .args(args)
            .env("TEST_API_KEY", "x")
            .output()
            .unwrap()
    };
    let url = model.url();
    let mut start = vec![
        "start",
        "Look around",
        "--provider",
        "anthropic",
        "-m",
        "test-model",
    ];
    start.extend([
        "--base-url",
        &url,
        "-c",
        "model.api_key_env=\"TEST_API_KEY\"",
    ]);
    start.extend(PRICES);
    start.extend(["-c", "tasks.max_cost=0.5"]);
    let out = task(&start);
    assert!(out.status.success(), "{}", describe(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // Waiting on a failed task says so (exit 1) with its reason.
    let out = task(&["wait", &id]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("error: budget: the cost cap of $0.50"),
        "{}",
        describe(&out)
    );
    let out = task(&["show", &id, "--json"]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["task"]["state"], "failed", "{shown}");
    assert_eq!(
        shown["task"]["error"], "budget: the cost cap of $0.50 was reached ($0.60 spent)",
        "{shown}"
    );
    assert_eq!(model.requests().len(), 3);
}
