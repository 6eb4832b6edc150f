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

/// Something the agent asks the user outright: a question with options
/// (`ask_user`) or a plan to approve (`exit_plan_mode`).
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// Unique in this process, like an approval's.
    pub id: String,
    pub kind: QuestionKind,
    /// A short label (a few words): what the question is about.
    pub header: String,
    /// The question, or the plan in Markdown.
    pub text: String,
    pub options: Vec<QuestionOption>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuestionKind {
    /// Pick one of the options, or answer in your own words.
    Choice,
    /// Approve the plan (in the mode an option names), or keep planning
    /// with feedback; an approval may carry the plan as the user edited it.
    Plan,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuestionOption {
    /// What the answer says (`approve`, or the model's label).
    pub label: String,
    #[serde(default)]
    pub description: String,
}

/// The user's answer: the option they chose, their own words, or both (a
/// plan approved as edited).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub choice: Option<String>,
    pub text: Option<String>,
}

#[async_trait]
pub trait Approver: Send + Sync {
    async fn approve(&self, request: &ApprovalRequest) -> Approval;

    /// Whether `ask` can reach a person (a terminal, an editor): the tools
    /// that ask are offered only then.
    fn can_ask(&self) -> bool {
        false
    }

    /// Ask the user; `Err` says why there is no answer (nobody to ask, no
    /// answer in time).
    async fn ask(&self, _question: &Question) -> Result<Answer, String> {
        Err("nobody can be asked in this run".into())
    }
}

/// Question ids: unique in the process, apart from approvals'.
static NEXT_QUESTION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub fn next_question_id() -> String {
    format!(
        "q{}",
        NEXT_QUESTION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// The line a user sees for a tool call.
pub fn summarize(tool: &str, input: &Value) -> String {
    match input.get("command").and_then(Value::as_str) {
        Some(command) => command.to_string(),
        None => format!("{tool} {input}"),
    }
}

/// A user for tests of the tools that ask: answers with `answer` and keeps
/// every question.
#[cfg(test)]
pub mod fixture {
    use super::*;
    use crate::sync::Mutex;
    use std::sync::Arc;

    type Answering = Box<dyn Fn(&Question) -> Answer + Send + Sync>;

    pub struct User {
        answer: Answering,
        pub asked: Mutex<Vec<Question>>,
    }

    impl User {
        pub fn answering(
            answer: impl Fn(&Question) -> Answer + Send + Sync + 'static,
        ) -> Arc<User> {
            Arc::new(User {
                answer: Box::new(answer),
                asked: Mutex::new(Vec::new()),
            })
        }
    }

    #[async_trait]
    impl Approver for User {
        async fn approve(&self, _: &ApprovalRequest) -> Approval {
            Approval::Deny("not in this test".into())
        }
        fn can_ask(&self) -> bool {
            true
        }
        async fn ask(&self, q: &Question) -> Result<Answer, String> {
            self.asked.lock().push(q.clone());
            Ok((self.answer)(q))
        }
    }
}
