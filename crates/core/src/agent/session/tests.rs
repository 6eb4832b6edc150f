//! The turn loop against an in-process fake provider and fake tools.

use super::*;
use crate::model::{StopReason, ToolSpec};
use crate::sync::Mutex;
use crate::tools::{Permission, Tool, ToolOutput};
use crate::workspace::Workspace;
use async_trait::async_trait;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Plays scripted responses and records every request.
struct FakeProvider {
    responses: Mutex<Vec<Result<ModelResponse, ModelError>>>,
    requests: Mutex<Vec<ModelRequest>>,
    /// How long each call takes.
    delay: Duration,
}

impl FakeProvider {
    fn new(responses: Vec<ModelResponse>) -> Arc<Self> {
        Arc::new(FakeProvider {
            responses: Mutex::new(responses.into_iter().map(Ok).collect()),
            requests: Mutex::new(Vec::new()),
            delay: Duration::ZERO,
        })
    }
    fn requests(&self) -> Vec<ModelRequest> {
        self.requests.lock().clone()
    }
}

#[async_trait]
impl Provider for FakeProvider {
    fn name(&self) -> &str {
        "fake"
    }
    async fn stream(
        &self,
        request: &ModelRequest,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<ModelResponse, ModelError> {
        self.requests.lock().push(request.clone());
        let _ = deltas.send(ModelDelta::Text { text: "…".into() });
        tokio::time::sleep(self.delay).await;
        let mut r = self.responses.lock();
        if r.is_empty() {
            return Err(ModelError::Config(
                "fake provider: no more responses".into(),
            ));
        }
        r.remove(0)
    }
}

fn reply(blocks: Vec<Block>, input_tokens: u64) -> ModelResponse {
    let stop = if blocks.iter().any(|b| matches!(b, Block::ToolUse { .. })) {
        StopReason::ToolUse
    } else {
        StopReason::EndTurn
    };
    ModelResponse {
        message: Message {
            role: Role::Assistant,
            content: blocks,
        },
        usage: Usage {
            input_tokens,
            output_tokens: 10,
            ..Usage::default()
        },
        stop_reason: stop,
    }
}

fn text(t: &str) -> Block {
    Block::Text { text: t.into() }
}

fn call(id: &str, name: &str, input: Value) -> Block {
    Block::ToolUse {
        id: id.into(),
        name: name.into(),
        input,
    }
}

/// A read-only tool that sleeps and records when it ran.
struct Slow {
    spans: Arc<Mutex<Vec<(Instant, Instant)>>>,
    permission: Permission,
    name: &'static str,
}

#[async_trait]
impl Tool for Slow {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        "sleeps"
    }
    fn schema(&self) -> Value {
        json!({"type": "object"})
    }
    fn permission(&self) -> Permission {
        self.permission
    }
    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        let start = Instant::now();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = ctx.cancel.cancelled() => return ToolOutput::error("cancelled"),
        }
        self.spans.lock().push((start, Instant::now()));
        if input.get("huge").is_some() {
            return ToolOutput::ok("x".repeat(100_000));
        }
        if let Some(p) = input.get("write").and_then(Value::as_str) {
            ctx.workspace.write(p, Some("new\n".into())).unwrap();
        }
        ToolOutput::ok(format!("{} done", self.name))
    }
}

struct Harness {
    _dir: tempfile::TempDir,
    provider: Arc<FakeProvider>,
    session: Session,
    events: UnboundedReceiver<Event>,
    spans: Arc<Mutex<Vec<(Instant, Instant)>>>,
    cancel: CancellationToken,
}

fn harness(provider: Arc<FakeProvider>, tweak: impl FnOnce(&mut SessionConfig)) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("AGENTS.md"), "Always be brief.").unwrap();
    let ws = Arc::new(Workspace::new(dir.path()).unwrap());
    let cancel = CancellationToken::new();
    let ctx = Arc::new(ToolContext::new(ws, cancel.clone()));
    let spans = Arc::new(Mutex::new(Vec::new()));
    let mut tools = Registry::new();
    for (name, permission) in [
        ("look", Permission::ReadOnly),
        ("peek", Permission::ReadOnly),
        ("change", Permission::Edit),
    ] {
        tools.add(Arc::new(Slow {
            spans: spans.clone(),
            permission,
            name,
        }));
    }
    let mut config = SessionConfig::new("test-model", dir.path());
    tweak(&mut config);
    let (tx, rx) = mpsc::unbounded_channel();
    let session = Session::new(
        provider.clone(),
        "fake".into(),
        tools,
        ctx,
        config,
        tx,
        Arc::new(|u: &Usage| Some(u.input_tokens as f64 / 1e6)),
    );
    Harness {
        _dir: dir,
        provider,
        session,
        events: rx,
        spans,
        cancel,
    }
}

fn drain(rx: &mut UnboundedReceiver<Event>) -> Vec<Event> {
    let mut v = Vec::new();
    while let Ok(e) = rx.try_recv() {
        v.push(e);
    }
    v
}

fn tool_results(m: &Message) -> Vec<(String, String, bool)> {
    m.content
        .iter()
        .filter_map(|b| match b {
            Block::ToolResult {
                tool_use_id,
                content,
                is_error,
                ..
            } => Some((tool_use_id.clone(), content.clone(), *is_error)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn tool_loop_runs_until_the_model_ends_its_turn() {
    let p = FakeProvider::new(vec![
        reply(vec![text("Looking."), call("a", "look", json!({}))], 100),
        reply(vec![call("b", "change", json!({"write": "f.txt"}))], 200),
        reply(vec![text("All done.")], 300),
    ]);
    let mut h = harness(p, |_| {});
    assert_eq!(h.session.run("do it").await, Outcome::Done);

    let reqs = h.provider.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].system.contains("Always be brief."));
    assert!(
        reqs.iter().all(|r| r.system == reqs[0].system),
        "system prompt changed"
    );
    assert_eq!(
        reqs[0]
            .tools
            .iter()
            .map(|t: &ToolSpec| t.name.as_str())
            .collect::<Vec<_>>(),
        ["change", "look", "peek"]
    );
    assert_eq!(
        tool_results(reqs[1].messages.last().unwrap()),
        [("a".to_string(), "look done".to_string(), false)]
    );
    assert_eq!(h.session.usage().input_tokens, 600);

    let events = drain(&mut h.events);
    let kinds: Vec<String> = events
        .iter()
        .map(|e| {
            serde_json::to_value(e).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("started"));
    assert_eq!(kinds.last().map(String::as_str), Some("finished"));
    assert_eq!(kinds.iter().filter(|k| *k == "turn_started").count(), 3);
    assert!(events.contains(&Event::ProposalChanged {
        files: vec!["f.txt".into()],
        runs_code: Vec::new(),
    }));
    assert!(events.contains(&Event::Message {
        text: "All done.".into()
    }));
    assert!(events.iter().any(
        |e| matches!(e, Event::Usage { cost_usd: Some(c), .. } if (*c - 0.0006).abs() < 1e-9)
    ));
}

#[tokio::test]
async fn readers_run_in_parallel_and_writers_alone() {
    let p = FakeProvider::new(vec![
        reply(
            vec![
                call("1", "look", json!({})),
                call("2", "peek", json!({})),
                call("3", "change", json!({})),
                call("4", "change", json!({})),
            ],
            1,
        ),
        reply(vec![text("ok")], 1),
    ]);
    let mut h = harness(p, |_| {});
    let started = Instant::now();
    h.session.run("go").await;
    let spans = h.spans.lock().clone();
    assert_eq!(spans.len(), 4);
    let (r1, r2, w1, w2) = (spans[0], spans[1], spans[2], spans[3]);
    assert!(r1.0 < r2.1 && r2.0 < r1.1, "readers did not overlap");
    assert!(
        w1.0 >= r1.1.max(r2.1),
        "writer started before readers ended"
    );
    assert!(w2.0 >= w1.1, "writers overlapped");
    assert!(started.elapsed() >= Duration::from_millis(600));
    // Results are in call order.
    let reqs = h.provider.requests();
    let ids: Vec<String> = tool_results(reqs[1].messages.last().unwrap())
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
}

#[tokio::test]
async fn unknown_tools_and_bad_arguments_reach_the_model_as_errors() {
    let p = FakeProvider::new(vec![
        reply(
            vec![
                call("1", "nope", json!({})),
                call("2", "look", Value::String("{not json".into())),
            ],
            1,
        ),
        reply(vec![text("sorry")], 1),
    ]);
    let mut h = harness(p, |_| {});
    assert_eq!(h.session.run("go").await, Outcome::Done);
    let results = tool_results(h.provider.requests()[1].messages.last().unwrap());
    assert!(results[0].2 && results[0].1.contains("no tool named `nope`"));
    assert!(results[0].1.contains("look"), "available tools not listed");
    assert!(results[1].2 && results[1].1.contains("not a valid JSON object"));
}

#[tokio::test]
async fn huge_output_is_truncated_before_the_model_sees_it() {
    let p = FakeProvider::new(vec![
        reply(vec![call("1", "look", json!({"huge": true}))], 1),
        reply(vec![text("ok")], 1),
    ]);
    let mut h = harness(p, |c| c.tool_output_limit = 1000);
    h.session.run("go").await;
    let results = tool_results(h.provider.requests()[1].messages.last().unwrap());
    assert!(results[0].1.len() < 1200);
    assert!(results[0].1.contains("bytes (0 lines) cut"));
}

#[tokio::test]
async fn the_turn_limit_stops_the_run() {
    let p = FakeProvider::new(
        (0..5)
            .map(|i| reply(vec![call(&i.to_string(), "look", json!({ "n": i }))], 1))
            .collect(),
    );
    let mut h = harness(p, |c| c.max_turns = 3);
    assert_eq!(h.session.run("loop forever").await, Outcome::TurnLimit);
    assert_eq!(h.provider.requests().len(), 3);
}

#[tokio::test]
async fn a_model_error_ends_the_run_with_an_error_event() {
    let p = FakeProvider::new(vec![]);
    let mut h = harness(p, |_| {});
    assert_eq!(h.session.run("go").await, Outcome::ModelError);
    let events = drain(&mut h.events);
    assert!(
        events.iter().any(
            |e| matches!(e, Event::Error { message } if message.contains("no more responses"))
        )
    );
}

#[tokio::test]
async fn cancel_mid_tool_leaves_a_valid_conversation_to_follow_up() {
    let p = FakeProvider::new(vec![
        reply(
            vec![call("1", "change", json!({})), call("2", "look", json!({}))],
            1,
        ),
        reply(vec![text("resumed")], 1),
    ]);
    let mut h = harness(p, |_| {});
    let cancel = h.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancel.cancel();
    });
    assert_eq!(h.session.run("go").await, Outcome::Cancelled);
    let last = h.session.messages().last().unwrap().clone();
    let results = tool_results(&last);
    assert_eq!(results.len(), 2, "every tool_use needs a result");
    assert!(results[1].1.contains("cancelled"));

    // A follow-up continues from there with a fresh token.
    let mut h2 = h;
    let ctx = Arc::new(ToolContext::new(
        h2.session.ctx.workspace.clone(),
        CancellationToken::new(),
    ));
    h2.session.ctx = ctx;
    assert_eq!(h2.session.run("continue").await, Outcome::Done);
    let req = h2.provider.requests().last().unwrap().clone();
    let last_user = req.messages.last().unwrap();
    assert_eq!(last_user.role, Role::User);
    assert_eq!(tool_results(last_user).len(), 2);
    assert!(matches!(last_user.content.last(), Some(Block::Text { text }) if text == "continue"));
}

#[tokio::test]
async fn cancel_mid_model_call_returns_at_once() {
    let p = Arc::new(FakeProvider {
        responses: Mutex::new(vec![Ok(reply(vec![text("late")], 1))]),
        requests: Mutex::new(Vec::new()),
        delay: Duration::from_secs(30),
    });
    let mut h = harness(p, |_| {});
    let cancel = h.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancel.cancel();
    });
    let t = Instant::now();
    assert_eq!(h.session.run("go").await, Outcome::Cancelled);
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn steering_reaches_the_next_request() {
    let p = FakeProvider::new(vec![
        reply(vec![call("1", "look", json!({}))], 1),
        reply(vec![text("ok")], 1),
    ]);
    let mut h = harness(p, |_| {});
    let steer = h.session.steer_handle();
    steer.send("use the other file");
    h.session.run("go").await;
    let reqs = h.provider.requests();
    // Queued before the first call: it joins the first user message.
    let first_user = &reqs[0].messages[0];
    assert!(first_user.text().contains("use the other file"));
    let events = drain(&mut h.events);
    assert!(events.contains(&Event::Steered {
        message: "use the other file".into()
    }));
}

#[tokio::test]
async fn compaction_replaces_older_turns_with_a_summary() {
    let mut responses = Vec::new();
    for i in 0..4 {
        responses.push(reply(
            vec![call(&i.to_string(), "look", json!({ "n": i }))],
            10,
        ));
    }
    // This call reports a nearly full context: the next turn compacts first.
    responses.push(reply(vec![call("4", "look", json!({ "n": 4 }))], 950));
    responses.push(reply(vec![text("SUMMARY: read things")], 10));
    responses.push(reply(vec![text("finished")], 10));
    let p = FakeProvider::new(responses);
    let mut h = harness(p, |c| {
        c.context_window = 1000;
        c.keep_recent_messages = 2;
    });
    assert_eq!(h.session.run("the original task").await, Outcome::Done);
    let reqs = h.provider.requests();
    assert_eq!(reqs.len(), 7);
    let summary_req = &reqs[5];
    assert!(
        summary_req
            .messages
            .last()
            .unwrap()
            .text()
            .contains("Write a summary")
    );
    let after = &reqs[6];
    assert!(after.messages.len() < reqs[4].messages.len());
    let first = after.messages[0].text();
    assert!(first.contains("the original task") && first.contains("SUMMARY: read things"));
    assert_eq!(after.messages[1].role, Role::Assistant);
    let events = drain(&mut h.events);
    assert!(events.iter().any(|e| matches!(e, Event::Compacted { .. })));
}

/// Claude Code's compaction hooks: PreCompact before, PostCompact with the
/// summary after, then SessionStart with source `compact`, whose context
/// reaches the model's next call (and not before).
#[tokio::test]
async fn compaction_runs_the_compact_hooks() {
    let mut responses = Vec::new();
    for i in 0..4 {
        responses.push(reply(
            vec![call(&i.to_string(), "look", json!({ "n": i }))],
            10,
        ));
    }
    responses.push(reply(vec![call("4", "look", json!({ "n": 4 }))], 950));
    responses.push(reply(vec![text("SUMMARY: read things")], 10));
    responses.push(reply(vec![text("finished")], 10));
    let p = FakeProvider::new(responses);
    let mut h = harness(p, |c| {
        c.context_window = 1000;
        c.keep_recent_messages = 2;
    });
    let log = h._dir.path().join("hooks.jsonl");
    let logger = format!("cat >> {0}; echo >> {0}", log.display());
    let settings = json!({"hooks": {
        "PreCompact": [{"matcher": "auto", "hooks": [{"type": "command", "command": logger}]}],
        "PostCompact": [{"hooks": [{"type": "command", "command": logger}]}],
        "SessionStart": [{"matcher": "compact", "hooks": [
            {"type": "command", "command": "echo AFTER-COMPACT-CONTEXT"}
        ]}]
    }});
    let mut gate = Gate::open(h._dir.path().to_path_buf());
    gate.hooks = crate::hooks::Hooks::from_claude_settings(&settings).unwrap();
    h.session = h.session.with_gate(Arc::new(gate));
    assert_eq!(h.session.run("the original task").await, Outcome::Done);
    let logged: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert_eq!(
        (&logged[0]["hook_event_name"], &logged[0]["trigger"]),
        (&json!("PreCompact"), &json!("auto"))
    );
    assert_eq!(logged[1]["hook_event_name"], "PostCompact");
    assert_eq!(logged[1]["compact_summary"], "SUMMARY: read things");
    let reqs = h.provider.requests();
    let said = |i: usize| format!("{:?}", reqs[i].messages).contains("AFTER-COMPACT-CONTEXT");
    assert!(!said(4) && said(6));
}

#[test]
fn today_is_a_plausible_date() {
    let d = today();
    assert_eq!(d.len(), 10);
    assert!(d.as_str() > "2024-01-01", "{d}");
}

#[tokio::test]
async fn the_cost_cap_ends_the_run_after_the_call_that_reached_it() {
    // $0.001 a call (1000 input tokens at $1 per million).
    let p = FakeProvider::new(
        (0..5)
            .map(|i| reply(vec![call(&i.to_string(), "look", json!({ "n": i }))], 1000))
            .collect(),
    );
    let mut h = harness(p, |c| c.max_cost = Some(0.0025));
    assert_eq!(h.session.run("look around").await, Outcome::Budget);
    assert_eq!(h.provider.requests().len(), 3);
    // The last call's tool calls were not run, and the conversation can
    // still be continued: it ends with their results.
    let last = h.session.messages().last().unwrap();
    assert_eq!(last.role, Role::User);
    assert!(matches!(
        &last.content[..],
        [Block::ToolResult { content, is_error: true, .. }] if content.contains("cost cap")
    ));
    let events = drain(&mut h.events);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Error { message } if message == "budget: the cost cap of $0.0025 was reached ($0.0030 spent)"
    )));
    assert!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Usage { .. }))
            .all(|e| matches!(e, Event::Usage { max_cost_usd: Some(c), .. } if *c == 0.0025))
    );
}

/// A turn the provider paused during its own search (Anthropic's
/// `pause_turn`) is sent back as it is and goes on; the search shows as a
/// `web_search` call and its page joins the sources.
#[tokio::test]
async fn a_paused_turn_is_sent_back_and_goes_on() {
    let call = json!({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
                      "input": {"query": "q"}});
    let result = json!({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1",
                        "content": [{"type": "web_search_result", "url": "https://a.test/", "title": "A"}]});
    let hosted = |item: &Value| Block::Hosted {
        provider: crate::model::hosted::ANTHROPIC.into(),
        item: item.clone(),
    };
    let mut paused = reply(vec![hosted(&call), hosted(&result), text("Looking")], 10);
    paused.stop_reason = StopReason::Paused;
    let p = FakeProvider::new(vec![paused, reply(vec![text("found it")], 10)]);
    let mut h = harness(p, |_| {});
    assert_eq!(h.session.run("search").await, Outcome::Done);
    let reqs = h.provider.requests();
    assert_eq!(reqs.len(), 2, "the paused turn went on");
    let last = reqs[1].messages.last().unwrap();
    assert_eq!(last.role, Role::Assistant);
    assert_eq!(last.content[0], hosted(&call));
    let searched = drain(&mut h.events).into_iter().any(|e| {
        matches!(e, Event::ToolCallStarted { name, input, .. } if name == "web_search" && input["query"] == "q")
    });
    assert!(searched, "the search is shown as a call");
    let sources = h.session.ctx.sources.lock().clone();
    assert_eq!(sources[0].kind, "web_search");
    assert_eq!(sources[0].name, "https://a.test/");
}
