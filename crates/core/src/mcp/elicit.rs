//! An MCP server's form request (`elicitation/create`, form mode) answered
//! by the user through the face running the server's tool call: first
//! whether to answer at all (answer / decline / cancel), then one question
//! per field, in the schema's order: enum values and booleans as options,
//! an empty answer keeps the field's default, numbers and integers checked
//! (asked again once when they do not parse or are out of range). With
//! nobody to ask (a piped run, a background task) the request is declined:
//! a server never gets an answer nobody gave.

use crate::tools::approval::{Answer, Approver, Question, QuestionKind, QuestionOption};
use serde_json::{Map, Value, json};

/// What the user made of the request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Accept(Map<String, Value>),
    Decline,
    Cancel,
}

const ANSWER: &str = "answer";
const DECLINE: &str = "decline";
const CANCEL: &str = "cancel";

/// Ask `user` the form `schema` (`requestedSchema`: an object of
/// primitive properties) that `server` sent with `message`.
pub async fn ask(
    server: &str,
    message: &str,
    schema: &Value,
    user: Option<&dyn Approver>,
) -> Outcome {
    let Some(user) = user.filter(|u| u.can_ask()) else {
        return Outcome::Decline;
    };
    let header = format!("MCP server `{server}`");
    let fields = fields(schema);
    let listed: Vec<&str> = fields.iter().map(|(k, p)| title(k, p)).collect();
    let first = Question {
        id: crate::tools::approval::next_question_id(),
        kind: QuestionKind::Choice,
        header: header.clone(),
        text: format!("{message}\n(it asks for: {})", listed.join(", ")),
        options: vec![
            option(ANSWER, "answer its questions"),
            option(DECLINE, "say no"),
            option(CANCEL, "dismiss without an answer"),
        ],
    };
    match user.ask(&first).await {
        Ok(a) if a.choice.as_deref() == Some(ANSWER) => {}
        Ok(a) if a.choice.as_deref() == Some(DECLINE) => return Outcome::Decline,
        _ => return Outcome::Cancel,
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut content = Map::new();
    for (key, prop) in &fields {
        let question = field_question(&header, key, prop);
        let mut tries = 0;
        let value = loop {
            let Ok(answer) = user.ask(&question).await else {
                return Outcome::Cancel;
            };
            match value_of(prop, &answer) {
                Ok(v) => break v,
                Err(_) if tries == 0 => tries += 1,
                Err(_) => return Outcome::Cancel,
            }
        };
        match value {
            Some(v) => {
                content.insert(key.clone(), v);
            }
            None if required.contains(&key.as_str()) => return Outcome::Cancel,
            None => {}
        }
    }
    Outcome::Accept(content)
}

fn option(label: &str, description: &str) -> QuestionOption {
    QuestionOption {
        label: label.into(),
        description: description.into(),
    }
}

/// The schema's properties, in its order.
fn fields(schema: &Value) -> Vec<(String, Value)> {
    schema["properties"]
        .as_object()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn title<'a>(key: &'a str, prop: &'a Value) -> &'a str {
    prop["title"].as_str().unwrap_or(key)
}

/// The values a field may take, when it is a choice, each with its title
/// when the schema gives one (`oneOf` consts, legacy `enumNames`).
fn choices(prop: &Value) -> Vec<(String, String)> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(String::from))
            .collect()
    };
    for values in [&prop["enum"], &prop["items"]["enum"]] {
        if values.is_array() {
            let mut names = strings(&prop["enumNames"]).into_iter();
            return strings(values)
                .into_iter()
                .map(|v| (v, names.next().unwrap_or_default()))
                .collect();
        }
    }
    for titled in [
        &prop["oneOf"],
        &prop["anyOf"],
        &prop["items"]["oneOf"],
        &prop["items"]["anyOf"],
    ] {
        if let Some(values) = titled.as_array() {
            return values
                .iter()
                .filter_map(|v| {
                    let title = v["title"].as_str().unwrap_or_default().to_string();
                    v["const"].as_str().map(|c| (c.to_string(), title))
                })
                .collect();
        }
    }
    if prop["type"] == "boolean" {
        return vec![("yes".into(), String::new()), ("no".into(), String::new())];
    }
    Vec::new()
}

fn field_question(header: &str, key: &str, prop: &Value) -> Question {
    let mut text = title(key, prop).to_string();
    if let Some(d) = prop["description"].as_str() {
        text.push_str(&format!(": {d}"));
    }
    let mut notes = Vec::new();
    if let Some(f) = prop["format"].as_str() {
        notes.push(format!("a {f}"));
    }
    if prop["type"] == "integer" || prop["type"] == "number" {
        notes.push(format!(
            "a{} {}",
            if prop["type"] == "integer" { "n" } else { "" },
            prop["type"].as_str().unwrap_or("")
        ));
        match (prop["minimum"].as_f64(), prop["maximum"].as_f64()) {
            (Some(lo), Some(hi)) => notes.push(format!("{lo} to {hi}")),
            (Some(lo), None) => notes.push(format!("at least {lo}")),
            (None, Some(hi)) => notes.push(format!("at most {hi}")),
            _ => {}
        }
    }
    if prop["type"] == "array" {
        notes.push("several, separated by commas".into());
    }
    if !prop["default"].is_null() {
        notes.push(format!("empty keeps {}", prop["default"]));
    }
    if !notes.is_empty() {
        text.push_str(&format!(" ({})", notes.join("; ")));
    }
    Question {
        id: crate::tools::approval::next_question_id(),
        kind: QuestionKind::Choice,
        header: header.to_string(),
        text,
        options: choices(prop)
            .iter()
            .map(|(value, title)| option(value, title))
            .collect(),
    }
}

/// The answer as the field's JSON value; `None` for an empty answer
/// without a default; `Err` when it does not fit the field.
fn value_of(prop: &Value, answer: &Answer) -> Result<Option<Value>, String> {
    let raw = answer
        .choice
        .as_deref()
        .or(answer.text.as_deref())
        .unwrap_or("")
        .trim()
        .to_string();
    if raw.is_empty() {
        return Ok((!prop["default"].is_null()).then(|| prop["default"].clone()));
    }
    let allowed: Vec<String> = choices(prop).into_iter().map(|(v, _)| v).collect();
    let in_range = |n: f64| {
        prop["minimum"].as_f64().is_none_or(|lo| n >= lo)
            && prop["maximum"].as_f64().is_none_or(|hi| n <= hi)
    };
    match prop["type"].as_str() {
        Some("boolean") => match raw.to_lowercase().as_str() {
            "yes" | "y" | "true" => Ok(Some(json!(true))),
            "no" | "n" | "false" => Ok(Some(json!(false))),
            _ => Err(format!("`{raw}` is not yes or no")),
        },
        Some("integer") => match raw.parse::<i64>() {
            Ok(n) if in_range(n as f64) => Ok(Some(json!(n))),
            _ => Err(format!("`{raw}` is not an integer in range")),
        },
        Some("number") => match raw.parse::<f64>() {
            Ok(n) if n.is_finite() && in_range(n) => Ok(Some(json!(n))),
            _ => Err(format!("`{raw}` is not a number in range")),
        },
        Some("array") => {
            let picked: Vec<String> = raw
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if !allowed.is_empty() && picked.iter().any(|p| !allowed.contains(p)) {
                return Err(format!("`{raw}` names a value not offered"));
            }
            Ok(Some(json!(picked)))
        }
        _ if !allowed.is_empty() && !allowed.contains(&raw) => {
            Err(format!("`{raw}` is not one of the values offered"))
        }
        _ => Ok(Some(json!(raw))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::approval::fixture::User;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "Name", "description": "Your full name"},
                "check": {"type": "boolean", "description": "Agree to the terms"},
                "integer": {"type": "integer", "minimum": 1, "maximum": 100, "default": 42},
                "friend": {"type": "string", "enum": ["Monica", "Joey"], "default": "Monica"},
                "instruments": {"type": "array", "items": {"type": "string", "enum": ["Guitar", "Piano"]}}
            },
            "required": ["name"]
        })
    }

    fn says(choice: Option<&str>, text: Option<&str>) -> Answer {
        Answer {
            choice: choice.map(String::from),
            text: text.map(String::from),
        }
    }

    #[tokio::test]
    async fn each_field_is_asked_and_typed_as_its_schema_says() {
        let user = User::answering(|q| match q.text.split([':', ' ']).next().unwrap() {
            _ if q.options.iter().any(|o| o.label == ANSWER) => says(Some(ANSWER), None),
            "Name" => says(None, Some("Ada Lovelace")),
            "check" => says(Some("yes"), None),
            // Empty keeps the default.
            "integer" => says(None, Some("")),
            "friend" => says(Some("Joey"), None),
            _ => says(None, Some("Guitar, Piano")),
        });
        let got = ask("everything", "Please fill in", &schema(), Some(&*user)).await;
        let Outcome::Accept(content) = got else {
            panic!("{got:?}")
        };
        assert_eq!(
            Value::Object(content),
            json!({"name": "Ada Lovelace", "check": true, "integer": 42, "friend": "Joey", "instruments": ["Guitar", "Piano"]})
        );
        let asked = user.asked.lock();
        assert!(asked[0].text.contains("Please fill in") && asked[0].text.contains("Name"));
        assert!(asked.iter().all(|q| q.header == "MCP server `everything`"));
        let friend = asked.iter().find(|q| q.text.starts_with("friend")).unwrap();
        let labels: Vec<&str> = friend.options.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(labels, ["Monica", "Joey"]);
    }

    #[tokio::test]
    async fn a_bad_number_is_asked_again_then_the_form_is_cancelled() {
        let user = User::answering(|q| match () {
            _ if q.options.iter().any(|o| o.label == ANSWER) => says(Some(ANSWER), None),
            _ if q.text.starts_with("integer") => says(None, Some("500")),
            _ => says(None, Some("x")),
        });
        let schema = json!({"properties": {"integer": {"type": "integer", "maximum": 100}}});
        assert_eq!(ask("s", "m", &schema, Some(&*user)).await, Outcome::Cancel);
        assert_eq!(
            user.asked.lock().len(),
            3,
            "the question, then the field twice"
        );
    }

    #[tokio::test]
    async fn declining_and_having_nobody_to_ask_both_decline() {
        let user = User::answering(|_| says(Some(DECLINE), None));
        assert_eq!(
            ask("s", "m", &schema(), Some(&*user)).await,
            Outcome::Decline
        );
        assert_eq!(user.asked.lock().len(), 1);
        assert_eq!(ask("s", "m", &schema(), None).await, Outcome::Decline);
        // An empty required field is no answer.
        let user = User::answering(|q| match () {
            _ if q.options.iter().any(|o| o.label == ANSWER) => says(Some(ANSWER), None),
            _ => says(None, Some("")),
        });
        assert_eq!(
            ask("s", "m", &schema(), Some(&*user)).await,
            Outcome::Cancel
        );
    }
}
