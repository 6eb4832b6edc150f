//! Approvals in the editor: `window/showMessageRequest` with Allow once /
//! Always allow / Deny, the prompt every client can show. No answer in time
//! is a denial.

use super::backend::Backend;
use crate::tools::approval::{Approval, ApprovalRequest, Approver};
use async_trait::async_trait;
use std::time::Duration;
use tower_lsp_server::ls_types::{MessageActionItem, MessageType};

pub const ALLOW_ONCE: &str = "Allow once";
pub const ALWAYS_ALLOW: &str = "Always allow";
pub const ALWAYS_ALLOW_PROJECT: &str = "Always allow in this project";
pub const DENY: &str = "Deny";

pub struct EditorApprover {
    backend: Backend,
    timeout: Duration,
}

impl EditorApprover {
    pub fn new(backend: Backend, timeout_secs: Option<u64>) -> Self {
        EditorApprover {
            backend,
            timeout: Duration::from_secs(timeout_secs.unwrap_or(120)),
        }
    }
}

#[async_trait]
impl Approver for EditorApprover {
    async fn approve(&self, request: &ApprovalRequest) -> Approval {
        let actions = [ALLOW_ONCE, ALWAYS_ALLOW, ALWAYS_ALLOW_PROJECT, DENY]
            .iter()
            .map(|t| MessageActionItem {
                title: t.to_string(),
                properties: Default::default(),
            })
            .collect();
        let message = format!(
            "Tandem wants to run ({}): {}",
            request.tool, request.summary
        );
        let ask =
            self.backend
                .client
                .show_message_request(MessageType::WARNING, message, Some(actions));
        match tokio::time::timeout(self.timeout, ask).await {
            Ok(Ok(Some(item))) if item.title == ALLOW_ONCE => Approval::Allow,
            Ok(Ok(Some(item))) if item.title == ALWAYS_ALLOW => Approval::AllowSession,
            Ok(Ok(Some(item))) if item.title == ALWAYS_ALLOW_PROJECT => Approval::AllowProject,
            Ok(Ok(_)) => Approval::Deny("the user denied it".into()),
            Ok(Err(e)) => Approval::Deny(format!("the editor could not ask ({e})")),
            Err(_) => Approval::Deny(format!(
                "no answer within {} seconds",
                self.timeout.as_secs()
            )),
        }
    }
}
