//! Reading what reached the model out of recorded requests, whatever the
//! wire protocol, so one test can run against all three.

use crate::scripted::{Protocol, RecordedRequest};
use serde_json::Value;

/// The protocols Tandem speaks, with the `--provider` name for each.
pub const PROVIDERS: [(&str, Protocol); 3] = [
    ("anthropic", Protocol::Anthropic),
    ("openai", Protocol::Responses),
    ("openai-chat", Protocol::Chat),
];

/// Base URL to pass as `--base-url` for a provider against a server URL.
pub fn base_url(provider: &str, server_url: &str) -> String {
    match provider {
        "anthropic" => server_url.to_string(),
        _ => format!("{server_url}/v1"),
    }
}

/// The text of every tool result in the request, in order.
pub fn tool_results(request: &RecordedRequest) -> Vec<String> {
    let j = &request.json;
    match request.protocol {
        Protocol::Anthropic => messages(j, "messages")
            .flat_map(blocks)
            .filter(|b| b["type"] == "tool_result")
            .map(|b| match &b["content"] {
                Value::String(s) => s.clone(),
                Value::Array(parts) => parts
                    .iter()
                    .filter_map(|p| p["text"].as_str())
                    .collect::<Vec<_>>()
                    .join(""),
                other => other.to_string(),
            })
            .collect(),
        Protocol::Responses => messages(j, "input")
            .filter(|i| {
                i["type"] == "function_call_output" || i["type"] == "custom_tool_call_output"
            })
            .map(|i| i["output"].as_str().unwrap_or_default().to_string())
            .collect(),
        Protocol::Chat => messages(j, "messages")
            .filter(|m| m["role"] == "tool")
            .map(|m| m["content"].as_str().unwrap_or_default().to_string())
            .collect(),
    }
}

/// The system prompt the request carried.
pub fn system_prompt(request: &RecordedRequest) -> String {
    let j = &request.json;
    match request.protocol {
        Protocol::Anthropic => match &j["system"] {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join(""),
            _ => String::new(),
        },
        Protocol::Responses => j["instructions"].as_str().unwrap_or_default().to_string(),
        Protocol::Chat => messages(j, "messages")
            .filter(|m| m["role"] == "system")
            .filter_map(|m| m["content"].as_str())
            .collect::<Vec<_>>()
            .join(""),
    }
}

/// Names of the tools offered to the model.
pub fn tool_names(request: &RecordedRequest) -> Vec<String> {
    request.json["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().or(t["function"]["name"].as_str()))
        .map(str::to_owned)
        .collect()
}

/// The tool named `name` as the request offered it, in the wire's own
/// shape (on Responses a `function` or a `custom` tool with its format).
pub fn offered_tool(request: &RecordedRequest, name: &str) -> Option<Value> {
    request.json["tools"]
        .as_array()?
        .iter()
        .find(|t| t["name"] == name || t["function"]["name"] == name)
        .cloned()
}

fn messages<'a>(j: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    j[key].as_array().into_iter().flatten()
}

fn blocks(m: &Value) -> impl Iterator<Item = &Value> {
    m["content"].as_array().into_iter().flatten()
}
