//! Questions for the user in the editor (`ask_user`, a plan to approve, an
//! MCP server's form). A client that announces
//! `experimental.tandem.questions` gets `tandem/question` {id, kind,
//! header, text, options} and answers `{id, choice, text}` (the option
//! chosen, the user's own words, or both: a plan approved as edited), or
//! null when the user dismissed it. Any other client gets
//! `window/showMessageRequest` with the options as its buttons: a choice,
//! never words of the user's own.

use serde::{Deserialize, Serialize};
use tandem_core::tools::approval::{Answer, Question, QuestionKind, QuestionOption};
use tandem_protocol::methods;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::request::Request;
use tower_lsp_server::ls_types::{MessageActionItem, MessageType};

/// `tandem/question`: server → client request.
pub enum AskQuestion {}

#[derive(Debug, Serialize, Deserialize)]
pub struct QuestionParams {
    /// The protocol version (`PROTOCOL_VERSION`).
    pub v: u32,
    pub id: String,
    /// `choice` (pick an option or answer in words) or `plan` (approve,
    /// edit or send back the plan in `text`).
    pub kind: QuestionKind,
    pub header: String,
    pub text: String,
    pub options: Vec<OptionParams>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct OptionParams {
    pub label: String,
    pub description: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct QuestionResult {
    pub id: String,
    #[serde(default)]
    pub choice: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

impl Request for AskQuestion {
    type Params = QuestionParams;
    type Result = Option<QuestionResult>;
    const METHOD: &'static str = methods::QUESTION;
}

/// Ask `question` through `client`: in its own view when `structured`.
pub async fn ask(client: &Client, structured: bool, question: &Question) -> Result<Answer, String> {
    if structured {
        ask_structured(client, question).await
    } else {
        ask_message(client, question).await
    }
}

async fn ask_structured(client: &Client, question: &Question) -> Result<Answer, String> {
    let params = QuestionParams {
        v: tandem_protocol::PROTOCOL_VERSION,
        id: question.id.clone(),
        kind: question.kind,
        header: question.header.clone(),
        text: question.text.clone(),
        options: question
            .options
            .iter()
            .map(|o| OptionParams {
                label: o.label.clone(),
                description: o.description.clone(),
            })
            .collect(),
    };
    let result = client
        .send_request::<AskQuestion>(params)
        .await
        .map_err(|e| format!("the editor could not ask ({e})"))?
        .ok_or("the user dismissed the question")?;
    if result.id != question.id {
        return Err(format!(
            "the answer was for another question ({}), not this one ({})",
            result.id, question.id
        ));
    }
    checked(&question.options, result.choice, result.text)
}

/// An answer naming an option must name one offered.
fn checked(
    options: &[QuestionOption],
    choice: Option<String>,
    text: Option<String>,
) -> Result<Answer, String> {
    if let Some(c) = &choice
        && !options.iter().any(|o| o.label == *c)
    {
        return Err(format!("`{c}` is not one of the options"));
    }
    let text = text.filter(|t| !t.trim().is_empty());
    if choice.is_none() && text.is_none() {
        return Err("the answer was empty".into());
    }
    Ok(Answer { choice, text })
}

async fn ask_message(client: &Client, question: &Question) -> Result<Answer, String> {
    let actions = question
        .options
        .iter()
        .map(|o| MessageActionItem {
            title: o.label.clone(),
            properties: Default::default(),
        })
        .collect();
    let message = format!("Tandem asks ({}): {}", question.header, question.text);
    let item = client
        .show_message_request(MessageType::INFO, message, Some(actions))
        .await
        .map_err(|e| format!("the editor could not ask ({e})"))?
        .ok_or("the user dismissed the question")?;
    checked(&question.options, Some(item.title), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Vec<QuestionOption> {
        ["approve", "keep-planning"]
            .map(|l| QuestionOption {
                label: l.into(),
                description: String::new(),
            })
            .to_vec()
    }

    #[test]
    fn an_answer_names_an_offered_option_or_has_words() {
        let ok = checked(&options(), Some("approve".into()), Some("1. step".into()));
        assert_eq!(
            ok,
            Ok(Answer {
                choice: Some("approve".into()),
                text: Some("1. step".into())
            })
        );
        assert!(checked(&options(), Some("delete-everything".into()), None).is_err());
        assert!(checked(&options(), None, Some("  ".into())).is_err());
        assert_eq!(
            checked(&options(), None, Some("use sqlite".into()))
                .unwrap()
                .text
                .as_deref(),
            Some("use sqlite")
        );
    }
}
