//! Sub-agents through the real `tandem exec` binary against the scripted
//! model server. The parent and each child are separate conversations of
//! the script, told apart by text only their requests carry (the parent's
//! prompt, each child's prompt), so the recorded requests show who asked
//! what and in which order.

use serde_json::{Value, json};
use std::path::Path;
use tandem_tests::scripted::{RecordedRequest, Script, ScriptUsage, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::{base_url, system_prompt, tool_names, tool_results};

const PROVIDER: &str = "openai-chat";

fn task(description: &str, prompt: &str, agent_type: &str) -> Value {
    json!({ "description": description, "prompt": prompt, "subagent_type": agent_type })
}

struct Run {
    out: std::process::Output,
    stdout: String,
    requests: Vec<RecordedRequest>,
}

impl Run {
    /// The JSON events, ending with the `result` line.
    fn events(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
            .collect()
    }

    /// Index in arrival order of the request for `turn` of `conversation`.
    fn index(&self, conversation: usize, turn: usize) -> usize {
        self.requests
            .iter()
            .position(|r| r.conversation == Some(conversation) && r.turn == Some(turn))
            .unwrap_or_else(|| {
                panic!(
                    "no request for conversation {conversation} turn {turn}: {:#?}",
                    self.requests
                        .iter()
                        .map(|r| (r.conversation, r.turn, r.response_status))
                        .collect::<Vec<_>>()
                )
            })
    }

    fn request(&self, conversation: usize, turn: usize) -> &RecordedRequest {
        &self.requests[self.index(conversation, turn)]
    }
}

fn run(script: Script, repo: &Path, prompt: &str, extra: &[&str]) -> Run {
    let server = ScriptedServer::start(script);
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "--json", prompt])
        .args(["--provider", PROVIDER, "--model", "test-model"])
        .args(["--base-url", &base_url(PROVIDER, &server.url())])
        .args(extra)
        .arg("-C")
        .arg(repo)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let requests = server.requests();
    Run {
        out,
        stdout,
        requests,
    }
}

#[test]
fn two_explorers_run_in_parallel_and_both_findings_reach_the_parent() {
    let repo = fixture("greeter");
    // Each child's first answer streams slowly, so the other child's first
    // request arrives meanwhile only if both run at once.
    let script = Script::new()
        .conversation(
            "PARENT-EXPLORE",
            vec![
                Turn::new()
                    .text("I will ask two explorers.")
                    .tool_use(
                        "task",
                        task("find greet", "EXPLORE-A: where is greet?", "explore"),
                    )
                    .tool_use(
                        "task",
                        task("find names", "EXPLORE-B: which names?", "explore"),
                    ),
                Turn::say("greet is in src/greet.py; the names are Ada, Grace and Linus."),
            ],
        )
        .conversation(
            "EXPLORE-A",
            vec![
                Turn::new()
                    .tool_use("read", json!({"path": "src/greet.py"}))
                    .token_delay_ms(40),
                Turn::say("FINDING-A: greet is defined in src/greet.py line 1."),
            ],
        )
        .conversation(
            "EXPLORE-B",
            vec![
                Turn::new()
                    .tool_use(
                        "grep",
                        json!({"pattern": "NAMES", "output_mode": "content"}),
                    )
                    .token_delay_ms(40),
                Turn::say("FINDING-B: NAMES is in src/names.py."),
            ],
        );
    let r = run(script, repo.path(), "PARENT-EXPLORE: find things", &[]);
    assert!(r.out.status.success(), "{}", describe(&r.out));
    assert_eq!(r.requests.len(), 6, "{:#?}", r.requests);

    // Both children asked before either got its first answer and asked
    // again: one after the other would be A0, A1, B0, B1.
    let (a0, a1, b0, b1) = (r.index(1, 0), r.index(1, 1), r.index(2, 0), r.index(2, 1));
    assert!(
        a0 < b1 && b0 < a1,
        "not concurrent: A {a0},{a1} B {b0},{b1}"
    );

    // The children are explorers: their own prompt and read-only tools.
    let child = r.request(1, 0);
    let mut tools = tool_names(child);
    tools.sort();
    assert_eq!(tools, ["glob", "grep", "list", "read"]);
    let system = system_prompt(child);
    assert!(system.contains("You are an explorer"), "{system}");
    assert!(
        system.contains("Use f-strings"),
        "AGENTS.md missing: {system}"
    );
    assert!(!system.contains("PARENT-EXPLORE"));
    // The read ran in the child and its result went to the child.
    assert!(tool_results(r.request(1, 1))[0].contains("def greet(name):"));

    // The parent's next request carries both findings, in call order.
    let results = tool_results(r.request(0, 1));
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].contains("FINDING-A"), "{results:?}");
    assert!(results[1].contains("FINDING-B"), "{results:?}");
    assert!(tool_names(r.request(0, 0)).iter().any(|t| t == "task"));

    // Faces can tell sub-agent events apart.
    let events = r.events();
    let started: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "subagent_started")
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(started.len(), 2, "{started:?}");
    assert!(events.iter().any(|e| e["type"] == "subagent"
        && e["event"]["type"] == "tool_call_started"
        && e["event"]["name"] == "read"));
    // A child's final message is not the run's.
    assert!(
        events.last().unwrap()["message"]
            .as_str()
            .unwrap()
            .starts_with("greet is in")
    );
}

#[test]
fn a_custom_agent_gets_its_prompt_and_only_its_tools() {
    let repo = fixture("greeter");
    let agents = repo.path().join(".claude/agents");
    std::fs::create_dir_all(&agents).unwrap();
    std::fs::write(
        agents.join("checker.md"),
        "---\nname: checker\ndescription: Checks greetings without changing anything\n\
         tools: Read, Grep\n---\nCHECKER-BODY: you check greeting functions.\n",
    )
    .unwrap();
    std::fs::write(agents.join("broken.md"), "no frontmatter at all\n").unwrap();
    // The SubagentStop hook runs when the child finishes.
    let log = tempfile::tempdir().unwrap();
    let hook_log = log.path().join("stop.log");
    let settings = json!({"hooks": {"SubagentStop": [{"hooks": [
        {"type": "command", "command": format!("cat >> {}", hook_log.display())}
    ]}]}});
    std::fs::write(
        repo.path().join(".claude/settings.json"),
        settings.to_string(),
    )
    .unwrap();

    let script = Script::new()
        .conversation(
            "PARENT-CUSTOM",
            vec![
                Turn::new().tool_use(
                    "task",
                    task("check greet", "CHECK-TASK: check greet", "checker"),
                ),
                Turn::say("The checker is done."),
            ],
        )
        .conversation(
            "CHECK-TASK",
            vec![
                // Outside its tools: must not run.
                Turn::new().tool_use(
                    "edit",
                    json!({"path": "src/greet.py", "old_string": "Hello", "new_string": "Howdy"}),
                ),
                Turn::say("CHECKED: greet is fine."),
            ],
        );
    // The hook is the repository's own: it runs in a trusted folder.
    let r = run(script, repo.path(), "PARENT-CUSTOM: check", &["--trust"]);
    assert!(r.out.status.success(), "{}", describe(&r.out));
    let stderr = String::from_utf8_lossy(&r.out.stderr);
    assert!(
        stderr.contains("warning: sub-agent") && stderr.contains("broken.md"),
        "{stderr}"
    );

    // The parent's task tool lists the custom type.
    let parent = &r.request(0, 0).body;
    assert!(parent.contains("checker: Checks greetings"), "{parent}");

    let child = r.request(1, 0);
    assert!(system_prompt(child).starts_with("CHECKER-BODY: you check greeting functions."));
    let mut tools = tool_names(child);
    tools.sort();
    assert_eq!(tools, ["grep", "read"]);
    let refused = tool_results(r.request(1, 1));
    assert!(refused[0].contains("no tool named `edit`"), "{refused:?}");

    // Nothing changed: no proposal, the file as it was.
    let result = r.events().pop().unwrap();
    assert_eq!(result["diff"], "", "{result}");
    let greet = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    assert!(greet.contains("\"Hello, \" + name"));
    assert!(tool_results(r.request(0, 1))[0].contains("CHECKED"));

    let hook = std::fs::read_to_string(&hook_log).unwrap_or_default();
    assert!(
        hook.contains("\"hook_event_name\":\"SubagentStop\"") && hook.contains("checker"),
        "{hook}"
    );
    assert_eq!(hook.matches("SubagentStop").count(), 1, "{hook}");
}

fn edit(old: &str, new: &str) -> Value {
    json!({"path": "src/greet.py", "old_string": old, "new_string": new})
}

/// Two writers in one parent turn: the first changes `greet`, the second
/// either `farewell` (elsewhere) or the line the first one changed.
fn writers(second_old: &str, second_new: &str) -> Run {
    let repo = fixture("greeter");
    let script = Script::new()
        .conversation(
            "PARENT-WRITE",
            vec![
                Turn::new()
                    .tool_use(
                        "task",
                        task("fix greet", "WRITER-ONE: fix greet", "general"),
                    )
                    .tool_use("task", task("fix more", "WRITER-TWO: fix more", "general")),
                Turn::say("Both writers are done."),
            ],
        )
        .conversation(
            "WRITER-ONE",
            vec![
                Turn::new().tool_use(
                    "edit",
                    edit("return \"Hello, \" + name", "return f\"Hello, {name}!\""),
                ),
                Turn::say("W1 done"),
            ],
        )
        .conversation(
            "WRITER-TWO",
            vec![
                Turn::new().tool_use("edit", edit(second_old, second_new)),
                Turn::say("W2 done"),
            ],
        );
    let r = run(script, repo.path(), "PARENT-WRITE: fix", &[]);
    assert!(r.out.status.success(), "{}", describe(&r.out));
    // Writers run one at a time.
    assert!(r.index(1, 1) < r.index(2, 0), "writers overlapped");
    // Nothing on disk.
    let greet = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    assert!(greet.contains("\"Hello, \" + name"));
    r
}

#[test]
fn writer_edits_join_the_proposal() {
    let r = writers("return \"Bye \" + name", "return f\"Goodbye, {name}.\"");
    let child = r.request(1, 0);
    assert!(tool_names(child).iter().any(|t| t == "edit"));
    assert!(!tool_names(child).iter().any(|t| t == "task"), "recursion");

    let result = r.events().pop().unwrap();
    let diff = result["diff"].as_str().unwrap();
    assert!(diff.contains("+    return f\"Hello, {name}!\""), "{diff}");
    assert!(diff.contains("+    return f\"Goodbye, {name}.\""), "{diff}");
    let results = tool_results(r.request(0, 1));
    assert!(results[0].contains("W1 done") && results[0].contains("src/greet.py"));
    assert!(results[1].contains("W2 done"));
    assert!(!results[1].contains("[conflict]"), "{results:?}");
    assert!(!r.events().iter().any(|e| e["type"] == "subagent_conflict"));
}

#[test]
fn writers_changing_the_same_lines_are_told_and_both_edits_stay() {
    // The second writer rewrites the line the first one wrote.
    let r = writers("return f\"Hello, {name}!\"", "return f\"Hi, {name}!\"");
    let diff = r.events().pop().unwrap()["diff"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(diff.contains("+    return f\"Hi, {name}!\""), "{diff}");
    let results = tool_results(r.request(0, 1));
    assert!(!results[0].contains("[conflict]"), "{results:?}");
    assert!(
        results[1].contains("[conflict]")
            && results[1].contains("line")
            && results[1].contains("src/greet.py")
            && results[1].contains("general-1 (fix greet)"),
        "{results:?}"
    );
    let events = r.events();
    let conflict = events
        .iter()
        .find(|e| e["type"] == "subagent_conflict")
        .expect("a subagent_conflict event");
    assert_eq!(conflict["path"], "src/greet.py");
    assert_eq!(conflict["id"], "general-2");
}

#[test]
fn subagent_usage_counts_toward_the_runs_usage_and_cost() {
    let repo = fixture("greeter");
    let usage = |i, o| ScriptUsage {
        input_tokens: i,
        output_tokens: o,
        ..ScriptUsage::default()
    };
    let script = Script::new()
        .conversation(
            "PARENT-COST",
            vec![
                Turn::new()
                    .tool_use("task", task("look", "COST-CHILD: look around", "explore"))
                    .usage(usage(100, 10)),
                Turn::say("done").usage(usage(100, 10)),
            ],
        )
        .conversation(
            "COST-CHILD",
            vec![
                Turn::new()
                    .tool_use("list", json!({}))
                    .usage(usage(1000, 100)),
                Turn::say("looked").usage(usage(1000, 100)),
            ],
        );
    // $1000 per million input tokens, $10000 per million output tokens.
    let prices = [
        "-c",
        "models.test-model.input=1000.0",
        "-c",
        "models.test-model.output=10000.0",
    ];
    let r = run(script, repo.path(), "PARENT-COST: look", &prices);
    assert!(r.out.status.success(), "{}", describe(&r.out));
    let events = r.events();
    let result = events.last().unwrap();
    assert_eq!(result["usage"]["input_tokens"], 2200, "{result}");
    assert_eq!(result["usage"]["output_tokens"], 220, "{result}");
    // Parent alone: 0.2 + 0.2; with the child: 2.2 + 2.2.
    let cost = result["cost_usd"].as_f64().unwrap();
    assert!((cost - 4.4).abs() < 1e-9, "{cost}");
    // The child's usage reached a top-level usage event before the end.
    let finished = events
        .iter()
        .find(|e| e["type"] == "subagent_finished")
        .unwrap();
    assert_eq!(finished["usage"]["input_tokens"], 2000);
    let totals: Vec<u64> = events
        .iter()
        .filter(|e| e["type"] == "usage")
        .map(|e| e["total"]["input_tokens"].as_u64().unwrap())
        .collect();
    assert_eq!(totals, [100, 2100, 2200], "{totals:?}");
}

#[test]
fn human_progress_shows_what_sub_agents_do() {
    let repo = fixture("greeter");
    let script = Script::new()
        .conversation(
            "PARENT-HUMAN",
            vec![
                Turn::new().tool_use(
                    "task",
                    task("find greet", "HUMAN-CHILD: find greet", "explore"),
                ),
                Turn::say("found"),
            ],
        )
        .conversation(
            "HUMAN-CHILD",
            vec![
                Turn::new().tool_use("read", json!({"path": "src/greet.py"})),
                Turn::say("it is in src/greet.py"),
            ],
        );
    let server = ScriptedServer::start(script);
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "PARENT-HUMAN: find"])
        .args(["--provider", PROVIDER, "--model", "test-model"])
        .args(["--base-url", &base_url(PROVIDER, &server.url())])
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("● task: find greet"), "{stderr}");
    assert!(stderr.contains("◆ explore-1: find greet"), "{stderr}");
    assert!(
        stderr.contains("  explore-1 ● read: src/greet.py"),
        "{stderr}"
    );
    assert!(stderr.contains("◆ explore-1 done"), "{stderr}");
}
