//! Tool calls a model wrote as text. Local models behind a server whose
//! chat template does not turn their calls into API tool calls write them
//! in the reply instead (a fenced ```` ```json {"name": …, "arguments": …}
//! ```` block, Hermes/Qwen `<tool_call>…</tool_call>` tags, or the bare
//! object); a run that took those for the final answer ended "done" having
//! done nothing. Here they are read as calls of the tools the session has,
//! and a reply that looks like a call but cannot be read is said to be one.

use serde_json::Value;

/// What a reply without API tool calls holds.
#[derive(Debug, Clone, PartialEq)]
pub enum InText {
    /// Calls of known tools: `(name, input)` in the order written.
    Calls(Vec<(String, Value)>),
    /// Something shaped like a tool call that is not one we can run (bad
    /// JSON, an unknown tool): why, for the model and the user.
    Broken(String),
    Nothing,
}

/// The JSON texts that may be calls: `<tool_call>` bodies, fenced blocks,
/// or the whole reply when it is one JSON value.
fn candidates(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("<tool_call>") {
        let body = &rest[open + "<tool_call>".len()..];
        let end = body.find("</tool_call>").unwrap_or(body.len());
        out.push(body[..end].trim());
        rest = &body[end..];
    }
    if !out.is_empty() {
        return out;
    }
    let mut rest = text;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let Some(newline) = after.find('\n') else {
            break;
        };
        let lang = after[..newline].trim();
        let body = &after[newline + 1..];
        let Some(close) = body.find("```") else {
            break;
        };
        if lang.is_empty() || lang.eq_ignore_ascii_case("json") || lang == "tool_call" {
            out.push(body[..close].trim());
        }
        rest = &body[close + 3..];
    }
    let whole = text.trim();
    if out.is_empty() && (whole.starts_with('{') || whole.starts_with('[')) {
        out.push(whole);
    }
    out
}

/// One call object: `{"name", "arguments" | "parameters" | "input"}`, the
/// arguments an object or a JSON string of one.
fn call(v: &Value) -> Option<(String, Value)> {
    let v = v.get("function").unwrap_or(v);
    let name = v.get("name")?.as_str()?.to_string();
    let args = ["arguments", "parameters", "input"]
        .iter()
        .find_map(|k| v.get(*k))
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    let args = match args {
        Value::String(s) => serde_json::from_str(&s).ok()?,
        other => other,
    };
    args.is_object().then_some((name, args))
}

fn looks_like_a_call(s: &str) -> bool {
    s.contains("\"name\"")
        && ["\"arguments\"", "\"parameters\"", "\"input\""]
            .iter()
            .any(|k| s.contains(k))
}

/// Read `text` (a reply with no API tool calls); `known` says whether a
/// tool of that name exists in the session.
pub fn read(text: &str, known: impl Fn(&str) -> bool) -> InText {
    let tagged = text.contains("<tool_call>");
    let mut calls = Vec::new();
    for c in candidates(text) {
        let value: Value = match serde_json::from_str(c) {
            Ok(v) => v,
            Err(e) if tagged || looks_like_a_call(c) => {
                return InText::Broken(format!("its JSON does not parse ({e})"));
            }
            Err(_) => continue,
        };
        let items = match &value {
            Value::Array(items) => items.clone(),
            one => vec![one.clone()],
        };
        for item in &items {
            match call(item) {
                Some((name, _)) if !known(&name) => {
                    return InText::Broken(format!("there is no tool `{name}`"));
                }
                Some(found) => calls.push(found),
                None if tagged || looks_like_a_call(&item.to_string()) => {
                    return InText::Broken("it has no `name` with object `arguments`".to_string());
                }
                None => {}
            }
        }
    }
    if calls.is_empty() {
        InText::Nothing
    } else {
        InText::Calls(calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn known(n: &str) -> bool {
        matches!(n, "read" | "edit" | "shell")
    }

    #[test]
    fn a_fenced_json_call_is_a_call() {
        let text = "I'll read the file.\n```json\n{\"name\": \"read\", \"arguments\": {\"path\": \"src/app.py\"}}\n```\n";
        assert_eq!(
            read(text, known),
            InText::Calls(vec![("read".into(), json!({"path": "src/app.py"}))])
        );
    }

    #[test]
    fn hermes_tags_with_string_arguments_and_several_calls() {
        let text = "<tool_call>\n{\"name\": \"read\", \"arguments\": \"{\\\"path\\\": \\\"a.py\\\"}\"}\n</tool_call>\n<tool_call>{\"name\": \"shell\", \"arguments\": {\"command\": \"pytest\"}}</tool_call>";
        assert_eq!(
            read(text, known),
            InText::Calls(vec![
                ("read".into(), json!({"path": "a.py"})),
                ("shell".into(), json!({"command": "pytest"})),
            ])
        );
    }

    #[test]
    fn a_bare_object_and_the_openai_function_shape() {
        let text = "{\"type\": \"function\", \"function\": {\"name\": \"edit\", \"parameters\": {\"path\": \"a\"}}}";
        assert_eq!(
            read(text, known),
            InText::Calls(vec![("edit".into(), json!({"path": "a"}))])
        );
    }

    #[test]
    fn broken_or_unknown_calls_are_said_to_be_broken() {
        let bad = "```json\n{\"name\": \"read\", \"arguments\": {\"path\": \"a.py\"\n```";
        assert!(matches!(read(bad, known), InText::Broken(why) if why.contains("does not parse")));
        let unknown = "<tool_call>{\"name\": \"browse\", \"arguments\": {}}</tool_call>";
        assert!(matches!(read(unknown, known), InText::Broken(why) if why.contains("`browse`")));
    }

    #[test]
    fn ordinary_answers_and_json_examples_are_not_calls() {
        assert_eq!(read("Done: the test passes now.", known), InText::Nothing);
        let example = "The config now reads:\n```json\n{\"port\": 8080}\n```";
        assert_eq!(read(example, known), InText::Nothing);
    }
}
