//! Provider-neutral conversation types. Each wire adapter maps these to and
//! from its own JSON; the agent only ever sees these.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// One piece of a message. Thinking is kept verbatim (with its signature or
/// encrypted payload) because both Anthropic and OpenAI require reasoning to be
/// sent back unchanged on the following request of a tool-use turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Text {
        text: String,
    },
    Thinking {
        text: String,
        /// Anthropic `signature`, or OpenAI Responses `encrypted_content`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        /// Anthropic `redacted_thinking` data: opaque, sent back as is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        redacted: Option<String>,
        /// OpenAI Responses reasoning item id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    ToolResult {
        tool_use_id: String,
        content: String,
        #[serde(default)]
        is_error: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: Vec<Block>,
}

impl Message {
    pub fn user_text(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: vec![Block::Text { text: text.into() }],
        }
    }

    pub fn assistant_text(text: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            content: vec![Block::Text { text: text.into() }],
        }
    }

    /// All text blocks joined, for summaries and final answers.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for b in &self.content {
            if let Block::Text { text } = b {
                out.push_str(text);
            }
        }
        out
    }

    pub fn tool_uses(&self) -> impl Iterator<Item = (&str, &str, &Value)> {
        self.content.iter().filter_map(|b| match b {
            Block::ToolUse { id, name, input } => Some((id.as_str(), name.as_str(), input)),
            _ => None,
        })
    }
}

/// A tool as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON Schema of the input object.
    pub input_schema: Value,
    /// The tool also takes its input as free text in this grammar (the
    /// OpenAI Responses API's custom tools). Only that adapter uses it; the
    /// others always send the function form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeform: Option<Freeform>,
}

/// A tool's free-text form: the model writes text the grammar accepts, not
/// JSON, and the text reaches the tool as the string field `field` of an
/// ordinary input object, so the tool itself takes one input shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Freeform {
    /// "lark" or "regex".
    pub syntax: String,
    pub definition: String,
    pub field: String,
}

/// One call to a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRequest {
    pub model: String,
    pub system: String,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolSpec>,
    pub max_tokens: u32,
    /// Extended thinking / reasoning budget in tokens, when the model has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_budget: Option<u32>,
}

/// Token counts: moved to the protocol, since events carry them.
pub use tandem_protocol::Usage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndTurn,
    ToolUse,
    MaxTokens,
    /// The provider refused or filtered the output.
    Refusal,
    Other,
}

/// The assembled result of one successful model call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResponse {
    /// Always `Role::Assistant`.
    pub message: Message,
    pub usage: Usage,
    pub stop_reason: StopReason,
}

/// What a provider reports while a call streams. Deltas are for display only;
/// the agent acts on the assembled `ModelResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ModelDelta {
    Text {
        text: String,
    },
    Thinking {
        text: String,
    },
    ToolCallStarted {
        id: String,
        name: String,
    },
    /// The call failed mid-way and is being tried again: faces should drop
    /// the partial text they showed for this call.
    Retrying {
        attempt: u32,
        delay_ms: u64,
        reason: String,
    },
}
