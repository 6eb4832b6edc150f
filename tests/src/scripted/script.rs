//! What the scripted model says: conversations of turns, each turn a list of
//! content blocks, optionally preceded by faults. Built in Rust by tests or
//! read from JSON by the `scripted-model` binary.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Script {
    pub conversations: Vec<Conversation>,
}

/// A script as JSON: `{"conversations": [...]}` or a bare `{"turns": [...]}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScriptJson {
    Many { conversations: Vec<Conversation> },
    One { turns: Vec<Turn> },
}

impl Script {
    pub fn new() -> Self {
        Script {
            conversations: vec![Conversation::default()],
        }
    }

    /// Add a turn to the last conversation.
    pub fn turn(mut self, turn: Turn) -> Self {
        if self.conversations.is_empty() {
            self.conversations.push(Conversation::default());
        }
        self.conversations.last_mut().unwrap().turns.push(turn);
        self
    }

    /// Add a conversation served to requests whose body contains `text`.
    pub fn conversation(mut self, text: &str, turns: Vec<Turn>) -> Self {
        if self.conversations.len() == 1 && self.conversations[0].turns.is_empty() {
            self.conversations.clear();
        }
        self.conversations.push(Conversation {
            match_text: Some(text.to_string()),
            turns,
        });
        self
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        match serde_json::from_str::<ScriptJson>(text).map_err(|e| e.to_string())? {
            ScriptJson::Many { conversations } => Ok(Script { conversations }),
            ScriptJson::One { turns } => Ok(Script {
                conversations: vec![Conversation {
                    match_text: None,
                    turns,
                }],
            }),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Conversation {
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub match_text: Option<String>,
    pub turns: Vec<Turn>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Turn {
    #[serde(default)]
    pub blocks: Vec<ScriptBlock>,
    /// Each fault answers one request before the turn itself is served.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<Fault>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ScriptUsage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// Delay between streamed events (slow tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_delay_ms: Option<u64>,
    /// Time before the response starts (a model's latency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

impl Turn {
    pub fn new() -> Self {
        Self::default()
    }

    /// A turn that only says `text`.
    pub fn say(text: &str) -> Self {
        Self::new().text(text)
    }

    pub fn text(mut self, text: &str) -> Self {
        self.blocks.push(ScriptBlock::Text { text: text.into() });
        self
    }

    pub fn thinking(mut self, text: &str, signature: &str) -> Self {
        self.blocks.push(ScriptBlock::Thinking {
            text: text.into(),
            signature: signature.into(),
        });
        self
    }

    pub fn tool_use(mut self, name: &str, input: Value) -> Self {
        self.blocks.push(ScriptBlock::ToolUse {
            id: None,
            name: name.into(),
            input,
        });
        self
    }

    /// A call of a freeform (custom) tool whose input is raw text: on the
    /// Responses wire a `custom_tool_call`, streamed with its input events.
    pub fn custom_tool_call(mut self, name: &str, input: &str) -> Self {
        self.blocks.push(ScriptBlock::CustomToolCall {
            id: None,
            name: name.into(),
            input: input.into(),
        });
        self
    }

    /// A search the provider runs itself (its hosted web search): on the
    /// Anthropic wire a `server_tool_use` and a `web_search_tool_result`
    /// block, on Responses a `web_search_call` item; Chat Completions has
    /// no hosted search and sends nothing for it. `results` are
    /// `(url, title)`.
    pub fn web_search(mut self, query: &str, results: &[(&str, &str)]) -> Self {
        self.blocks.push(ScriptBlock::WebSearch {
            query: query.into(),
            results: results
                .iter()
                .map(|(url, title)| SearchResult {
                    url: url.to_string(),
                    title: title.to_string(),
                })
                .collect(),
        });
        self
    }

    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    pub fn usage(mut self, usage: ScriptUsage) -> Self {
        self.usage = Some(usage);
        self
    }

    pub fn latency_ms(mut self, ms: u64) -> Self {
        self.latency_ms = Some(ms);
        self
    }

    pub fn token_delay_ms(mut self, ms: u64) -> Self {
        self.token_delay_ms = Some(ms);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScriptBlock {
    Text {
        text: String,
    },
    Thinking {
        text: String,
        #[serde(default)]
        signature: String,
    },
    ToolUse {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        name: String,
        input: Value,
    },
    /// A custom tool call (OpenAI Responses): the input is text, not JSON.
    /// Anthropic and Chat Completions have no such calls; there it is sent
    /// as an ordinary call with the input `{"input": text}`.
    CustomToolCall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        name: String,
        input: String,
    },
    /// The provider's hosted web search, run on its side: no call for the
    /// client to answer.
    WebSearch {
        query: String,
        #[serde(default)]
        results: Vec<SearchResult>,
    },
}

/// One page a hosted search returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    pub url: String,
    pub title: String,
}

impl ScriptBlock {
    /// A call in the form the wires without custom tools send: name and
    /// JSON input.
    pub fn as_call(&self) -> Option<(&str, Value)> {
        match self {
            ScriptBlock::ToolUse { name, input, .. } => Some((name, input.clone())),
            ScriptBlock::CustomToolCall { name, input, .. } => {
                Some((name, serde_json::json!({ "input": input })))
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ScriptUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_read_tokens: u64,
    #[serde(default)]
    pub cache_write_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// An error status with the API's error body.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_secs: Option<u64>,
    },
    /// Stream this many events of the turn, then break the connection.
    CutAfter { events: usize },
    /// Stream this many events, then a line of invalid JSON, then end.
    Malformed { after_events: usize },
    /// Stream this many events, then send nothing for `ms`, then break.
    Stall { after_events: usize, ms: u64 },
}

impl Fault {
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after_secs: None,
        }
    }

    /// Set `retry-after` on a status fault.
    pub fn retry_after(self, secs: u64) -> Self {
        match self {
            Fault::Status { status, .. } => Fault::Status {
                status,
                retry_after_secs: Some(secs),
            },
            other => other,
        }
    }

    pub fn cut_after(events: usize) -> Self {
        Fault::CutAfter { events }
    }

    pub fn malformed(after_events: usize) -> Self {
        Fault::Malformed { after_events }
    }

    pub fn stall(after_events: usize, ms: u64) -> Self {
        Fault::Stall { after_events, ms }
    }

    pub fn describe(&self) -> String {
        match self {
            Fault::Status { status, .. } => format!("status {status}"),
            Fault::CutAfter { events } => format!("cut after {events} events"),
            Fault::Malformed { after_events } => format!("malformed after {after_events} events"),
            Fault::Stall { after_events, ms } => {
                format!("stall {ms} ms after {after_events} events")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_scripts_in_both_shapes() {
        let one = Script::from_json(
            r#"{"turns":[{"blocks":[{"type":"text","text":"hi"},{"type":"tool_use","name":"read","input":{"path":"a"}}],
                "faults":[{"kind":"status","status":429,"retry_after_secs":1}]}]}"#,
        )
        .unwrap();
        assert_eq!(one.conversations.len(), 1);
        assert_eq!(one.conversations[0].turns[0].blocks.len(), 2);
        assert_eq!(
            one.conversations[0].turns[0].faults[0],
            Fault::status(429).retry_after(1)
        );
        let many =
            Script::from_json(r#"{"conversations":[{"match":"task A","turns":[]}]}"#).unwrap();
        assert_eq!(many.conversations[0].match_text.as_deref(), Some("task A"));
        assert!(Script::from_json("{\"turns\": 3}").is_err());
    }
}
