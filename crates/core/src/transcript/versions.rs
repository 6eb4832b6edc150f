//! Transcripts across versions: one written before lines carried a version
//! (the fixture is the exact output of that code: a task that edited a file,
//! with a sub-agent event, ended by a line torn mid-write) still reads; lines
//! this version cannot read are skipped with a reason, never the whole file;
//! every line written now carries the version.

use super::*;
use crate::agent::Outcome;
use crate::model::{Block, Role};
use crate::protocol::{PROTOCOL_VERSION, Unreadable};
use serde_json::Value;

const BEFORE_VERSIONS: &str = include_str!("testdata/transcript_before_versions.jsonl");

fn events(lines: &[Line]) -> Vec<&Event> {
    lines
        .iter()
        .filter_map(|l| match l {
            Line::Event { event, .. } => Some(event),
            _ => None,
        })
        .collect()
}

#[test]
fn a_transcript_from_before_versions_reads_as_it_did() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("t.jsonl");
    std::fs::write(&path, BEFORE_VERSIONS).unwrap();
    let (lines, skipped) = read_all(&path).unwrap();
    assert_eq!(lines.len(), 13, "{lines:#?}");
    // Only the torn last line is left out.
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].line, 14);
    assert!(matches!(skipped[0].why, Unreadable::NotJson(_)));
    assert!(matches!(&lines[0], Line::Request { kind, .. } if kind == "start"));
    let conversation = conversation(&lines);
    assert_eq!(conversation.len(), 4);
    assert!(matches!(
        &conversation[2].content[0],
        Block::ToolResult { content, .. } if content == "edited src/lib.rs"
    ));
    assert_eq!(
        conversation[3],
        Message::assistant_text("Renamed foo to bar.")
    );
    let events = events(&lines);
    assert!(matches!(events[0], Event::Started { model, .. } if model == "claude-sonnet-4-5"));
    assert!(matches!(
        events[5],
        Event::Subagent { id, event } if id == "explore-1"
            && **event == Event::TextDelta { text: "found it".into() }
    ));
    assert_eq!(
        events.last(),
        Some(&&Event::Finished {
            outcome: Outcome::Done
        })
    );

    // A follow-up appends versioned lines after the old ones; all read.
    // The old messages have no uuids to link to, so the conversation is
    // written again whole in the new shape, starting over.
    let t = Transcript::open(&path, &lines, Writer::default()).unwrap();
    let mut more = conversation.clone();
    more.push(Message::user_text("and the docs"));
    t.messages(&more).unwrap();
    let (lines, _) = read_all(&path).unwrap();
    assert_eq!(lines.len(), 13 + 5);
    assert!(matches!(&lines[13], Line::User(e) if e.parent_uuid.is_none()));
    assert_eq!(super::conversation(&lines), more);
}

#[test]
fn lines_it_cannot_read_are_skipped_and_the_rest_reads() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("t.jsonl");
    let t = Transcript::open(&path, &[], Writer::default()).unwrap();
    t.append(&Line::Request {
        at: 1,
        kind: "start".into(),
        text: "go".into(),
    })
    .unwrap();
    let foreign = [
        // An event type this version does not know.
        r#"{"v":1,"type":"event","at":2,"event":{"type":"no_such_event","x":1}}"#,
        // A newer version's line of a kind this one does not know.
        r#"{"v":7,"type":"hologram","at":3}"#,
        // A newer version's known event with a field added: it reads.
        r#"{"v":7,"type":"event","at":4,"event":{"type":"steered","message":"hi","tone":"calm"}}"#,
    ];
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    for line in foreign {
        writeln!(file, "{line}").unwrap();
    }
    let conv = vec![Message::user_text("go")];
    t.messages(&conv).unwrap();

    let (lines, skipped) = read_all(&path).unwrap();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert_eq!(
        events(&lines),
        [&Event::Steered {
            message: "hi".into()
        }]
    );
    assert_eq!(conversation(&lines), conv);
    let why: Vec<(usize, bool)> = skipped
        .iter()
        .map(|s| (s.line, matches!(s.why, Unreadable::Newer { v: 7, .. })))
        .collect();
    assert_eq!(why, [(2, false), (3, true)], "{skipped:?}");
    assert!(matches!(skipped[0].why, Unreadable::Unknown(_)));
    // `read`, what a task resumes from, gives the same lines.
    assert_eq!(read(&path).unwrap(), lines);
}

#[test]
fn every_line_written_carries_the_version_beside_its_fields() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("t.jsonl");
    let t = Transcript::open(&path, &[], Writer::default()).unwrap();
    t.append(&Line::Request {
        at: 1,
        kind: "start".into(),
        text: "go".into(),
    })
    .unwrap();
    t.messages(&[Message {
        role: Role::User,
        content: vec![Block::Text { text: "go".into() }],
    }])
    .unwrap();
    t.append(&Line::Event {
        at: 2,
        event: Event::TurnStarted { turn: 1 },
    })
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let values: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let shapes: Vec<(&Value, &Value)> = values.iter().map(|v| (&v["v"], &v["type"])).collect();
    let v = Value::from(PROTOCOL_VERSION);
    assert_eq!(
        shapes,
        [
            (&v, &Value::from("request")),
            (&v, &Value::from("user")),
            (&v, &Value::from("event")),
        ]
    );
    // Today's fields are all still there.
    assert_eq!(values[2]["event"]["type"], "turn_started");
    assert_eq!(values[2]["at"], 2);
}
