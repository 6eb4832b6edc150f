//! Anthropic Messages API, streaming: text, tool use with streamed JSON
//! input, extended thinking carried back verbatim, prompt caching, and the
//! `web_search` server tool, whose `server_tool_use` and
//! `web_search_tool_result` blocks are kept and sent back as they came.

use super::hosted;
use super::http::{self, Endpoint, StreamParser};
use super::sse::SseEvent;
use super::{
    Block, Message, ModelDelta, ModelError, ModelRequest, ModelResponse, Provider, Role,
    StopReason, Usage,
};
use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
const NAME: &str = "anthropic";

pub struct Anthropic(Endpoint);

impl Anthropic {
    pub fn new(base_url: impl Into<String>, api_key: Option<String>, idle: Duration) -> Self {
        Anthropic(Endpoint::new(base_url, api_key, idle))
    }
}

#[async_trait]
impl Provider for Anthropic {
    fn name(&self) -> &str {
        NAME
    }

    async fn stream(
        &self,
        request: &ModelRequest,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<ModelResponse, ModelError> {
        let mut headers = vec![("anthropic-version", "2023-06-01".to_string())];
        if let Some(key) = &self.0.api_key {
            headers.push(("x-api-key", key.clone()));
        }
        self.0
            .call(
                NAME,
                "/v1/messages",
                &headers,
                body(request),
                Parser::default(),
                deltas,
            )
            .await
    }
}

/// The request body. A struct, not a map, so the keys keep this order:
/// `messages` last means each request of a session starts with the bytes of
/// the one before it, up to where the new turns begin.
#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    max_tokens: u32,
    stream: bool,
    system: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking: Option<Value>,
    messages: Vec<Value>,
}

fn cache_marker() -> Value {
    json!({"type": "ephemeral"})
}

pub fn body(req: &ModelRequest) -> String {
    // The server tool first: the cache marker stays on a function tool.
    let mut tools: Vec<Value> = req
        .web_search
        .then(hosted::anthropic_tool)
        .into_iter()
        .chain(req.tools.iter().map(
            |t| json!({"name": t.name, "description": t.description, "input_schema": t.input_schema}),
        ))
        .collect();
    if let Some(last) = tools.last_mut() {
        last["cache_control"] = cache_marker();
    }
    let mut messages: Vec<Value> = req.messages.iter().filter_map(message).collect();
    // Breakpoints on the newest user turn and the one before it: the earlier
    // one is where the previous request's cache entry ends, so it is read
    // back; the newest one writes the entry the next request will read.
    let users: Vec<usize> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m["role"] == "user")
        .map(|(i, _)| i)
        .collect();
    for &i in users.iter().rev().take(2) {
        if let Some(block) = messages[i]["content"]
            .as_array_mut()
            .and_then(|c| c.last_mut())
        {
            block["cache_control"] = cache_marker();
        }
    }
    let thinking = req
        .thinking_budget
        .map(|b| json!({"type": "enabled", "budget_tokens": b}));
    let max_tokens = match req.thinking_budget {
        // The budget counts toward max_tokens and must be below it.
        Some(b) => req.max_tokens.max(b + 4096),
        None => req.max_tokens,
    };
    let body = Body {
        model: &req.model,
        max_tokens,
        stream: true,
        system: vec![json!({"type": "text", "text": req.system, "cache_control": cache_marker()})],
        tools,
        thinking,
        messages,
    };
    serde_json::to_string(&body).expect("request body serializes")
}

fn message(m: &Message) -> Option<Value> {
    let mut content: Vec<Value> = Vec::new();
    // The API wants tool results before any other content of a user turn.
    let mut results: Vec<Value> = Vec::new();
    for b in &m.content {
        match b {
            Block::Text { text } if text.is_empty() => {}
            Block::Text { text } => content.push(json!({"type": "text", "text": text})),
            Block::Thinking {
                redacted: Some(data),
                ..
            } => content.push(json!({"type": "redacted_thinking", "data": data})),
            Block::Thinking {
                text,
                signature: Some(sig),
                ..
            } if m.role == Role::Assistant => {
                content.push(json!({"type": "thinking", "thinking": text, "signature": sig}))
            }
            // Thinking without a signature (from another provider) cannot be sent back.
            Block::Thinking { .. } => {}
            Block::ToolUse { id, name, input } => {
                let input = if input.is_object() {
                    input.clone()
                } else {
                    json!({})
                };
                content.push(json!({"type": "tool_use", "id": id, "name": name, "input": input}))
            }
            Block::Image(i) => content.push(image(i)),
            Block::Hosted { provider, item } if provider == hosted::ANTHROPIC => {
                content.push(item.clone())
            }
            // Another provider's hosted calls mean nothing here.
            Block::Hosted { .. } => {}
            Block::ToolResult {
                tool_use_id,
                content: text,
                is_error,
                images,
            } => {
                // With images the content is a list: the text, then each
                // image block (the API takes text and image blocks there).
                let body = if images.is_empty() {
                    json!(text)
                } else {
                    let mut parts: Vec<Value> = Vec::new();
                    if !text.is_empty() {
                        parts.push(json!({"type": "text", "text": text}));
                    }
                    parts.extend(images.iter().map(image));
                    json!(parts)
                };
                let mut r =
                    json!({"type": "tool_result", "tool_use_id": tool_use_id, "content": body});
                if *is_error {
                    r["is_error"] = json!(true);
                }
                results.push(r);
            }
        }
    }
    results.extend(content);
    if results.is_empty() {
        return None;
    }
    let role = match m.role {
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    Some(json!({"role": role, "content": results}))
}

fn image(i: &crate::Image) -> Value {
    json!({"type": "image", "source": {"type": "base64", "media_type": i.media_type, "data": i.data}})
}

/// A content block while it streams.
enum Partial {
    Text(String),
    Thinking {
        text: String,
        signature: String,
    },
    Redacted(String),
    ToolUse {
        id: String,
        name: String,
        json: String,
    },
    /// A server tool's call (its input streams like a tool use's) or
    /// result (whole in its start event), kept as sent.
    Hosted {
        block: Value,
        json: String,
    },
}

#[derive(Default)]
pub struct Parser {
    blocks: Vec<(usize, Partial)>,
    usage: Usage,
    stop: Option<StopReason>,
}

impl Parser {
    fn block(&mut self, index: usize) -> Option<&mut Partial> {
        self.blocks
            .iter_mut()
            .find(|(i, _)| *i == index)
            .map(|(_, b)| b)
    }

    fn read_usage(&mut self, u: &Value) {
        let get = |k: &str| u[k].as_u64();
        if let Some(n) = get("input_tokens") {
            self.usage.input_tokens = n;
        }
        if let Some(n) = get("output_tokens") {
            self.usage.output_tokens = n;
        }
        if let Some(n) = get("cache_read_input_tokens") {
            self.usage.cache_read_tokens = n;
        }
        if let Some(n) = get("cache_creation_input_tokens") {
            self.usage.cache_write_tokens = n;
        }
    }
}

fn malformed(message: impl Into<String>) -> ModelError {
    ModelError::Malformed {
        provider: NAME.into(),
        message: message.into(),
    }
}

impl StreamParser for Parser {
    fn event(
        &mut self,
        event: &SseEvent,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<bool, ModelError> {
        let j = http::json(NAME, event)?;
        let kind = j["type"].as_str().or(event.event.as_deref()).unwrap_or("");
        let index = j["index"].as_u64().unwrap_or(0) as usize;
        match kind {
            "message_start" => self.read_usage(&j["message"]["usage"]),
            "content_block_start" => {
                let b = &j["content_block"];
                let s = |k: &str| b[k].as_str().unwrap_or_default().to_string();
                let partial = match b["type"].as_str() {
                    Some("text") => Partial::Text(s("text")),
                    Some("thinking") => Partial::Thinking {
                        text: s("thinking"),
                        signature: s("signature"),
                    },
                    Some("redacted_thinking") => Partial::Redacted(s("data")),
                    Some(t) if t == "server_tool_use" || t.ends_with("_tool_result") => {
                        Partial::Hosted {
                            block: b.clone(),
                            json: String::new(),
                        }
                    }
                    Some("tool_use") => {
                        let _ = deltas.send(ModelDelta::ToolCallStarted {
                            id: s("id"),
                            name: s("name"),
                        });
                        Partial::ToolUse {
                            id: s("id"),
                            name: s("name"),
                            json: String::new(),
                        }
                    }
                    other => return Err(malformed(format!("unknown content block {other:?}"))),
                };
                self.blocks.push((index, partial));
            }
            "content_block_delta" => {
                let d = &j["delta"];
                let s = |k: &str| d[k].as_str().unwrap_or_default();
                let Some(block) = self.block(index) else {
                    return Err(malformed(format!("delta for unknown block {index}")));
                };
                match (d["type"].as_str(), block) {
                    (Some("text_delta"), Partial::Text(t)) => {
                        t.push_str(s("text"));
                        let _ = deltas.send(ModelDelta::Text {
                            text: s("text").into(),
                        });
                    }
                    (Some("thinking_delta"), Partial::Thinking { text, .. }) => {
                        text.push_str(s("thinking"));
                        let _ = deltas.send(ModelDelta::Thinking {
                            text: s("thinking").into(),
                        });
                    }
                    (Some("signature_delta"), Partial::Thinking { signature, .. }) => {
                        signature.push_str(s("signature"))
                    }
                    (
                        Some("input_json_delta"),
                        Partial::ToolUse { json, .. } | Partial::Hosted { json, .. },
                    ) => json.push_str(s("partial_json")),
                    // Where a text cites a search result: the result block
                    // already lists the page, and text goes back plain.
                    (Some("citations_delta"), Partial::Text(_)) => {}
                    (kind, _) => {
                        return Err(malformed(format!(
                            "delta {kind:?} does not fit block {index}"
                        )));
                    }
                }
            }
            "content_block_stop" | "ping" => {}
            "message_delta" => {
                self.read_usage(&j["usage"]);
                self.stop = Some(match j["delta"]["stop_reason"].as_str() {
                    Some("end_turn") | Some("stop_sequence") => StopReason::EndTurn,
                    Some("tool_use") => StopReason::ToolUse,
                    Some("max_tokens") => StopReason::MaxTokens,
                    Some("refusal") => StopReason::Refusal,
                    Some("pause_turn") => StopReason::Paused,
                    _ => StopReason::Other,
                });
            }
            "message_stop" => return Ok(true),
            "error" => {
                return Err(ModelError::Api {
                    provider: NAME.into(),
                    kind: j["error"]["type"].as_str().unwrap_or("error").into(),
                    message: j["error"]["message"].as_str().unwrap_or("").into(),
                });
            }
            _ => {} // new event types are ignored, as the API asks
        }
        Ok(false)
    }

    fn finish(self) -> Result<ModelResponse, ModelError> {
        let mut blocks = self.blocks;
        blocks.sort_by_key(|(i, _)| *i);
        let content = blocks
            .into_iter()
            .map(|(_, b)| match b {
                Partial::Text(text) => Block::Text { text },
                Partial::Thinking { text, signature } => Block::Thinking {
                    text,
                    signature: Some(signature),
                    redacted: None,
                    id: None,
                },
                Partial::Redacted(data) => Block::Thinking {
                    text: String::new(),
                    signature: None,
                    redacted: Some(data),
                    id: None,
                },
                Partial::ToolUse { id, name, json } => Block::ToolUse {
                    id,
                    name,
                    input: http::tool_input(&json),
                },
                Partial::Hosted { mut block, json } => {
                    if !json.is_empty() {
                        block["input"] = http::tool_input(&json);
                    }
                    Block::Hosted {
                        provider: hosted::ANTHROPIC.into(),
                        item: block,
                    }
                }
            })
            .collect();
        Ok(ModelResponse {
            message: Message {
                role: Role::Assistant,
                content,
            },
            usage: self.usage,
            stop_reason: self.stop.unwrap_or(StopReason::Other),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ToolSpec;
    use crate::http::testing::parse;

    const STREAM: &str = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":5,\"cache_read_input_tokens\":100,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me think \u{e9}\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"SIG\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: ping\ndata: {\"type\":\"ping\"}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello \"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"w\u{f6}rld\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"read\",\"input\":{}}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \\\"sr\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"c/a.rs\\\"}\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );

    fn expected() -> ModelResponse {
        ModelResponse {
            message: Message {
                role: Role::Assistant,
                content: vec![
                    Block::Thinking {
                        text: "Let me think é".into(),
                        signature: Some("SIG".into()),
                        redacted: None,
                        id: None,
                    },
                    Block::Text {
                        text: "Hello wörld".into(),
                    },
                    Block::ToolUse {
                        id: "toolu_1".into(),
                        name: "read".into(),
                        input: json!({"path": "src/a.rs"}),
                    },
                ],
            },
            usage: Usage {
                input_tokens: 10,
                output_tokens: 42,
                cache_read_tokens: 100,
                cache_write_tokens: 5,
            },
            stop_reason: StopReason::ToolUse,
        }
    }

    #[tokio::test]
    async fn assembles_thinking_text_and_tool_use_from_any_chunking() {
        for size in [1, 3, 7, 64, 100_000] {
            let (r, deltas) = parse(Parser::default(), STREAM, size).await;
            assert_eq!(r.unwrap(), expected(), "chunk size {size}");
            assert_eq!(
                deltas,
                vec![
                    ModelDelta::Thinking {
                        text: "Let me think é".into()
                    },
                    ModelDelta::Text {
                        text: "Hello ".into()
                    },
                    ModelDelta::Text {
                        text: "wörld".into()
                    },
                    ModelDelta::ToolCallStarted {
                        id: "toolu_1".into(),
                        name: "read".into()
                    },
                ]
            );
        }
    }

    #[tokio::test]
    async fn a_cut_stream_an_error_event_and_garbage_are_errors() {
        let cut = &STREAM[..STREAM.find("event: message_delta").unwrap()];
        let (r, _) = parse(Parser::default(), cut, 50).await;
        assert!(matches!(r, Err(ModelError::StreamCut { .. })), "{r:?}");

        let err = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        let (r, _) = parse(Parser::default(), err, 10).await;
        let e = r.unwrap_err();
        assert!(
            e.is_retryable() && e.to_string().contains("Overloaded"),
            "{e}"
        );

        let garbage = "event: message_start\ndata: {not json\n\n";
        let (r, _) = parse(Parser::default(), garbage, 10).await;
        assert!(matches!(r, Err(ModelError::Malformed { .. })));
    }

    fn request() -> ModelRequest {
        ModelRequest {
            model: "claude-x".into(),
            system: "sys".into(),
            messages: vec![
                Message::user_text("hi"),
                expected().message,
                Message {
                    role: Role::User,
                    content: vec![
                        Block::Text {
                            text: "steer".into(),
                        },
                        Block::tool_result("toolu_1", "boom", true),
                    ],
                },
            ],
            tools: vec![
                ToolSpec {
                    name: "a".into(),
                    description: "A".into(),
                    input_schema: json!({"type":"object"}),
                    freeform: None,
                },
                ToolSpec {
                    name: "b".into(),
                    description: "B".into(),
                    input_schema: json!({"type":"object"}),
                    freeform: None,
                },
            ],
            max_tokens: 1000,
            thinking_budget: Some(2000),
            web_search: false,
        }
    }

    #[test]
    fn body_carries_thinking_back_and_places_cache_breakpoints() {
        let text = body(&request());
        let j: Value = serde_json::from_str(&text).unwrap();
        assert!(text.starts_with("{\"model\":\"claude-x\""));
        assert!(text.ends_with("]}"), "messages must be the last key");
        assert_eq!(j["stream"], true);
        assert_eq!(j["thinking"]["budget_tokens"], 2000);
        assert!(j["max_tokens"].as_u64().unwrap() > 2000);
        assert_eq!(j["system"][0]["cache_control"]["type"], "ephemeral");
        assert!(j["tools"][0].get("cache_control").is_none());
        assert_eq!(j["tools"][1]["cache_control"]["type"], "ephemeral");
        let msgs = j["messages"].as_array().unwrap();
        assert_eq!(
            msgs[1]["content"][0],
            json!({"type":"thinking","thinking":"Let me think é","signature":"SIG"})
        );
        assert_eq!(msgs[1]["content"][2]["input"], json!({"path": "src/a.rs"}));
        // Tool results first, then the text; both user turns are breakpoints.
        assert_eq!(msgs[2]["content"][0]["type"], "tool_result");
        assert_eq!(msgs[2]["content"][0]["is_error"], true);
        assert_eq!(msgs[2]["content"][1]["cache_control"]["type"], "ephemeral");
        assert_eq!(msgs[0]["content"][0]["cache_control"]["type"], "ephemeral");
        assert_eq!(text.matches("cache_control").count(), 4);
    }

    /// The `web_search` server tool: offered first (the cache marker stays
    /// on the last function tool), its blocks parsed from the stream
    /// (input streamed as JSON, the result whole, citations on the text)
    /// and sent back exactly as they came; another provider's are not.
    #[tokio::test]
    async fn web_search_blocks_go_back_as_they_came() {
        let result = json!({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1",
            "content": [{"type": "web_search_result", "url": "https://docs.rs/htmd", "title": "htmd",
                         "encrypted_content": "ENC", "page_age": null}]});
        let ev = |name: &str, data: Value| format!("event: {name}\ndata: {data}\n\n");
        let stream = [
            ev("message_start", json!({"type": "message_start", "message": {"usage": {"input_tokens": 5}}})),
            ev("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block":
                {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}})),
            ev("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta":
                {"type": "input_json_delta", "partial_json": "{\"query\": \"ht"}})),
            ev("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta":
                {"type": "input_json_delta", "partial_json": "md\"}"}})),
            ev("content_block_stop", json!({"type": "content_block_stop", "index": 0})),
            ev("content_block_start", json!({"type": "content_block_start", "index": 1, "content_block": result})),
            ev("content_block_stop", json!({"type": "content_block_stop", "index": 1})),
            ev("content_block_start", json!({"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}})),
            ev("content_block_delta", json!({"type": "content_block_delta", "index": 2, "delta":
                {"type": "citations_delta", "citation": {"type": "web_search_result_location",
                 "url": "https://docs.rs/htmd", "title": "htmd", "encrypted_index": "I", "cited_text": "x"}}})),
            ev("content_block_delta", json!({"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "It converts."}})),
            ev("content_block_stop", json!({"type": "content_block_stop", "index": 2})),
            ev("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "pause_turn"}, "usage": {"output_tokens": 3}})),
            ev("message_stop", json!({"type": "message_stop"})),
        ]
        .concat();
        let (r, _) = parse(Parser::default(), &stream, 17).await;
        let r = r.unwrap();
        assert_eq!(
            r.stop_reason,
            StopReason::Paused,
            "a long search pauses the turn"
        );
        let message = r.message;
        let call = json!({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
                          "input": {"query": "htmd"}});
        assert_eq!(
            message.content,
            vec![
                Block::Hosted {
                    provider: hosted::ANTHROPIC.into(),
                    item: call.clone()
                },
                Block::Hosted {
                    provider: hosted::ANTHROPIC.into(),
                    item: result.clone()
                },
                Block::Text {
                    text: "It converts.".into()
                },
            ]
        );
        let mut message = message;
        message.content.push(Block::Hosted {
            provider: hosted::RESPONSES.into(),
            item: json!({"type": "web_search_call", "id": "ws_1"}),
        });
        let mut req = request();
        req.messages = vec![
            Message::user_text("look"),
            message,
            Message::user_text("more"),
        ];
        req.web_search = true;
        let j: Value = serde_json::from_str(&body(&req)).unwrap();
        assert_eq!(j["tools"][0], hosted::anthropic_tool());
        assert!(j["tools"][0].get("cache_control").is_none());
        assert_eq!(j["tools"][2]["cache_control"]["type"], "ephemeral");
        let sent = j["messages"][1]["content"].as_array().unwrap();
        assert_eq!(sent.len(), 3, "{sent:?}");
        assert_eq!(sent[0], call);
        assert_eq!(sent[1], result);
        assert_eq!(sent[2], json!({"type": "text", "text": "It converts."}));
        // Off: no server tool.
        req.web_search = false;
        assert!(!body(&req).contains("web_search_20250305"));
    }
}
