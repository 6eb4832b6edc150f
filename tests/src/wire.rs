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
            .map(|i| match &i["output"] {
                // A function call's output may be a list of input parts.
                Value::Array(parts) => parts
                    .iter()
                    .filter_map(|p| p["text"].as_str())
                    .collect::<Vec<_>>()
                    .join(""),
                other => other.as_str().unwrap_or_default().to_string(),
            })
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

/// An image a request carried, as its wire put it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentImage {
    pub media_type: String,
    /// The image's bytes, base64 as sent.
    pub base64: String,
    /// Inside a tool result (Anthropic's `tool_result` content, a Responses
    /// `function_call_output` list) rather than in a user message.
    pub in_tool_result: bool,
}

/// Every image in the request, in order, in each wire's shape: Anthropic
/// `image` blocks with a base64 source, Responses `input_image` and Chat
/// `image_url` parts with a data URL.
pub fn images(request: &RecordedRequest) -> Vec<SentImage> {
    let j = &request.json;
    let mut found = Vec::new();
    let mut part = |p: &Value, in_tool_result: bool| {
        let (media_type, base64) = match p["type"].as_str() {
            Some("image") => (
                p["source"]["media_type"].as_str().unwrap_or("").to_string(),
                p["source"]["data"].as_str().unwrap_or("").to_string(),
            ),
            Some("input_image") => data_url(p["image_url"].as_str().unwrap_or("")),
            Some("image_url") => data_url(p["image_url"]["url"].as_str().unwrap_or("")),
            _ => return,
        };
        found.push(SentImage {
            media_type,
            base64,
            in_tool_result,
        });
    };
    let key = match request.protocol {
        Protocol::Responses => "input",
        _ => "messages",
    };
    for m in messages(j, key) {
        for b in blocks(m) {
            part(b, false);
            if b["type"] == "tool_result" {
                blocks(b).for_each(|p| part(p, true));
            }
        }
        if m["type"] == "function_call_output" {
            m["output"]
                .as_array()
                .into_iter()
                .flatten()
                .for_each(|p| part(p, true));
        }
    }
    found
}

/// `data:<type>;base64,<data>` → (type, data); anything else is empty.
fn data_url(url: &str) -> (String, String) {
    url.strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
        .map(|(t, d)| (t.to_string(), d.to_string()))
        .unwrap_or_default()
}

fn messages<'a>(j: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    j[key].as_array().into_iter().flatten()
}

fn blocks(m: &Value) -> impl Iterator<Item = &Value> {
    m["content"].as_array().into_iter().flatten()
}
