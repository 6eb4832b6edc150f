//! OpenAI Chat Completions, streaming. With a base URL this is also the
//! adapter for Ollama, llama.cpp's llama-server, vLLM, LM Studio and
//! OpenRouter, which all speak this protocol.

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

const NAME: &str = "openai-chat";

pub struct OpenAiChat(Endpoint);

impl OpenAiChat {
    pub fn new(base_url: impl Into<String>, api_key: Option<String>, idle: Duration) -> Self {
        OpenAiChat(Endpoint::new(base_url, api_key, idle))
    }
}

#[async_trait]
impl Provider for OpenAiChat {
    fn name(&self) -> &str {
        NAME
    }

    async fn stream(
        &self,
        request: &ModelRequest,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<ModelResponse, ModelError> {
        let headers = self.0.bearer();
        self.0
            .call(
                NAME,
                "/chat/completions",
                &headers,
                body(request),
                Parser::default(),
                deltas,
            )
            .await
    }
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    stream: bool,
    stream_options: Value,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<Value>,
    messages: Vec<Value>,
}

pub fn body(req: &ModelRequest) -> String {
    let mut messages = vec![json!({"role": "system", "content": req.system})];
    for m in &req.messages {
        messages.extend(chat_messages(m));
    }
    let body = Body {
        model: &req.model,
        stream: true,
        stream_options: json!({"include_usage": true}),
        max_tokens: req.max_tokens,
        tools: req
            .tools
            .iter()
            .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.input_schema}}))
            .collect(),
        messages,
    };
    serde_json::to_string(&body).expect("request body serializes")
}

fn chat_messages(m: &Message) -> Vec<Value> {
    match m.role {
        Role::Assistant => {
            let text = m.text();
            let calls: Vec<Value> = m
                .tool_uses()
                .map(|(id, name, input)| {
                    let arguments = match input {
                        Value::String(raw) => raw.clone(),
                        other => other.to_string(),
                    };
                    json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
                })
                .collect();
            let mut msg = json!({"role": "assistant", "content": if text.is_empty() { Value::Null } else { json!(text) }});
            if !calls.is_empty() {
                msg["tool_calls"] = json!(calls);
            }
            vec![msg]
        }
        Role::User => {
            // Tool results become `tool` messages right after the assistant
            // message that called them; any text follows as a user message.
            // A tool message takes no images (the API refuses image parts
            // there), so a result's images follow in that user message,
            // each group said to come from its call.
            let mut out: Vec<Value> = Vec::new();
            let mut parts: Vec<Value> = Vec::new();
            for b in &m.content {
                match b {
                    Block::ToolResult {
                        tool_use_id,
                        content,
                        images,
                        ..
                    } => {
                        out.push(json!({"role": "tool", "tool_call_id": tool_use_id, "content": content}));
                        if !images.is_empty() {
                            parts.push(json!({"type": "text", "text": format!("[the image(s) below are the result of tool call {tool_use_id}]")}));
                            parts.extend(images.iter().map(image_part));
                        }
                    }
                    Block::Text { text: t } if !t.is_empty() => {
                        parts.push(json!({"type": "text", "text": t}))
                    }
                    Block::Image(i) => parts.push(image_part(i)),
                    _ => {}
                }
            }
            let text_only = parts.iter().all(|p| p["type"] == "text");
            if parts.is_empty() {
                return out;
            }
            if text_only {
                // Plain text stays a string: some local servers take no lists.
                let texts: Vec<&str> = parts.iter().filter_map(|p| p["text"].as_str()).collect();
                out.push(json!({"role": "user", "content": texts.join("\n\n")}));
            } else {
                out.push(json!({"role": "user", "content": parts}));
            }
            out
        }
    }
}

fn image_part(i: &crate::Image) -> Value {
    json!({"type": "image_url", "image_url": {"url": i.data_url()}})
}

#[derive(Default)]
struct ToolCallPartial {
    id: String,
    name: String,
    arguments: String,
}

#[derive(Default)]
pub struct Parser {
    text: String,
    thinking: String,
    calls: Vec<(u64, ToolCallPartial)>,
    usage: Usage,
    finish: Option<String>,
}

impl StreamParser for Parser {
    fn event(
        &mut self,
        event: &SseEvent,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<bool, ModelError> {
        if event.data.trim() == "[DONE]" {
            return Ok(true);
        }
        let j = http::json(NAME, event)?;
        if j.get("error").is_some_and(|e| !e.is_null()) {
            return Err(ModelError::Api {
                provider: NAME.into(),
                kind: j["error"]["type"]
                    .as_str()
                    .or(j["error"]["code"].as_str())
                    .unwrap_or("server_error")
                    .into(),
                message: http::error_message(&event.data),
            });
        }
        if let Some(u) = j.get("usage").filter(|u| u.is_object()) {
            let prompt = u["prompt_tokens"].as_u64().unwrap_or(0);
            let cached = u["prompt_tokens_details"]["cached_tokens"]
                .as_u64()
                .unwrap_or(0);
            self.usage = Usage {
                input_tokens: prompt.saturating_sub(cached),
                output_tokens: u["completion_tokens"].as_u64().unwrap_or(0),
                cache_read_tokens: cached,
                cache_write_tokens: 0,
            };
        }
        let Some(choice) = j["choices"].as_array().and_then(|c| c.first()) else {
            return Ok(false);
        };
        let d = &choice["delta"];
        if let Some(t) = d["content"].as_str().filter(|t| !t.is_empty()) {
            self.text.push_str(t);
            let _ = deltas.send(ModelDelta::Text { text: t.into() });
        }
        if let Some(t) = d["reasoning_content"]
            .as_str()
            .or(d["reasoning"].as_str())
            .filter(|t| !t.is_empty())
        {
            self.thinking.push_str(t);
            let _ = deltas.send(ModelDelta::Thinking { text: t.into() });
        }
        for call in d["tool_calls"].as_array().into_iter().flatten() {
            let index = call["index"].as_u64().unwrap_or(self.calls.len() as u64);
            let pos = match self.calls.iter().position(|(i, _)| *i == index) {
                Some(p) => p,
                None => {
                    self.calls.push((index, ToolCallPartial::default()));
                    self.calls.len() - 1
                }
            };
            let partial = &mut self.calls[pos].1;
            if let Some(id) = call["id"].as_str() {
                partial.id = id.to_string();
            }
            if let Some(name) = call["function"]["name"].as_str() {
                partial.name.push_str(name);
                let _ = deltas.send(ModelDelta::ToolCallStarted {
                    id: partial.id.clone(),
                    name: partial.name.clone(),
                });
            }
            if let Some(args) = call["function"]["arguments"].as_str() {
                partial.arguments.push_str(args);
            }
        }
        if let Some(reason) = choice["finish_reason"].as_str() {
            self.finish = Some(reason.to_string());
        }
        Ok(false)
    }

    fn finish(self) -> Result<ModelResponse, ModelError> {
        let mut content = Vec::new();
        if !self.thinking.is_empty() {
            content.push(Block::Thinking {
                text: self.thinking,
                signature: None,
                redacted: None,
                id: None,
            });
        }
        if !self.text.is_empty() {
            content.push(Block::Text { text: self.text });
        }
        let mut calls = self.calls;
        calls.sort_by_key(|(i, _)| *i);
        for (n, (_, c)) in calls.into_iter().enumerate() {
            content.push(Block::ToolUse {
                // Some local servers send no id; the conversation needs one.
                id: if c.id.is_empty() {
                    format!("call_{n}")
                } else {
                    c.id
                },
                name: c.name,
                input: http::tool_input(&c.arguments),
            });
        }
        let has_calls = content.iter().any(|b| matches!(b, Block::ToolUse { .. }));
        let stop_reason = match self.finish.as_deref() {
            _ if has_calls => StopReason::ToolUse,
            Some("length") => StopReason::MaxTokens,
            Some("content_filter") => StopReason::Refusal,
            _ => StopReason::EndTurn,
        };
        Ok(ModelResponse {
            message: Message {
                role: Role::Assistant,
                content,
            },
            usage: self.usage,
            stop_reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::testing::parse;

    fn chunk(delta: Value, finish: Value) -> String {
        let c = json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {c}\n\n")
    }

    fn stream() -> String {
        [
            chunk(json!({"role": "assistant", "content": ""}), Value::Null),
            chunk(json!({"reasoning_content": "hmm"}), Value::Null),
            chunk(json!({"content": "Let me "}), Value::Null),
            chunk(json!({"content": "check ✓"}), Value::Null),
            chunk(json!({"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "read", "arguments": ""}}]}), Value::Null),
            chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"path\":"}}]}), Value::Null),
            chunk(json!({"tool_calls": [{"index": 1, "id": "call_b", "type": "function", "function": {"name": "list", "arguments": "{}"}}]}), Value::Null),
            chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"a.rs\"}"}}]}), Value::Null),
            chunk(json!({}), json!("tool_calls")),
            format!("data: {}\n\n", json!({"id": "c1", "choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 7, "prompt_tokens_details": {"cached_tokens": 30}}})),
            "data: [DONE]\n\n".to_string(),
        ]
        .concat()
    }

    #[tokio::test]
    async fn assembles_interleaved_tool_call_fragments() {
        let s = stream();
        for size in [1, 9, 4096] {
            let (r, deltas) = parse(Parser::default(), &s, size).await;
            let r = r.unwrap();
            assert_eq!(r.stop_reason, StopReason::ToolUse);
            assert_eq!(
                r.usage,
                Usage {
                    input_tokens: 20,
                    output_tokens: 7,
                    cache_read_tokens: 30,
                    cache_write_tokens: 0
                }
            );
            assert_eq!(
                r.message.content,
                vec![
                    Block::Thinking {
                        text: "hmm".into(),
                        signature: None,
                        redacted: None,
                        id: None
                    },
                    Block::Text {
                        text: "Let me check ✓".into()
                    },
                    Block::ToolUse {
                        id: "call_a".into(),
                        name: "read".into(),
                        input: json!({"path": "a.rs"})
                    },
                    Block::ToolUse {
                        id: "call_b".into(),
                        name: "list".into(),
                        input: json!({})
                    },
                ]
            );
            assert_eq!(deltas.len(), 5);
        }
    }

    #[tokio::test]
    async fn a_stream_without_done_is_cut() {
        let s = stream();
        let cut = &s[..s.find("data: [DONE]").unwrap()];
        let (r, _) = parse(Parser::default(), cut, 100).await;
        assert!(matches!(r, Err(ModelError::StreamCut { .. })), "{r:?}");
    }

    #[tokio::test]
    async fn invalid_tool_arguments_come_through_as_text() {
        let s = [
            chunk(json!({"tool_calls": [{"index": 0, "id": "c", "function": {"name": "read", "arguments": "{\"path\": oops"}}]}), json!("tool_calls")),
            "data: [DONE]\n\n".to_string(),
        ]
        .concat();
        let (r, _) = parse(Parser::default(), &s, 100).await;
        let r = r.unwrap();
        assert_eq!(
            r.message.tool_uses().next().unwrap().2,
            &Value::String("{\"path\": oops".into())
        );
    }

    #[test]
    fn tool_results_follow_their_call_and_text_comes_after() {
        let req = ModelRequest {
            model: "qwen".into(),
            system: "sys".into(),
            messages: vec![
                Message::user_text("hi"),
                Message {
                    role: Role::Assistant,
                    content: vec![Block::ToolUse {
                        id: "c1".into(),
                        name: "read".into(),
                        input: json!({"path": "a"}),
                    }],
                },
                Message {
                    role: Role::User,
                    content: vec![
                        Block::ToolResult {
                            tool_use_id: "c1".into(),
                            content: "text".into(),
                            is_error: false,
                            images: Vec::new(),
                        },
                        Block::Text {
                            text: "also this".into(),
                        },
                    ],
                },
            ],
            tools: vec![],
            max_tokens: 100,
            thinking_budget: None,
            web_search: false,
        };
        let j: Value = serde_json::from_str(&body(&req)).unwrap();
        let roles: Vec<&str> = j["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, ["system", "user", "assistant", "tool", "user"]);
        assert_eq!(j["messages"][2]["content"], Value::Null);
        assert_eq!(
            j["messages"][2]["tool_calls"][0]["function"]["arguments"],
            "{\"path\":\"a\"}"
        );
        assert_eq!(j["stream_options"]["include_usage"], true);
        assert!(
            j.get("tools").is_none(),
            "an empty tools list upsets some local servers"
        );
    }
}
