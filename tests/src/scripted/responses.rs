//! OpenAI Responses API: request checks, streamed events, error bodies.

use super::script::{ScriptBlock, ScriptUsage, Turn};
use super::wire::{SseOut, output_tokens, pieces, tokens_of, tool_id};
use serde_json::{Value, json};
use std::collections::HashSet;

pub fn validate(j: &Value) -> Result<(), String> {
    if j["model"].as_str().is_none_or(str::is_empty) {
        return Err("Missing required parameter: 'model'.".into());
    }
    if j["stream"] != true {
        return Err("the scripted model only streams: set \"stream\": true".into());
    }
    let input = match &j["input"] {
        Value::Array(a) => a.clone(),
        Value::String(s) => vec![json!({"role": "user", "content": s})],
        _ => return Err("Missing required parameter: 'input'.".into()),
    };
    for (i, t) in j["tools"].as_array().into_iter().flatten().enumerate() {
        // Hosted tools have a type and no name.
        if t["type"] == "web_search" {
            continue;
        }
        if t["name"].as_str().is_none_or(str::is_empty) {
            return Err(format!("tools[{i}].name: expected a string"));
        }
        match t["type"].as_str() {
            Some("function") => {}
            Some("custom") => {
                let f = &t["format"];
                let grammar = f["type"] == "grammar"
                    && matches!(f["syntax"].as_str(), Some("lark" | "regex"))
                    && f["definition"].as_str().is_some();
                if !f.is_null() && f["type"] != "text" && !grammar {
                    return Err(format!("tools[{i}].format: invalid value"));
                }
            }
            _ => return Err(format!("tools[{i}].type: invalid value")),
        }
    }
    let mut calls = HashSet::new();
    let mut custom_calls = HashSet::new();
    for (i, item) in input.iter().enumerate() {
        match item["type"].as_str() {
            Some("custom_tool_call") => {
                if item["input"].as_str().is_none() {
                    return Err(format!("input[{i}].input: expected a string"));
                }
                custom_calls.insert(item["call_id"].as_str().unwrap_or("").to_string());
            }
            Some("custom_tool_call_output") => {
                let id = item["call_id"].as_str().unwrap_or("");
                if !custom_calls.contains(id) {
                    return Err(format!(
                        "No tool call found for custom tool call output with call_id {id}."
                    ));
                }
                if item["output"].as_str().is_none() {
                    return Err(format!("input[{i}].output: expected a string"));
                }
            }
            Some("function_call") => {
                if item["arguments"].as_str().is_none() {
                    return Err(format!("input[{i}].arguments: expected a string"));
                }
                calls.insert(item["call_id"].as_str().unwrap_or("").to_string());
            }
            Some("function_call_output") => {
                let id = item["call_id"].as_str().unwrap_or("");
                if !calls.contains(id) {
                    return Err(format!(
                        "No tool call found for function call output with call_id {id}."
                    ));
                }
                // A string, or a list of input parts (text, images, files).
                match &item["output"] {
                    Value::String(_) => {}
                    Value::Array(parts) => {
                        for (k, p) in parts.iter().enumerate() {
                            input_part(p).map_err(|e| format!("input[{i}].output[{k}]{e}"))?;
                        }
                    }
                    _ => return Err(format!("input[{i}].output: expected a string or a list")),
                }
            }
            Some("web_search_call") => {
                if item["id"].as_str().is_none() || item["action"].is_null() {
                    return Err(format!(
                        "input[{i}]: a web_search_call item needs its id and action"
                    ));
                }
            }
            Some("reasoning") => {
                if item["id"].as_str().is_none() {
                    return Err(format!("input[{i}].id: reasoning items need their id"));
                }
            }
            Some("message") | None => {
                if !matches!(
                    item["role"].as_str(),
                    Some("user" | "assistant" | "system" | "developer")
                ) {
                    return Err(format!("input[{i}].role: invalid value"));
                }
            }
            Some(other) => return Err(format!("input[{i}].type: unknown item type {other}")),
        }
    }
    Ok(())
}

/// One input part of a list (a message's content, a function call's
/// output) as the API checks it: its type, and its payload's field.
fn input_part(p: &Value) -> Result<(), String> {
    match p["type"].as_str() {
        Some("input_text") if p["text"].is_string() => Ok(()),
        Some("input_image")
            if p["image_url"]
                .as_str()
                .is_some_and(|u| u.starts_with("data:image/") || u.starts_with("https://"))
                || p["file_id"].is_string() =>
        {
            Ok(())
        }
        Some("input_file") if p["file_data"].is_string() || p["file_id"].is_string() => Ok(()),
        Some(t) => Err(format!(": invalid {t} part")),
        None => Err(".type: missing".into()),
    }
}

pub fn usage_for(body: &str) -> ScriptUsage {
    ScriptUsage {
        input_tokens: tokens_of(body.len()),
        ..ScriptUsage::default()
    }
}

/// `asked_for_sources`: the request's `include` has
/// `web_search_call.action.sources`.
pub fn events(
    turn: &Turn,
    turn_index: usize,
    model: &str,
    usage: ScriptUsage,
    asked_for_sources: bool,
) -> Vec<SseOut> {
    let mut seq = 0u64;
    let mut out = Vec::new();
    let mut push = |kind: &str, mut data: Value| {
        data["type"] = json!(kind);
        data["sequence_number"] = json!(seq);
        seq += 1;
        out.push(SseOut::named(kind, &data));
    };
    let id = format!("resp_scripted_{turn_index}");
    let response = |status: &str, output: Value| json!({"id": id, "object": "response", "status": status, "model": model, "output": output});
    push(
        "response.created",
        json!({"response": response("in_progress", json!([]))}),
    );
    push(
        "response.in_progress",
        json!({"response": response("in_progress", json!([]))}),
    );
    let mut items = Vec::new();
    for (index, block) in turn.blocks.iter().enumerate() {
        let item = match block {
            ScriptBlock::Text { text } => {
                let item_id = format!("msg_{turn_index}_{index}");
                push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": {"id": item_id, "type": "message", "role": "assistant", "status": "in_progress", "content": []}}),
                );
                push(
                    "response.content_part.added",
                    json!({"output_index": index, "item_id": item_id, "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}}),
                );
                for p in pieces(text, 3) {
                    push(
                        "response.output_text.delta",
                        json!({"output_index": index, "item_id": item_id, "content_index": 0, "delta": p}),
                    );
                }
                push(
                    "response.output_text.done",
                    json!({"output_index": index, "item_id": item_id, "content_index": 0, "text": text}),
                );
                let part = json!({"type": "output_text", "text": text, "annotations": []});
                push(
                    "response.content_part.done",
                    json!({"output_index": index, "item_id": item_id, "content_index": 0, "part": part}),
                );
                json!({"id": item_id, "type": "message", "role": "assistant", "status": "completed", "content": [part]})
            }
            ScriptBlock::Thinking { text, signature } => {
                let item_id = format!("rs_{turn_index}_{index}");
                push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": {"id": item_id, "type": "reasoning", "summary": []}}),
                );
                for p in pieces(text, 2) {
                    push(
                        "response.reasoning_summary_text.delta",
                        json!({"output_index": index, "item_id": item_id, "summary_index": 0, "delta": p}),
                    );
                }
                push(
                    "response.reasoning_summary_text.done",
                    json!({"output_index": index, "item_id": item_id, "summary_index": 0, "text": text}),
                );
                json!({"id": item_id, "type": "reasoning", "summary": [{"type": "summary_text", "text": text}], "encrypted_content": signature})
            }
            ScriptBlock::ToolUse { name, input, .. } => {
                let call_id = tool_id("call", turn_index, index, block);
                let item_id = format!("fc_{turn_index}_{index}");
                let args = input.to_string();
                push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": {"id": item_id, "type": "function_call", "status": "in_progress", "call_id": call_id, "name": name, "arguments": ""}}),
                );
                for p in pieces(&args, 3) {
                    push(
                        "response.function_call_arguments.delta",
                        json!({"output_index": index, "item_id": item_id, "delta": p}),
                    );
                }
                push(
                    "response.function_call_arguments.done",
                    json!({"output_index": index, "item_id": item_id, "arguments": args}),
                );
                json!({"id": item_id, "type": "function_call", "status": "completed", "call_id": call_id, "name": name, "arguments": args})
            }
            ScriptBlock::CustomToolCall { name, input, .. } => {
                let call_id = tool_id("call", turn_index, index, block);
                let item_id = format!("ctc_{turn_index}_{index}");
                push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": {"id": item_id, "type": "custom_tool_call", "status": "in_progress", "call_id": call_id, "name": name, "input": ""}}),
                );
                for p in pieces(input, 3) {
                    push(
                        "response.custom_tool_call_input.delta",
                        json!({"output_index": index, "item_id": item_id, "delta": p}),
                    );
                }
                push(
                    "response.custom_tool_call_input.done",
                    json!({"output_index": index, "item_id": item_id, "input": input}),
                );
                json!({"id": item_id, "type": "custom_tool_call", "status": "completed", "call_id": call_id, "name": name, "input": input})
            }
            ScriptBlock::WebSearch { query, results } => {
                let item_id = format!("ws_{turn_index}_{index}");
                push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": {"id": item_id, "type": "web_search_call", "status": "in_progress"}}),
                );
                for stage in ["in_progress", "searching", "completed"] {
                    push(
                        &format!("response.web_search_call.{stage}"),
                        json!({"output_index": index, "item_id": item_id}),
                    );
                }
                // Sources only when the request asked for them, as the API.
                let mut action = json!({"type": "search", "query": query});
                if asked_for_sources {
                    action["sources"] = results
                        .iter()
                        .map(|r| json!({"type": "url", "url": r.url}))
                        .collect();
                }
                json!({"id": item_id, "type": "web_search_call", "status": "completed", "action": action})
            }
        };
        push(
            "response.output_item.done",
            json!({"output_index": index, "item": item}),
        );
        items.push(item);
    }
    let output = if usage.output_tokens > 0 {
        usage.output_tokens
    } else {
        output_tokens(turn)
    };
    let input = usage.input_tokens + usage.cache_read_tokens;
    let mut done = response("completed", json!(items));
    done["usage"] = json!({
        "input_tokens": input, "input_tokens_details": {"cached_tokens": usage.cache_read_tokens},
        "output_tokens": output, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input + output});
    push("response.completed", json!({"response": done}));
    out
}

pub fn error_body(status: u16, message: &str) -> Value {
    let (kind, code) = match status {
        400 => ("invalid_request_error", "invalid_request"),
        401 => ("invalid_request_error", "invalid_api_key"),
        429 => ("requests", "rate_limit_exceeded"),
        _ => ("server_error", "server_error"),
    };
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}
