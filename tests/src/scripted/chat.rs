//! OpenAI Chat Completions: request checks, streamed chunks.

use super::script::{ScriptBlock, ScriptUsage, Turn};
use super::wire::{SseOut, output_tokens, pieces, tool_id};
use serde_json::{Value, json};
use std::collections::HashSet;

pub fn validate(j: &Value) -> Result<(), String> {
    if j["model"].as_str().is_none_or(str::is_empty) {
        return Err("you must provide a model parameter".into());
    }
    if j["stream"] != true {
        return Err("the scripted model only streams: set \"stream\": true".into());
    }
    let messages = j["messages"].as_array().ok_or("messages: required")?;
    let mut open: HashSet<String> = HashSet::new();
    for (i, m) in messages.iter().enumerate() {
        match m["role"].as_str() {
            Some("tool") => {
                let id = m["tool_call_id"].as_str().unwrap_or("");
                if !open.remove(id) {
                    return Err(format!(
                        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. (messages[{i}], tool_call_id {id})"
                    ));
                }
            }
            Some(role) => {
                if !open.is_empty() {
                    return Err(format!(
                        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: {open:?}"
                    ));
                }
                if !matches!(role, "system" | "developer" | "user" | "assistant") {
                    return Err(format!("messages[{i}].role: invalid value {role}"));
                }
                for call in m["tool_calls"].as_array().into_iter().flatten() {
                    if call["function"]["arguments"].as_str().is_none() {
                        return Err(format!(
                            "messages[{i}].tool_calls: arguments must be a string"
                        ));
                    }
                    open.insert(call["id"].as_str().unwrap_or("").to_string());
                }
            }
            None => return Err(format!("messages[{i}].role: required")),
        }
    }
    if !open.is_empty() {
        return Err(format!("tool_call_ids without response messages: {open:?}"));
    }
    Ok(())
}

pub fn events(
    turn: &Turn,
    turn_index: usize,
    model: &str,
    usage: ScriptUsage,
    include_usage: bool,
) -> Vec<SseOut> {
    let id = format!("chatcmpl-scripted-{turn_index}");
    let chunk = |delta: Value, finish: Value| {
        SseOut::data(
            json!({"id": id, "object": "chat.completion.chunk", "created": 0, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
            .to_string(),
        )
    };
    let mut out = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    let mut call_index = 0;
    for (index, block) in turn.blocks.iter().enumerate() {
        match block {
            ScriptBlock::Text { text } => {
                for p in pieces(text, 3) {
                    out.push(chunk(json!({"content": p}), Value::Null));
                }
            }
            ScriptBlock::Thinking { text, .. } => {
                for p in pieces(text, 2) {
                    out.push(chunk(json!({"reasoning_content": p}), Value::Null));
                }
            }
            ScriptBlock::ToolUse { .. } | ScriptBlock::CustomToolCall { .. } => {
                let (name, input) = block.as_call().expect("a call");
                let call_id = tool_id("call", turn_index, index, block);
                out.push(chunk(
                    json!({"tool_calls": [{"index": call_index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]}),
                    Value::Null,
                ));
                for p in pieces(&input.to_string(), 3) {
                    out.push(chunk(json!({"tool_calls": [{"index": call_index, "function": {"arguments": p}}]}), Value::Null));
                }
                call_index += 1;
            }
            // Chat Completions has no hosted search.
            ScriptBlock::WebSearch { .. } => {}
        }
    }
    let finish = turn
        .stop_reason
        .clone()
        .unwrap_or_else(|| if call_index > 0 { "tool_calls" } else { "stop" }.into());
    out.push(chunk(json!({}), json!(finish)));
    if include_usage {
        let output = if usage.output_tokens > 0 {
            usage.output_tokens
        } else {
            output_tokens(turn)
        };
        let prompt = usage.input_tokens + usage.cache_read_tokens;
        out.push(SseOut::data(
            json!({"id": id, "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [],
                   "usage": {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output,
                             "prompt_tokens_details": {"cached_tokens": usage.cache_read_tokens}}})
            .to_string(),
        ));
    }
    out.push(SseOut::data("[DONE]"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_messages_must_answer_a_call() {
        let ok = json!({"model": "m", "stream": true, "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "x", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "r"}]});
        assert_eq!(validate(&ok), Ok(()));
        let mut missing = ok.clone();
        missing["messages"].as_array_mut().unwrap().pop();
        assert!(validate(&missing).is_err());
        let mut orphan = ok.clone();
        orphan["messages"][2]["tool_call_id"] = json!("c9");
        assert!(validate(&orphan).is_err());
    }
}
