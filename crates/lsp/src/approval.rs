//! Approvals in the editor. A client that announces
//! `experimental.tandem.approvals` gets `tandem/approve`: the approval's id,
//! the command, where it runs and why it asks, to show in a dialog of its
//! own; it answers `{id, answer}`. Any other client gets the
//! `window/showMessageRequest` every client can show (Allow once / Always
//! allow / Always allow in this project / Deny), the details in its text.
//! Either way only an answer that names this approval and one of its
//! choices approves: anything else, or no answer in time, is a denial.

use crate::questions;
use crate::state::ClientCaps;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use tandem_core::tools::approval::{Answer, Approval, ApprovalRequest, Approver, Question};
use tandem_protocol::methods;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::notification::Notification;
use tower_lsp_server::ls_types::request::Request;
use tower_lsp_server::ls_types::{MessageActionItem, MessageActionItemProperty, MessageType};

pub const ALLOW_ONCE: &str = "Allow once";
pub const ALWAYS_ALLOW: &str = "Always allow";
pub const ALWAYS_ALLOW_PROJECT: &str = "Always allow in this project";
pub const DENY: &str = "Deny";

/// The choices: the answer a client sends, and the title it shows.
const CHOICES: [(&str, &str); 4] = [
    ("once", ALLOW_ONCE),
    ("session", ALWAYS_ALLOW),
    ("project", ALWAYS_ALLOW_PROJECT),
    ("deny", DENY),
];

/// `tandem/approve`: server → client request.
pub enum Approve {}

#[derive(Debug, Serialize, Deserialize)]
pub struct ApproveParams {
    /// The protocol version (`PROTOCOL_VERSION`); 0 from a server before versions.
    #[serde(default)]
    pub v: u32,
    pub id: String,
    pub tool: String,
    /// The command (or the tool and its main argument), one line.
    pub summary: String,
    pub cwd: PathBuf,
    pub sandbox: Option<String>,
    pub reason: String,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Choice {
    pub answer: String,
    pub title: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ApproveResult {
    pub id: String,
    pub answer: String,
}

impl Request for Approve {
    type Params = ApproveParams;
    type Result = Value;
    const METHOD: &'static str = methods::APPROVE;
}

/// `tandem/approvalClosed` {id, reason}: the server stopped waiting (no
/// answer in time); the client takes the question down.
pub enum ApprovalClosed {}

impl Notification for ApprovalClosed {
    type Params = Value;
    const METHOD: &'static str = methods::APPROVAL_CLOSED;
}

/// The property of `showMessageRequest` actions that names the approval: a
/// client that sends the item back whole proves which question it answers.
const ID_PROPERTY: &str = "tandemApproval";

/// Asks the editor through `client`; holds nothing else of the server.
pub struct EditorApprover {
    client: Client,
    /// The client shows `tandem/approve` (`experimental.tandem.approvals`).
    structured: bool,
    /// The client shows `tandem/question` (`experimental.tandem.questions`).
    questions: bool,
    timeout: Duration,
}

impl EditorApprover {
    pub fn new(client: Client, caps: ClientCaps, timeout_secs: Option<u64>) -> Self {
        EditorApprover {
            client,
            structured: caps.approvals,
            questions: caps.questions,
            timeout: Duration::from_secs(timeout_secs.unwrap_or(120)),
        }
    }

    /// `tandem/approve`; the answer (`once`, …) or why there is none.
    async fn ask_structured(&self, request: &ApprovalRequest) -> Result<String, String> {
        let params = ApproveParams {
            v: tandem_protocol::PROTOCOL_VERSION,
            id: request.id.clone(),
            tool: request.tool.clone(),
            summary: request.summary.clone(),
            cwd: request.cwd.clone(),
            sandbox: request.sandbox.clone(),
            reason: request.reason.clone(),
            choices: CHOICES
                .iter()
                .map(|(answer, title)| Choice {
                    answer: answer.to_string(),
                    title: title.to_string(),
                })
                .collect(),
        };
        let value = self
            .client
            .send_request::<Approve>(params)
            .await
            .map_err(|e| format!("the editor could not ask ({e})"))?;
        if value.is_null() {
            return Err("the user denied it".into());
        }
        let result: ApproveResult = serde_json::from_value(value.clone())
            .map_err(|_| format!("the editor's answer is not one ({value})"))?;
        if result.id != request.id {
            return Err(format!(
                "the answer was for another approval ({}), not this one ({})",
                result.id, request.id
            ));
        }
        Ok(result.answer)
    }

    /// `window/showMessageRequest`; the answer (`once`, …) or why there is
    /// none.
    async fn ask_message(&self, request: &ApprovalRequest) -> Result<String, String> {
        let actions = CHOICES
            .iter()
            .map(|(_, title)| MessageActionItem {
                title: title.to_string(),
                properties: [(
                    ID_PROPERTY.to_string(),
                    MessageActionItemProperty::String(request.id.clone()),
                )]
                .into(),
            })
            .collect();
        let message = format!(
            "Tandem wants to run ({}): {}\n{}\nIt asks because of {}.",
            request.tool,
            request.summary,
            request.place(),
            request.reason
        );
        let item = self
            .client
            .show_message_request(MessageType::WARNING, message, Some(actions))
            .await
            .map_err(|e| format!("the editor could not ask ({e})"))?
            .ok_or("the user denied it")?;
        // A client may send back the title only; one that sends the
        // properties must name this approval.
        if let Some(id) = item.properties.get(ID_PROPERTY)
            && !matches!(id, MessageActionItemProperty::String(id) if *id == request.id)
        {
            return Err(format!("the answer was for another approval ({id:?})"));
        }
        CHOICES
            .iter()
            .find(|(_, title)| *title == item.title)
            .map(|(answer, _)| answer.to_string())
            .ok_or_else(|| format!("`{}` is not one of the answers", item.title))
    }
}

#[async_trait]
impl Approver for EditorApprover {
    /// Every editor can show a question: in its own view, or as a message
    /// with the options as buttons.
    fn can_ask(&self) -> bool {
        true
    }

    async fn ask(&self, question: &Question) -> Result<Answer, String> {
        let ask = questions::ask(&self.client, self.questions, question);
        match tokio::time::timeout(self.timeout, ask).await {
            Ok(answer) => answer,
            Err(_) => Err(format!(
                "no answer within {} seconds",
                self.timeout.as_secs()
            )),
        }
    }

    async fn approve(&self, request: &ApprovalRequest) -> Approval {
        let ask = async {
            if self.structured {
                self.ask_structured(request).await
            } else {
                self.ask_message(request).await
            }
        };
        let answer = match tokio::time::timeout(self.timeout, ask).await {
            Ok(answer) => answer,
            Err(_) => {
                let reason = format!("no answer within {} seconds", self.timeout.as_secs());
                self.client
                    .send_notification::<ApprovalClosed>(
                        json!({ "id": request.id, "reason": reason }),
                    )
                    .await;
                Err(reason)
            }
        };
        match answer.as_deref() {
            Ok("once") => Approval::Allow,
            Ok("session") => Approval::AllowSession,
            Ok("project") => Approval::AllowProject,
            Ok("deny") => Approval::Deny("the user denied it".into()),
            Ok(other) => Approval::Deny(format!("`{other}` is not one of the answers")),
            Err(reason) => Approval::Deny(reason.clone()),
        }
    }
}
