//! Anthropic Messages API: request checks, streamed events, error bodies,
//! and an honest simulation of prompt caching.

use super::script::{ScriptBlock, ScriptUsage, Turn};
use super::wire::{SseOut, output_tokens, pieces, tokens_of, tool_id};
use serde_json::{Value, json};
use std::collections::HashSet;

/// Reject what the real API rejects, with its kind of message.
pub fn validate(j: &Value) -> Result<(), String> {
    if j["model"].as_str().is_none_or(str::is_empty) {
        return Err("model: Field required".into());
    }
    if j["max_tokens"].as_u64().is_none() {
        return Err("max_tokens: Field required".into());
    }
    if j["stream"] != true {
        return Err("the scripted model only streams: set \"stream\": true".into());
    }
    let messages = j["messages"].as_array().ok_or("messages: Field required")?;
    if messages.is_empty() {
        return Err("messages: at least one message is required".into());
    }
    let breakpoints = j.to_string().matches("\"cache_control\"").count();
    if breakpoints > 4 {
        return Err(format!(
            "A maximum of 4 blocks with cache_control may be provided. Found {breakpoints}."
        ));
    }
    let mut expect = "user";
    let mut pending: HashSet<String> = HashSet::new();
    for (i, m) in messages.iter().enumerate() {
        let role = m["role"].as_str().unwrap_or("");
        if role != expect {
            return Err(format!(
                "messages.{i}: roles must alternate between \"user\" and \"assistant\", starting with user; got {role}"
            ));
        }
        let blocks: Vec<Value> = match &m["content"] {
            Value::String(s) => vec![json!({"type": "text", "text": s})],
            Value::Array(a) => a.clone(),
            _ => return Err(format!("messages.{i}.content: must be a string or a list")),
        };
        if blocks.is_empty() {
            return Err(format!("messages.{i}: content must be non-empty"));
        }
        let mut seen_other = false;
        let mut answered = HashSet::new();
        for (k, b) in blocks.iter().enumerate() {
            match b["type"].as_str() {
                Some("tool_result") => {
                    if role != "user" {
                        return Err(format!(
                            "messages.{i}.content.{k}: tool_result only in user messages"
                        ));
                    }
                    if seen_other {
                        return Err(format!(
                            "messages.{i}: tool_result blocks must come first in the content"
                        ));
                    }
                    let id = b["tool_use_id"].as_str().unwrap_or("");
                    if !pending.contains(id) {
                        return Err(format!(
                            "messages.{i}.content.{k}: unexpected `tool_use_id` found in `tool_result` blocks: {id}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
                        ));
                    }
                    answered.insert(id.to_string());
                }
                Some("text") => {
                    seen_other = true;
                    if b["text"].as_str().is_none_or(str::is_empty) {
                        return Err(format!(
                            "messages.{i}.content.{k}: text content blocks must be non-empty"
                        ));
                    }
                }
                Some("thinking") => {
                    if b["signature"].as_str().is_none_or(str::is_empty) {
                        return Err(format!(
                            "messages.{i}.content.{k}.thinking.signature: Field required"
                        ));
                    }
                }
                Some("tool_use") | Some("redacted_thinking") | Some("image") => seen_other = true,
                // The hosted search's blocks, sent back as they came.
                Some("server_tool_use") | Some("web_search_tool_result") => {
                    if role != "assistant" {
                        return Err(format!(
                            "messages.{i}.content.{k}: server tool blocks only in assistant messages"
                        ));
                    }
                    seen_other = true;
                }
                other => {
                    return Err(format!(
                        "messages.{i}.content.{k}: unknown block type {other:?}"
                    ));
                }
            }
        }
        if role == "user" && !pending.is_empty() && answered.len() != pending.len() {
            return Err(format!(
                "messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: {pending:?}"
            ));
        }
        pending = blocks
            .iter()
            .filter(|b| b["type"] == "tool_use")
            .filter_map(|b| b["id"].as_str().map(str::to_owned))
            .collect();
        expect = if role == "user" { "assistant" } else { "user" };
    }
    // A turn paused during a server tool (`pause_turn`) is sent back as
    // it is: then the last message is the assistant's, with the server
    // tool's blocks.
    let resumes_a_pause = messages.last().is_some_and(|m| {
        m["role"] == "assistant"
            && m["content"]
                .as_array()
                .is_some_and(|c| c.iter().any(|b| b["type"] == "server_tool_use"))
    });
    if expect != "assistant" && !resumes_a_pause {
        return Err("the last message must be from the user".into());
    }
    Ok(())
}

/// The request as the cache sees it: tools, then system, then message
/// blocks, each as canonical JSON without its cache marker; and the indexes
/// of the elements that carry a breakpoint.
pub fn cache_elements(j: &Value) -> (Vec<String>, Vec<usize>) {
    let mut elements = Vec::new();
    let mut breakpoints = Vec::new();
    let mut add = |mut v: Value, role: Option<&str>| {
        if let Some(obj) = v.as_object_mut() {
            if obj.remove("cache_control").is_some() {
                breakpoints.push(elements.len());
            }
            if let Some(r) = role {
                obj.insert("role".into(), json!(r));
            }
        }
        elements.push(v.to_string());
    };
    for t in j["tools"].as_array().into_iter().flatten() {
        add(t.clone(), None);
    }
    match &j["system"] {
        Value::String(s) => add(json!({"type": "text", "text": s}), None),
        Value::Array(a) => a.iter().for_each(|b| add(b.clone(), None)),
        _ => {}
    }
    for m in j["messages"].as_array().into_iter().flatten() {
        let role = m["role"].as_str();
        match &m["content"] {
            Value::String(s) => add(json!({"type": "text", "text": s}), role),
            Value::Array(a) => a.iter().for_each(|b| add(b.clone(), role)),
            _ => {}
        }
    }
    (elements, breakpoints)
}

/// Usage for a request given the cache prefixes earlier requests wrote;
/// returns the usage and the prefixes this request writes.
pub fn simulate_cache(j: &Value, earlier: &[Vec<String>]) -> (ScriptUsage, Vec<Vec<String>>) {
    let (elements, breakpoints) = cache_elements(j);
    let size = |els: &[String]| els.iter().map(String::len).sum::<usize>();
    let total = tokens_of(size(&elements));
    let Some(&last) = breakpoints.last() else {
        return (
            ScriptUsage {
                input_tokens: total,
                output_tokens: 0,
                cache_read_tokens: 0,
                cache_write_tokens: 0,
            },
            vec![],
        );
    };
    let cacheable = tokens_of(size(&elements[..=last]));
    let hit = earlier
        .iter()
        .filter(|p| p.len() <= elements.len() && elements[..p.len()] == p[..])
        .map(|p| tokens_of(size(p)))
        .max()
        .unwrap_or(0)
        .min(cacheable);
    let written = breakpoints
        .iter()
        .map(|&b| elements[..=b].to_vec())
        .collect();
    (
        ScriptUsage {
            input_tokens: total - cacheable,
            output_tokens: 0,
            cache_read_tokens: hit,
            cache_write_tokens: cacheable - hit,
        },
        written,
    )
}

pub fn events(turn: &Turn, turn_index: usize, model: &str, usage: ScriptUsage) -> Vec<SseOut> {
    let mut out = vec![SseOut::named(
        "message_start",
        &json!({"type": "message_start", "message": {
            "id": format!("msg_scripted_{turn_index}"), "type": "message", "role": "assistant",
            "model": model, "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": usage.input_tokens, "output_tokens": 1,
                      "cache_creation_input_tokens": usage.cache_write_tokens,
                      "cache_read_input_tokens": usage.cache_read_tokens}}}),
    )];
    out.push(SseOut::named("ping", &json!({"type": "ping"})));
    // A hosted search is two blocks: later blocks move up one.
    let mut extra = 0;
    for (i, block) in turn.blocks.iter().enumerate() {
        let index = i + extra;
        let start = |content: Value| {
            SseOut::named(
                "content_block_start",
                &json!({"type": "content_block_start", "index": index, "content_block": content}),
            )
        };
        let delta = |d: Value| {
            SseOut::named(
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": index, "delta": d}),
            )
        };
        match block {
            ScriptBlock::Text { text } => {
                out.push(start(json!({"type": "text", "text": ""})));
                for p in pieces(text, 3) {
                    out.push(delta(json!({"type": "text_delta", "text": p})));
                }
            }
            ScriptBlock::Thinking { text, signature } => {
                out.push(start(
                    json!({"type": "thinking", "thinking": "", "signature": ""}),
                ));
                for p in pieces(text, 2) {
                    out.push(delta(json!({"type": "thinking_delta", "thinking": p})));
                }
                out.push(delta(
                    json!({"type": "signature_delta", "signature": signature}),
                ));
            }
            ScriptBlock::WebSearch { query, results } => {
                let id = format!("srvtoolu_{turn_index}_{index}");
                out.push(start(
                    json!({"type": "server_tool_use", "id": id, "name": "web_search", "input": {}}),
                ));
                let input = json!({ "query": query }).to_string();
                for p in pieces(&input, 2) {
                    out.push(delta(
                        json!({"type": "input_json_delta", "partial_json": p}),
                    ));
                }
                out.push(SseOut::named(
                    "content_block_stop",
                    &json!({"type": "content_block_stop", "index": index}),
                ));
                extra += 1;
                let content: Vec<Value> = results
                    .iter()
                    .map(|r| json!({"type": "web_search_result", "url": r.url, "title": r.title,
                                    "encrypted_content": format!("scripted:{}", r.url), "page_age": null}))
                    .collect();
                out.push(SseOut::named(
                    "content_block_start",
                    &json!({"type": "content_block_start", "index": index + 1, "content_block":
                            {"type": "web_search_tool_result", "tool_use_id": id, "content": content}}),
                ));
                out.push(SseOut::named(
                    "content_block_stop",
                    &json!({"type": "content_block_stop", "index": index + 1}),
                ));
                continue;
            }
            ScriptBlock::ToolUse { .. } | ScriptBlock::CustomToolCall { .. } => {
                let (name, input) = block.as_call().expect("a call");
                let id = tool_id("toolu", turn_index, i, block);
                out.push(start(
                    json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                ));
                for p in pieces(&input.to_string(), 3) {
                    out.push(delta(
                        json!({"type": "input_json_delta", "partial_json": p}),
                    ));
                }
            }
        }
        out.push(SseOut::named(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        ));
    }
    let has_tools = turn.blocks.iter().any(|b| b.as_call().is_some());
    let stop = turn
        .stop_reason
        .clone()
        .unwrap_or_else(|| if has_tools { "tool_use" } else { "end_turn" }.into());
    let output = if usage.output_tokens > 0 {
        usage.output_tokens
    } else {
        output_tokens(turn)
    };
    out.push(SseOut::named(
        "message_delta",
        &json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": output}}),
    ));
    out.push(SseOut::named(
        "message_stop",
        &json!({"type": "message_stop"}),
    ));
    out
}

pub fn error_body(status: u16, message: &str) -> Value {
    let kind = match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    };
    json!({"type": "error", "error": {"type": kind, "message": message}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(messages: Value) -> Value {
        json!({"model": "m", "max_tokens": 10, "stream": true, "messages": messages})
    }

    #[test]
    fn orphan_tool_results_and_bad_roles_are_rejected() {
        let ok = req(json!([
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "x", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "r"}]}
        ]));
        assert_eq!(validate(&ok), Ok(()));
        let orphan = req(json!([
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t9", "content": "r"}]}
        ]));
        assert!(validate(&orphan).unwrap_err().contains("t9"));
        let unanswered = req(json!([
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "x", "input": {}}]},
            {"role": "user", "content": "next"}
        ]));
        assert!(
            validate(&unanswered)
                .unwrap_err()
                .contains("without `tool_result`")
        );
        let roles = req(json!([{"role": "assistant", "content": "x"}]));
        assert!(validate(&roles).is_err());
    }

    #[test]
    fn a_request_extending_an_earlier_one_reads_its_prefix_from_cache() {
        let first = json!({"system": [{"type": "text", "text": "S".repeat(400), "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Q".repeat(400), "cache_control": {"type": "ephemeral"}}]}]});
        let (u1, written) = simulate_cache(&first, &[]);
        assert_eq!(u1.cache_read_tokens, 0);
        assert!(u1.cache_write_tokens > 200);
        let second = json!({"system": [{"type": "text", "text": "S".repeat(400), "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Q".repeat(400)}]},
                         {"role": "assistant", "content": "A"},
                         {"role": "user", "content": [{"type": "text", "text": "more", "cache_control": {"type": "ephemeral"}}]}]});
        let (u2, _) = simulate_cache(&second, &written);
        assert_eq!(u2.cache_read_tokens, u1.cache_write_tokens);
        assert!(u2.cache_write_tokens > 0 && u2.cache_write_tokens < 50);
    }
}
