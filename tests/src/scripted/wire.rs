//! Pieces shared by the three protocol writers.

use super::script::{ScriptBlock, Turn};
use serde_json::Value;

/// One server-sent event to write.
#[derive(Debug, Clone, PartialEq)]
pub struct SseOut {
    pub event: Option<String>,
    pub data: String,
}

impl SseOut {
    pub fn named(event: &str, data: &Value) -> Self {
        SseOut {
            event: Some(event.into()),
            data: data.to_string(),
        }
    }

    pub fn data(data: impl Into<String>) -> Self {
        SseOut {
            event: None,
            data: data.into(),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = String::new();
        if let Some(e) = &self.event {
            s.push_str(&format!("event: {e}\n"));
        }
        for line in self.data.split('\n') {
            s.push_str(&format!("data: {line}\n"));
        }
        s.push('\n');
        s.into_bytes()
    }
}

/// Split text into a few pieces, at char boundaries, so clients must
/// reassemble deltas (and JSON cut inside strings).
pub fn pieces(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 1 || n <= 1 {
        return vec![text.to_string()];
    }
    let size = chars.len().div_ceil(n).max(1);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

/// The tool-use id of block `index` of a turn: the script's, or a generated
/// one unique within the conversation.
pub fn tool_id(prefix: &str, turn: usize, index: usize, block: &ScriptBlock) -> String {
    match block {
        ScriptBlock::ToolUse { id: Some(id), .. }
        | ScriptBlock::CustomToolCall { id: Some(id), .. } => id.clone(),
        _ => format!("{prefix}_{turn}_{index}"),
    }
}

/// Rough token count of what a turn says: a quarter of its bytes.
pub fn output_tokens(turn: &Turn) -> u64 {
    let bytes: usize = turn
        .blocks
        .iter()
        .map(|b| match b {
            ScriptBlock::Text { text } | ScriptBlock::Thinking { text, .. } => text.len(),
            ScriptBlock::ToolUse { name, input, .. } => name.len() + input.to_string().len(),
            ScriptBlock::CustomToolCall { name, input, .. } => name.len() + input.len(),
            ScriptBlock::WebSearch { query, .. } => query.len(),
        })
        .sum();
    (bytes as u64).div_ceil(4).max(1)
}

pub fn tokens_of(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(4)
}
