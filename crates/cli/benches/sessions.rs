//! Benchmark: going on with a long conversation. Tandem's own work before
//! the first request of `tandem exec --continue` on a 200-message session
//! (find the folder's latest session, read its log back into the
//! conversation, encode the conversation as a request body), against the
//! same for a 2-message session, measured in the same process and printed
//! with their ratio. The bar: under 5 ms for 200 messages.
//!
//! Run: `cargo bench -p tandem-cli --bench sessions`

use std::time::{Duration, Instant};
use tandem_core::model::{Block, Message, Role};
use tandem_core::session::saved;
use tandem_core::transcript::{Transcript, Writer};

const ROUNDS: usize = 200;

/// A conversation like a real one: prompts, answers, tool calls and
/// results of a few hundred bytes to a few kilobytes.
fn conversation(n: usize) -> Vec<Message> {
    (0..n)
        .map(|i| match i % 4 {
            0 => Message::user_text(format!("Step {i}: fix the failing test in src/mod_{i}.rs")),
            1 => Message {
                role: Role::Assistant,
                content: vec![
                    Block::Text {
                        text: "I will read the file first.".into(),
                    },
                    Block::ToolUse {
                        id: format!("call_{i}"),
                        name: "read".into(),
                        input: serde_json::json!({ "path": format!("src/mod_{i}.rs") }),
                    },
                ],
            },
            2 => Message {
                role: Role::User,
                content: vec![Block::ToolResult {
                    tool_use_id: format!("call_{}", i - 1),
                    content: "fn f() {\n    let x = 1;\n}\n".repeat(40),
                    is_error: false,
                    images: Vec::new(),
                }],
            },
            _ => Message::assistant_text(
                "The test passes now: `cargo test` reports 12 passed.".repeat(4),
            ),
        })
        .collect()
}

fn time_to_request(root: &std::path::Path) -> Duration {
    let t = Instant::now();
    let found = saved::latest(root).expect("a session");
    let loaded = saved::load(&found).expect("readable");
    let body = serde_json::to_vec(&loaded.messages).unwrap();
    assert!(!body.is_empty());
    t.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn measure(messages: usize) -> Duration {
    let state = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    // The state folder the session logs live in (`dirs::state_dir`).
    unsafe { std::env::set_var("XDG_STATE_HOME", state.path()) };
    let root = repo.path().canonicalize().unwrap();
    let dir = saved::dir(&root).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.jsonl");
    let log = Transcript::open(
        &path,
        &[],
        Writer {
            session_id: "bench".into(),
            cwd: root.display().to_string(),
        },
    )
    .unwrap();
    log.messages(&conversation(messages)).unwrap();
    let samples: Vec<Duration> = (0..ROUNDS).map(|_| time_to_request(&root)).collect();
    median(samples)
}

fn main() {
    let long = measure(200);
    let short = measure(2);
    println!(
        "continue a session: 200 messages {:.3} ms, 2 messages {:.3} ms (baseline), ratio {:.1}x; bar 5 ms: {}",
        long.as_secs_f64() * 1e3,
        short.as_secs_f64() * 1e3,
        long.as_secs_f64() / short.as_secs_f64().max(1e-9),
        if long < Duration::from_millis(5) {
            "met"
        } else {
            "NOT met"
        }
    );
}
