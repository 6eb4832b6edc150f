//! Asking the user before a risky tool call. The core only knows this trait;
//! each face (the editor, later the terminal) answers it its own way, with a
//! timeout that denies.

use async_trait::async_trait;
use serde_json::Value;
use std::path::PathBuf;

/// What the agent wants to do, for the user to judge.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalRequest {
    /// Unique in this process. A face that hears answers separately from
    /// its questions (an editor) checks that an answer names this id, so a
    /// stale or misdirected answer approves nothing.
    pub id: String,
    pub tool: String,
    /// One line: the command, or the tool and its main argument.
    pub summary: String,
    pub input: Value,
    /// The folder the call works in.
    pub cwd: PathBuf,
    /// Where it runs (the sandbox's own description), when it runs
    /// anything.
    pub sandbox: Option<String>,
    /// Why the user is asked: the rule, hook or permission mode.
    pub reason: String,
}

impl ApprovalRequest {
    /// Where the call works, for a question's text: `in FOLDER, sandbox …`.
    pub fn place(&self) -> String {
        match &self.sandbox {
            Some(s) => format!("in {}, sandbox {s}", self.cwd.display()),
            None => format!("in {}", self.cwd.display()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// This once.
    Allow,
    /// This and calls like it, for the rest of the session.
    AllowSession,
    /// Like `AllowSession`, and saved as a rule in the project.
    AllowProject,
    /// Denied, with the reason the model is told.
    Deny(String),
}

#[async_trait]
pub trait Approver: Send + Sync {
    async fn approve(&self, request: &ApprovalRequest) -> Approval;
}

/// The line a user sees for a tool call.
pub fn summarize(tool: &str, input: &Value) -> String {
    match input.get("command").and_then(Value::as_str) {
        Some(command) => command.to_string(),
        None => format!("{tool} {input}"),
    }
}
