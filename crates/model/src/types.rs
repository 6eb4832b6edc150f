//! Provider-neutral conversation types. Each wire adapter maps these to and
//! from its own JSON; the agent only ever sees these.

use crate::image::{Image, result_content::Content};
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
///
/// Saved through `Saved`: the same shape, except that a tool result with
/// images keeps them inside its `content` list, as Claude Code does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Saved", into = "Saved")]
pub enum Block {
    Text {
        text: String,
    },
    Thinking {
        text: String,
        /// Anthropic `signature`, or OpenAI Responses `encrypted_content`.
        signature: Option<String>,
        /// Anthropic `redacted_thinking` data: opaque, sent back as is.
        redacted: Option<String>,
        /// OpenAI Responses reasoning item id.
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
        is_error: bool,
        /// Images the tool returned (a `read` of a PNG, an MCP tool's
        /// image content), after the text.
        images: Vec<Image>,
    },
    /// An image the user gave (`tandem exec -i`), in a user message.
    Image(Image),
    /// A block of a tool the provider ran itself (its web search), as the
    /// provider sent it: sent back only to that provider's adapter
    /// (`hosted::ANTHROPIC`, `hosted::RESPONSES`); `hosted::read` says
    /// what it holds.
    Hosted {
        provider: String,
        item: Value,
    },
}

impl Block {
    /// A tool result of text alone.
    pub fn tool_result(id: impl Into<String>, content: impl Into<String>, is_error: bool) -> Self {
        Block::ToolResult {
            tool_use_id: id.into(),
            content: content.into(),
            is_error,
            images: Vec::new(),
        }
    }
}

/// `Block` as it is written and read.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Saved {
    Text {
        text: String,
    },
    Thinking {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        redacted: Option<String>,
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
        content: Content,
        #[serde(default)]
        is_error: bool,
    },
    Image(Image),
    Hosted {
        provider: String,
        item: Value,
    },
}

impl From<Saved> for Block {
    fn from(s: Saved) -> Block {
        match s {
            Saved::Text { text } => Block::Text { text },
            Saved::Thinking {
                text,
                signature,
                redacted,
                id,
            } => Block::Thinking {
                text,
                signature,
                redacted,
                id,
            },
            Saved::ToolUse { id, name, input } => Block::ToolUse { id, name, input },
            Saved::ToolResult {
                tool_use_id,
                content,
                is_error,
            } => {
                let (content, images) = content.split();
                Block::ToolResult {
                    tool_use_id,
                    content,
                    is_error,
                    images,
                }
            }
            Saved::Image(i) => Block::Image(i),
            Saved::Hosted { provider, item } => Block::Hosted { provider, item },
        }
    }
}

impl From<Block> for Saved {
    fn from(b: Block) -> Saved {
        match b {
            Block::Text { text } => Saved::Text { text },
            Block::Thinking {
                text,
                signature,
                redacted,
                id,
            } => Saved::Thinking {
                text,
                signature,
                redacted,
                id,
            },
            Block::ToolUse { id, name, input } => Saved::ToolUse { id, name, input },
            Block::ToolResult {
                tool_use_id,
                content,
                is_error,
                images,
            } => Saved::ToolResult {
                tool_use_id,
                content: Content::new(&content, &images),
                is_error,
            },
            Block::Image(i) => Saved::Image(i),
            Block::Hosted { provider, item } => Saved::Hosted { provider, item },
        }
    }
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

    /// The same message with every image replaced by a note saying it was
    /// left out: for a model the table marks as taking no images.
    pub fn without_images(&self) -> Message {
        let mut content = Vec::with_capacity(self.content.len());
        for b in &self.content {
            match b {
                Block::Image(i) => content.push(Block::Text { text: i.note() }),
                Block::ToolResult {
                    tool_use_id,
                    content: text,
                    is_error,
                    images,
                } if !images.is_empty() => {
                    let mut text = text.clone();
                    for i in images {
                        text.push_str(&format!("\n{}", i.note()));
                    }
                    content.push(Block::tool_result(tool_use_id.clone(), text, *is_error));
                }
                other => content.push(other.clone()),
            }
        }
        Message {
            role: self.role,
            content,
        }
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
    /// Offer the provider's own web search (see `hosted`); adapters without
    /// one (Chat Completions) leave it out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub web_search: bool,
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
    /// The provider paused a long turn of its own tools (Anthropic's
    /// `pause_turn` during a web search): sending the conversation back as
    /// it is lets the turn go on.
    Paused,
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
