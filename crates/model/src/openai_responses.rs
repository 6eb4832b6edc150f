//! OpenAI Responses API, streaming: messages, function calls, and reasoning
//! items (kept with their encrypted content and sent back, since requests are
//! not stored server-side).
//!
//! A tool whose spec has a `freeform` form is offered as a custom tool with
//! its grammar: the model answers with a `custom_tool_call` whose `input` is
//! the raw text, which becomes `{field: text}` for the tool. Which calls
//! were custom is not stored in the conversation: every request derives it
//! from its own tools (a call of a freeform tool whose input is that one
//! string field), so the call and its output go back as custom items while
//! the tool is offered that way, and as a function call otherwise.
//!
//! With `web_search` the hosted `web_search` tool is offered; its
//! `web_search_call` items are kept and sent back as they came.

use super::hosted;
use super::http::{self, Endpoint, StreamParser};
use super::sse::SseEvent;
use super::{
    Block, Message, ModelDelta, ModelError, ModelRequest, ModelResponse, Provider, Role,
    StopReason, ToolSpec, Usage,
};
use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const NAME: &str = "openai";

pub struct OpenAiResponses(Endpoint);

impl OpenAiResponses {
    pub fn new(base_url: impl Into<String>, api_key: Option<String>, idle: Duration) -> Self {
        OpenAiResponses(Endpoint::new(base_url, api_key, idle))
    }
}

#[async_trait]
impl Provider for OpenAiResponses {
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
                "/responses",
                &headers,
                body(request),
                Parser::for_request(request),
                deltas,
            )
            .await
    }
}

/// Models that reason: their reasoning items must be requested encrypted
/// and sent back on the following calls.
fn reasons(model: &str) -> bool {
    let m = model.rsplit('/').next().unwrap_or(model);
    m.starts_with("gpt-5")
        || m.starts_with("o1")
        || m.starts_with("o3")
        || m.starts_with("o4")
        || m.starts_with("codex")
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    instructions: &'a str,
    stream: bool,
    store: bool,
    max_output_tokens: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    include: Vec<&'static str>,
    input: Vec<Value>,
}

pub fn body(req: &ModelRequest) -> String {
    let reasoning = reasons(&req.model) || req.thinking_budget.is_some();
    let effort = match req.thinking_budget {
        Some(b) if b >= 16_000 => "high",
        Some(b) if b < 4_000 => "low",
        _ => "medium",
    };
    let body = Body {
        model: &req.model,
        instructions: &req.system,
        stream: true,
        store: false,
        max_output_tokens: req.max_tokens,
        tools: req
            .tools
            .iter()
            .map(tool)
            .chain(req.web_search.then(hosted::responses_tool))
            .collect(),
        reasoning: reasoning.then(|| json!({"effort": effort, "summary": "auto"})),
        include: {
            let mut include = Vec::new();
            if reasoning {
                include.push("reasoning.encrypted_content");
            }
            // The pages a search read, for the citation log.
            if req.web_search {
                include.push("web_search_call.action.sources");
            }
            include
        },
        input: {
            let custom = Custom::of(req);
            req.messages
                .iter()
                .flat_map(|m| items(m, &custom))
                .collect()
        },
    };
    serde_json::to_string(&body).expect("request body serializes")
}

fn tool(t: &ToolSpec) -> Value {
    match &t.freeform {
        Some(f) => json!({"type": "custom", "name": t.name, "description": t.description,
            "format": {"type": "grammar", "syntax": f.syntax, "definition": f.definition}}),
        None => json!({"type": "function", "name": t.name, "description": t.description,
            "parameters": t.input_schema, "strict": false}),
    }
}

/// The freeform tools of a request (name to the input field their text
/// fills), and the calls of its conversation that go back as custom items.
struct Custom<'a> {
    fields: HashMap<&'a str, &'a str>,
    calls: HashSet<&'a str>,
}

impl<'a> Custom<'a> {
    fn of(req: &'a ModelRequest) -> Self {
        let fields: HashMap<&str, &str> = req
            .tools
            .iter()
            .filter_map(|t| Some((t.name.as_str(), t.freeform.as_ref()?.field.as_str())))
            .collect();
        let mut custom = Custom {
            fields,
            calls: HashSet::new(),
        };
        for m in &req.messages {
            for b in &m.content {
                if let Block::ToolUse { id, name, input } = b
                    && custom.text(name, input).is_some()
                {
                    custom.calls.insert(id);
                }
            }
        }
        custom
    }

    /// The raw text of a call of a freeform tool: its input is exactly the
    /// tool's field, a string.
    fn text<'v>(&self, name: &str, input: &'v Value) -> Option<&'v str> {
        let field = self.fields.get(name)?;
        let obj = input.as_object().filter(|o| o.len() == 1)?;
        obj.get(*field)?.as_str()
    }
}

fn items(m: &Message, custom: &Custom) -> Vec<Value> {
    let mut out = Vec::new();
    let mut texts: Vec<Value> = Vec::new();
    let text_type = match m.role {
        Role::User => "input_text",
        Role::Assistant => "output_text",
    };
    let flush = |texts: &mut Vec<Value>, out: &mut Vec<Value>| {
        if !texts.is_empty() {
            let role = if text_type == "input_text" {
                "user"
            } else {
                "assistant"
            };
            out.push(json!({"type": "message", "role": role, "content": std::mem::take(texts)}));
        }
    };
    for b in &m.content {
        match b {
            Block::Text { text } if text.is_empty() => {}
            Block::Text { text } => texts.push(json!({"type": text_type, "text": text})),
            Block::Thinking {
                text,
                signature,
                id: Some(id),
                ..
            } => {
                flush(&mut texts, &mut out);
                let summary: Vec<Value> = if text.is_empty() {
                    vec![]
                } else {
                    vec![json!({"type": "summary_text", "text": text})]
                };
                let mut item = json!({"type": "reasoning", "id": id, "summary": summary});
                if let Some(sig) = signature {
                    item["encrypted_content"] = json!(sig);
                }
                out.push(item);
            }
            // Reasoning from another provider has no id and cannot be sent.
            Block::Thinking { .. } => {}
            Block::ToolUse { id, name, input } if custom.calls.contains(id.as_str()) => {
                flush(&mut texts, &mut out);
                let text = custom.text(name, input).unwrap_or_default();
                out.push(
                    json!({"type": "custom_tool_call", "call_id": id, "name": name, "input": text}),
                );
            }
            Block::ToolUse { id, name, input } => {
                flush(&mut texts, &mut out);
                let arguments = match input {
                    Value::String(raw) => raw.clone(),
                    other => other.to_string(),
                };
                out.push(json!({"type": "function_call", "call_id": id, "name": name, "arguments": arguments}));
            }
            Block::Image(i) => texts.push(input_image(i)),
            Block::Hosted { provider, item } if provider == hosted::RESPONSES => {
                flush(&mut texts, &mut out);
                out.push(item.clone());
            }
            Block::Hosted { .. } => {}
            Block::ToolResult {
                tool_use_id,
                content,
                images,
                ..
            } => {
                flush(&mut texts, &mut out);
                if custom.calls.contains(tool_use_id.as_str()) {
                    out.push(json!({"type": "custom_tool_call_output", "call_id": tool_use_id, "output": content}));
                    // A custom call's output is text: its images, if any,
                    // follow in a user message naming the call.
                    if !images.is_empty() {
                        texts.push(json!({"type": "input_text", "text": format!("[the image(s) below are the result of tool call {tool_use_id}]")}));
                        texts.extend(images.iter().map(input_image));
                    }
                } else if images.is_empty() {
                    out.push(json!({"type": "function_call_output", "call_id": tool_use_id, "output": content}));
                } else {
                    // A function call's output may be a list of input parts.
                    let mut parts = vec![json!({"type": "input_text", "text": content})];
                    parts.extend(images.iter().map(input_image));
                    out.push(json!({"type": "function_call_output", "call_id": tool_use_id, "output": parts}));
                }
            }
        }
    }
    flush(&mut texts, &mut out);
    out
}

fn input_image(i: &crate::Image) -> Value {
    json!({"type": "input_image", "image_url": i.data_url(), "detail": "auto"})
}

#[derive(Default)]
pub struct Parser {
    blocks: Vec<(u64, Block)>,
    usage: Usage,
    incomplete: bool,
    /// Freeform tools of the request: name to the field their text fills.
    fields: HashMap<String, String>,
    /// Custom tool input by output index, from its `done` event.
    custom_input: HashMap<u64, String>,
}

impl Parser {
    pub fn for_request(req: &ModelRequest) -> Self {
        Parser {
            fields: req
                .tools
                .iter()
                .filter_map(|t| Some((t.name.clone(), t.freeform.as_ref()?.field.clone())))
                .collect(),
            ..Parser::default()
        }
    }

    /// A custom call's text as the tool's input object (`input` when the
    /// tool is not one the request offered as freeform).
    fn custom_input(&self, name: &str, text: String) -> Value {
        let field = self.fields.get(name).map_or("input", String::as_str);
        json!({ field: text })
    }
}

fn api_error(error: &Value) -> ModelError {
    ModelError::Api {
        provider: NAME.into(),
        kind: error["code"]
            .as_str()
            .or(error["type"].as_str())
            .unwrap_or("error")
            .into(),
        message: error["message"].as_str().unwrap_or("").into(),
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
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        match kind {
            "response.output_text.delta" => {
                let _ = deltas.send(ModelDelta::Text {
                    text: s(&j["delta"]),
                });
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                let _ = deltas.send(ModelDelta::Thinking {
                    text: s(&j["delta"]),
                });
            }
            "response.output_item.added"
                if matches!(
                    j["item"]["type"].as_str(),
                    Some("function_call" | "custom_tool_call")
                ) =>
            {
                let _ = deltas.send(ModelDelta::ToolCallStarted {
                    id: s(&j["item"]["call_id"]),
                    name: s(&j["item"]["name"]),
                });
            }
            "response.custom_tool_call_input.done" => {
                if let Some(index) = j["output_index"].as_u64() {
                    self.custom_input.insert(index, s(&j["input"]));
                }
            }
            "response.output_item.done" => {
                let item = &j["item"];
                let index = j["output_index"]
                    .as_u64()
                    .unwrap_or(self.blocks.len() as u64);
                match item["type"].as_str() {
                    Some("message") => {
                        let text: String = item["content"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|c| c["text"].as_str().or(c["refusal"].as_str()))
                            .collect();
                        self.blocks.push((index, Block::Text { text }));
                    }
                    Some("function_call") => self.blocks.push((
                        index,
                        Block::ToolUse {
                            id: s(&item["call_id"]),
                            name: s(&item["name"]),
                            input: http::tool_input(item["arguments"].as_str().unwrap_or("")),
                        },
                    )),
                    Some("custom_tool_call") => {
                        let name = s(&item["name"]);
                        let text = match item["input"].as_str() {
                            Some(t) => t.to_string(),
                            None => self.custom_input.remove(&index).unwrap_or_default(),
                        };
                        let input = self.custom_input(&name, text);
                        self.blocks.push((
                            index,
                            Block::ToolUse {
                                id: s(&item["call_id"]),
                                name,
                                input,
                            },
                        ));
                    }
                    Some("web_search_call") => self.blocks.push((
                        index,
                        Block::Hosted {
                            provider: hosted::RESPONSES.into(),
                            item: item.clone(),
                        },
                    )),
                    Some("reasoning") => {
                        let text: Vec<&str> = item["summary"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|p| p["text"].as_str())
                            .collect();
                        self.blocks.push((
                            index,
                            Block::Thinking {
                                text: text.join("\n\n"),
                                signature: item["encrypted_content"].as_str().map(str::to_owned),
                                redacted: None,
                                id: item["id"].as_str().map(str::to_owned),
                            },
                        ));
                    }
                    _ => {}
                }
            }
            "response.completed" | "response.incomplete" => {
                let u = &j["response"]["usage"];
                let input = u["input_tokens"].as_u64().unwrap_or(0);
                let cached = u["input_tokens_details"]["cached_tokens"]
                    .as_u64()
                    .unwrap_or(0);
                self.usage = Usage {
                    input_tokens: input.saturating_sub(cached),
                    output_tokens: u["output_tokens"].as_u64().unwrap_or(0),
                    cache_read_tokens: cached,
                    cache_write_tokens: 0,
                };
                self.incomplete = kind == "response.incomplete";
                return Ok(true);
            }
            "response.failed" => return Err(api_error(&j["response"]["error"])),
            "error" => return Err(api_error(&j)),
            _ => {}
        }
        Ok(false)
    }

    fn finish(self) -> Result<ModelResponse, ModelError> {
        let mut blocks = self.blocks;
        blocks.sort_by_key(|(i, _)| *i);
        let content: Vec<Block> = blocks.into_iter().map(|(_, b)| b).collect();
        let has_calls = content.iter().any(|b| matches!(b, Block::ToolUse { .. }));
        let stop_reason = if has_calls {
            StopReason::ToolUse
        } else if self.incomplete {
            StopReason::MaxTokens
        } else {
            StopReason::EndTurn
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

    fn ev(kind: &str, data: Value) -> String {
        let mut d = data;
        d["type"] = json!(kind);
        format!("event: {kind}\ndata: {d}\n\n")
    }

    fn stream() -> String {
        [
            ev("response.created", json!({"response": {"id": "r1", "status": "in_progress"}})),
            ev("response.output_item.added", json!({"output_index": 0, "item": {"type": "reasoning", "id": "rs_1"}})),
            ev("response.reasoning_summary_text.delta", json!({"output_index": 0, "delta": "Plan: "})),
            ev("response.output_item.done", json!({"output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Plan: read"}], "encrypted_content": "ENC"}})),
            ev("response.output_item.added", json!({"output_index": 1, "item": {"type": "message", "role": "assistant", "content": []}})),
            ev("response.output_text.delta", json!({"output_index": 1, "delta": "Hi "})),
            ev("response.output_text.delta", json!({"output_index": 1, "delta": "ünï"})),
            ev("response.output_item.done", json!({"output_index": 1, "item": {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hi ünï"}]}})),
            ev("response.output_item.added", json!({"output_index": 2, "item": {"type": "function_call", "call_id": "call_1", "name": "grep", "arguments": ""}})),
            ev("response.function_call_arguments.delta", json!({"output_index": 2, "delta": "{\"pattern\":"})),
            ev("response.function_call_arguments.delta", json!({"output_index": 2, "delta": "\"x\"}"})),
            ev("response.output_item.done", json!({"output_index": 2, "item": {"type": "function_call", "call_id": "call_1", "name": "grep", "arguments": "{\"pattern\":\"x\"}"}})),
            ev("response.completed", json!({"response": {"status": "completed", "usage": {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 100}, "output_tokens": 9}}})),
        ]
        .concat()
    }

    #[tokio::test]
    async fn assembles_reasoning_text_and_calls() {
        let s = stream();
        for size in [1, 5, 33, 10_000] {
            let (r, deltas) = parse(Parser::default(), &s, size).await;
            let r = r.unwrap();
            assert_eq!(r.stop_reason, StopReason::ToolUse);
            assert_eq!(
                r.usage,
                Usage {
                    input_tokens: 20,
                    output_tokens: 9,
                    cache_read_tokens: 100,
                    cache_write_tokens: 0
                }
            );
            assert_eq!(
                r.message.content,
                vec![
                    Block::Thinking {
                        text: "Plan: read".into(),
                        signature: Some("ENC".into()),
                        redacted: None,
                        id: Some("rs_1".into())
                    },
                    Block::Text {
                        text: "Hi ünï".into()
                    },
                    Block::ToolUse {
                        id: "call_1".into(),
                        name: "grep".into(),
                        input: json!({"pattern": "x"})
                    },
                ]
            );
            assert_eq!(deltas.len(), 4, "{deltas:?}");
        }
    }

    #[tokio::test]
    async fn failures() {
        let s = stream();
        let cut = &s[..s.find("event: response.completed").unwrap()];
        let (r, _) = parse(Parser::default(), cut, 40).await;
        assert!(matches!(r, Err(ModelError::StreamCut { .. })));
        let failed = ev(
            "response.failed",
            json!({"response": {"error": {"code": "server_error", "message": "boom"}}}),
        );
        let (r, _) = parse(Parser::default(), &failed, 40).await;
        let e = r.unwrap_err();
        assert!(e.is_retryable() && e.to_string().contains("boom"));
    }

    #[test]
    fn body_maps_items_and_sends_reasoning_back() {
        let req = ModelRequest {
            model: "gpt-5".into(),
            system: "sys".into(),
            messages: vec![
                Message::user_text("hi"),
                Message {
                    role: Role::Assistant,
                    content: vec![
                        Block::Thinking {
                            text: "t".into(),
                            signature: Some("ENC".into()),
                            redacted: None,
                            id: Some("rs_1".into()),
                        },
                        Block::ToolUse {
                            id: "call_1".into(),
                            name: "grep".into(),
                            input: json!({"pattern": "x"}),
                        },
                    ],
                },
                Message {
                    role: Role::User,
                    content: vec![
                        Block::ToolResult {
                            tool_use_id: "call_1".into(),
                            content: "found".into(),
                            is_error: false,
                            images: Vec::new(),
                        },
                        Block::Text {
                            text: "steer".into(),
                        },
                    ],
                },
            ],
            tools: vec![],
            max_tokens: 500,
            thinking_budget: None,
            web_search: false,
        };
        let j: Value = serde_json::from_str(&body(&req)).unwrap();
        assert_eq!(j["store"], false);
        assert_eq!(j["include"][0], "reasoning.encrypted_content");
        assert_eq!(j["instructions"], "sys");
        let input = j["input"].as_array().unwrap();
        let types: Vec<&str> = input.iter().map(|i| i["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "message",
                "reasoning",
                "function_call",
                "function_call_output",
                "message"
            ]
        );
        assert_eq!(input[1]["encrypted_content"], "ENC");
        assert_eq!(input[2]["arguments"], "{\"pattern\":\"x\"}");
        assert_eq!(input[3]["output"], "found");
        assert_eq!(input[4]["content"][0]["type"], "input_text");
    }

    fn patch_tool(freeform: bool) -> ToolSpec {
        ToolSpec {
            name: "apply_patch".into(),
            description: "Patch files.".into(),
            input_schema: json!({"type": "object", "properties": {"patch": {"type": "string"}}}),
            freeform: freeform.then(|| crate::Freeform {
                syntax: "lark".into(),
                definition: "start: \"x\"".into(),
                field: "patch".into(),
            }),
        }
    }

    #[tokio::test]
    async fn a_custom_tool_call_becomes_a_call_with_the_text_in_its_field() {
        let stream = |done_item: Value| {
            [
            ev("response.output_item.added", json!({"output_index": 0, "item": {"type": "custom_tool_call", "id": "ctc_1", "call_id": "call_p", "name": "apply_patch", "input": ""}})),
            ev("response.custom_tool_call_input.delta", json!({"output_index": 0, "item_id": "ctc_1", "delta": "*** Begin Patch\n"})),
            ev("response.custom_tool_call_input.delta", json!({"output_index": 0, "item_id": "ctc_1", "delta": "*** End Patch"})),
            ev("response.custom_tool_call_input.done", json!({"output_index": 0, "item_id": "ctc_1", "input": "*** Begin Patch\n*** End Patch"})),
            ev("response.output_item.done", json!({"output_index": 0, "item": done_item})),
            ev("response.completed", json!({"response": {"status": "completed", "usage": {"input_tokens": 10, "output_tokens": 5}}})),
        ]
        .concat()
        };
        let item = json!({"type": "custom_tool_call", "id": "ctc_1", "call_id": "call_p", "name": "apply_patch"});
        let mut with_input = item.clone();
        with_input["input"] = json!("*** Begin Patch\n*** End Patch");
        let s = stream(with_input);
        let req = ModelRequest {
            model: "gpt-5".into(),
            system: String::new(),
            messages: vec![],
            tools: vec![patch_tool(true)],
            max_tokens: 100,
            thinking_budget: None,
            web_search: false,
        };
        for size in [1, 7, 10_000] {
            let (r, deltas) = parse(Parser::for_request(&req), &s, size).await;
            let r = r.unwrap();
            assert_eq!(r.stop_reason, StopReason::ToolUse);
            assert_eq!(
                r.message.content,
                vec![Block::ToolUse {
                    id: "call_p".into(),
                    name: "apply_patch".into(),
                    input: json!({"patch": "*** Begin Patch\n*** End Patch"}),
                }]
            );
            assert_eq!(
                deltas,
                vec![ModelDelta::ToolCallStarted {
                    id: "call_p".into(),
                    name: "apply_patch".into()
                }]
            );
        }
        // A done item without its input: the input's own done event says it.
        let no_input = stream(item);
        let (r, _) = parse(Parser::for_request(&req), &no_input, 10_000).await;
        assert_eq!(
            r.unwrap().message.content[0],
            Block::ToolUse {
                id: "call_p".into(),
                name: "apply_patch".into(),
                input: json!({"patch": "*** Begin Patch\n*** End Patch"}),
            }
        );
    }

    fn conversation(tools: Vec<ToolSpec>) -> ModelRequest {
        ModelRequest {
            model: "gpt-5".into(),
            system: "sys".into(),
            messages: vec![
                Message::user_text("fix it"),
                Message {
                    role: Role::Assistant,
                    content: vec![
                        Block::ToolUse {
                            id: "call_p".into(),
                            name: "apply_patch".into(),
                            input: json!({"patch": "PATCH"}),
                        },
                        Block::ToolUse {
                            id: "call_g".into(),
                            name: "grep".into(),
                            input: json!({"pattern": "x"}),
                        },
                    ],
                },
                Message {
                    role: Role::User,
                    content: vec![
                        Block::ToolResult {
                            tool_use_id: "call_p".into(),
                            content: "applied".into(),
                            is_error: false,
                            images: Vec::new(),
                        },
                        Block::ToolResult {
                            tool_use_id: "call_g".into(),
                            content: "found".into(),
                            is_error: false,
                            images: Vec::new(),
                        },
                    ],
                },
            ],
            tools,
            max_tokens: 500,
            thinking_budget: None,
            web_search: false,
        }
    }

    #[test]
    fn a_freeform_tool_is_a_custom_tool_and_its_calls_go_back_as_custom_items() {
        let j: Value = serde_json::from_str(&body(&conversation(vec![patch_tool(true)]))).unwrap();
        assert_eq!(
            j["tools"][0],
            json!({"type": "custom", "name": "apply_patch", "description": "Patch files.",
                "format": {"type": "grammar", "syntax": "lark", "definition": "start: \"x\""}})
        );
        let input = j["input"].as_array().unwrap();
        assert_eq!(
            input[1],
            json!({"type": "custom_tool_call", "call_id": "call_p", "name": "apply_patch", "input": "PATCH"})
        );
        assert_eq!(input[2]["type"], "function_call");
        assert_eq!(
            input[3],
            json!({"type": "custom_tool_call_output", "call_id": "call_p", "output": "applied"})
        );
        assert_eq!(input[4]["type"], "function_call_output");

        // Offered as a function, the same history is function calls.
        let j: Value = serde_json::from_str(&body(&conversation(vec![patch_tool(false)]))).unwrap();
        assert_eq!(j["tools"][0]["type"], "function");
        assert_eq!(
            j["tools"][0]["parameters"]["properties"]["patch"]["type"],
            "string"
        );
        let types: Vec<&str> = j["input"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "message",
                "function_call",
                "function_call",
                "function_call_output",
                "function_call_output"
            ]
        );
    }

    /// Anthropic and Chat Completions have no custom tools: a freeform spec
    /// goes as its function form there.
    #[test]
    fn the_other_wires_never_send_the_freeform_form() {
        let req = conversation(vec![patch_tool(true)]);
        for (wire, text) in [
            ("anthropic", crate::anthropic::body(&req)),
            ("chat", crate::openai_chat::body(&req)),
        ] {
            assert!(!text.contains("custom"), "{wire}: {text}");
            assert!(
                !text.contains("grammar") && !text.contains("lark"),
                "{wire}: {text}"
            );
            let j: Value = serde_json::from_str(&text).unwrap();
            let tool = &j["tools"][0];
            let schema = tool
                .get("input_schema")
                .or(tool["function"].get("parameters"));
            assert_eq!(
                schema.unwrap()["properties"]["patch"]["type"],
                "string",
                "{wire}"
            );
        }
    }

    /// The hosted `web_search` tool: offered with its sources included,
    /// its `web_search_call` item parsed and sent back exactly as it came
    /// (between the texts around it); another provider's blocks are not.
    #[tokio::test]
    async fn web_search_calls_go_back_as_they_came() {
        let item = json!({"id": "ws_1", "type": "web_search_call", "status": "completed",
            "action": {"type": "search", "query": "htmd", "sources": [{"type": "url", "url": "https://docs.rs/htmd"}]}});
        let s = [
            ev("response.output_item.added", json!({"output_index": 0, "item": {"id": "ws_1", "type": "web_search_call", "status": "in_progress"}})),
            ev("response.web_search_call.searching", json!({"output_index": 0, "item_id": "ws_1"})),
            ev("response.output_item.done", json!({"output_index": 0, "item": item})),
            ev("response.output_item.done", json!({"output_index": 1, "item": {"type": "message", "role": "assistant",
                "content": [{"type": "output_text", "text": "It converts.", "annotations": [
                    {"type": "url_citation", "url": "https://docs.rs/htmd", "title": "htmd", "start_index": 0, "end_index": 3}]}]}})),
            ev("response.completed", json!({"response": {"status": "completed", "usage": {"input_tokens": 5, "output_tokens": 2}}})),
        ]
        .concat();
        let (r, _) = parse(Parser::default(), &s, 9).await;
        let r = r.unwrap();
        assert_eq!(r.stop_reason, StopReason::EndTurn);
        let mut message = r.message;
        assert_eq!(
            message.content,
            vec![
                Block::Hosted {
                    provider: hosted::RESPONSES.into(),
                    item: item.clone()
                },
                Block::Text {
                    text: "It converts.".into()
                },
            ]
        );
        message.content.insert(
            0,
            Block::Text {
                text: "Searching.".into(),
            },
        );
        message.content.push(Block::Hosted {
            provider: hosted::ANTHROPIC.into(),
            item: json!({"type": "server_tool_use", "id": "srvtoolu_1"}),
        });
        let mut req = conversation(vec![]);
        req.messages = vec![
            Message::user_text("look"),
            message,
            Message::user_text("more"),
        ];
        req.web_search = true;
        let j: Value = serde_json::from_str(&body(&req)).unwrap();
        assert!(
            j["tools"]
                .as_array()
                .unwrap()
                .contains(&hosted::responses_tool())
        );
        assert!(
            j["include"]
                .as_array()
                .unwrap()
                .contains(&json!("web_search_call.action.sources"))
        );
        let input = j["input"].as_array().unwrap();
        let kinds: Vec<&str> = input.iter().map(|i| i["type"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            [
                "message",
                "message",
                "web_search_call",
                "message",
                "message"
            ]
        );
        assert_eq!(input[2], item);
        req.web_search = false;
        let off = body(&req);
        assert!(!off.contains("\"type\":\"web_search\"") && !off.contains("action.sources"));
    }
}
