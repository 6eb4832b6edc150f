//! The event `type` names held to `EVENT_TYPES`: one sample of every
//! variant (the match below is exhaustive, so a new variant does not
//! compile until it has one) serialized by serde and compared with the
//! list. Renaming a variant, or its serde name, fails here before it breaks
//! a client or a saved transcript.

use super::{EVENT_TYPES, Event, Outcome, Usage};
use serde_json::{Value, json};

/// One event of each variant.
fn samples() -> Vec<Event> {
    let usage = Usage::default();
    vec![
        Event::Started {
            model: "m".into(),
            provider: "p".into(),
            instructions: vec![],
            sandbox: None,
        },
        Event::TurnStarted { turn: 1 },
        Event::TextDelta { text: "t".into() },
        Event::ThinkingDelta { text: "t".into() },
        Event::Retrying {
            attempt: 1,
            delay_ms: 10,
            reason: "r".into(),
        },
        Event::ToolCallStarted {
            id: "c".into(),
            name: "read".into(),
            input: json!({}),
        },
        Event::ToolCallFinished {
            id: "c".into(),
            name: "read".into(),
            output: "o".into(),
            is_error: false,
        },
        Event::ProposalChanged {
            files: vec!["a".into()],
            runs_code: vec![],
        },
        Event::Steered {
            message: "s".into(),
        },
        Event::Compacted {
            messages_before: 4,
            messages_after: 2,
        },
        Event::Usage {
            call: usage,
            total: usage,
            cost_usd: None,
            max_cost_usd: Some(0.5),
        },
        Event::Message { text: "m".into() },
        Event::Finished {
            outcome: Outcome::Done,
        },
        Event::SubagentStarted {
            id: "explore-1".into(),
            agent_type: "explore".into(),
            description: "d".into(),
            model: "m".into(),
        },
        Event::Subagent {
            id: "explore-1".into(),
            event: Box::new(Event::TurnStarted { turn: 1 }),
        },
        Event::SubagentConflict {
            id: "w-2".into(),
            path: "a".into(),
            lines: "1-2".into(),
            with: "w-1".into(),
        },
        Event::SubagentFinished {
            id: "explore-1".into(),
            agent_type: "explore".into(),
            outcome: Outcome::Done,
            usage,
            cost_usd: None,
        },
        Event::Error {
            message: "e".into(),
        },
        Event::InstructionsLoaded {
            files: vec![],
            trigger: "a".into(),
        },
        Event::ContextLoaded {
            skills: vec![],
            project_memory: None,
            user_memory: None,
        },
        Event::Warning {
            message: "w".into(),
        },
        Event::McpServer {
            server: "s".into(),
            tools: 0,
            error: None,
        },
        Event::Untrusted {
            folder: "f".into(),
            reason: "r".into(),
            skipped: vec![],
        },
        Event::ToolProgress {
            id: "c".into(),
            progress: 2.0,
            total: Some(5.0),
            message: Some("step 2".into()),
        },
    ]
}

/// The index of `event`'s variant in `samples()`; exhaustive, no wildcard,
/// so a variant added to `Event` must be added here and to the samples.
fn position(event: &Event) -> usize {
    match event {
        Event::Started { .. } => 0,
        Event::TurnStarted { .. } => 1,
        Event::TextDelta { .. } => 2,
        Event::ThinkingDelta { .. } => 3,
        Event::Retrying { .. } => 4,
        Event::ToolCallStarted { .. } => 5,
        Event::ToolCallFinished { .. } => 6,
        Event::ProposalChanged { .. } => 7,
        Event::Steered { .. } => 8,
        Event::Compacted { .. } => 9,
        Event::Usage { .. } => 10,
        Event::Message { .. } => 11,
        Event::Finished { .. } => 12,
        Event::SubagentStarted { .. } => 13,
        Event::Subagent { .. } => 14,
        Event::SubagentConflict { .. } => 15,
        Event::SubagentFinished { .. } => 16,
        Event::Error { .. } => 17,
        Event::InstructionsLoaded { .. } => 18,
        Event::ContextLoaded { .. } => 19,
        Event::Warning { .. } => 20,
        Event::McpServer { .. } => 21,
        Event::Untrusted { .. } => 22,
        Event::ToolProgress { .. } => 23,
    }
}

#[test]
fn every_variant_has_its_listed_wire_name_and_reads_back() {
    let samples = samples();
    assert_eq!(
        samples.len(),
        EVENT_TYPES.len(),
        "one sample per listed type"
    );
    for (i, event) in samples.iter().enumerate() {
        assert_eq!(position(event), i, "samples in `position` order: {event:?}");
        let value = serde_json::to_value(event).unwrap();
        assert_eq!(
            value["type"],
            Value::from(EVENT_TYPES[i]),
            "the wire name of {event:?} changed: clients and saved transcripts use {:?}",
            EVENT_TYPES[i]
        );
        let back: Event = serde_json::from_value(value).unwrap();
        assert_eq!(&back, event);
    }
}

#[test]
fn outcomes_and_usage_keep_their_wire_names() {
    let outcomes = [
        Outcome::Done,
        Outcome::TurnLimit,
        Outcome::Cancelled,
        Outcome::ModelError,
        Outcome::Stuck,
        Outcome::Budget,
    ];
    let names: Vec<Value> = outcomes
        .iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "done",
            "turn_limit",
            "cancelled",
            "model_error",
            "stuck",
            "budget"
        ]
        .map(Value::from)
    );
    assert_eq!(
        serde_json::to_value(Usage::default()).unwrap(),
        json!({"input_tokens": 0, "output_tokens": 0, "cache_read_tokens": 0, "cache_write_tokens": 0})
    );
}
