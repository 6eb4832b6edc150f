//! Approvals on the terminal. Standard input is shared with steering: while
//! a question is open, the next line typed answers it; otherwise a line
//! steers the agent.

use async_trait::async_trait;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tandem_core::agent::SteerHandle;
use tandem_core::sync::Mutex;
use tandem_core::tools::approval::{
    Answer, Approval, ApprovalRequest, Approver, Question, QuestionKind,
};
use tokio::sync::oneshot;

/// What `tandem exec` does with a call that needs approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Approvals {
    /// Ask on the terminal (the default when standard input is a terminal).
    Prompt,
    /// Refuse it; only calls allowed by a rule or `--allow` run (the
    /// default otherwise).
    Deny,
}

type Pending = Arc<Mutex<Option<oneshot::Sender<String>>>>;

pub struct TerminalApprover {
    pending: Pending,
    timeout: Duration,
}

#[async_trait]
impl Approver for TerminalApprover {
    async fn approve(&self, request: &ApprovalRequest) -> Approval {
        let (tx, rx) = oneshot::channel();
        discard_typed_ahead();
        *self.pending.lock() = Some(tx);
        {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\nTandem wants to run ({}, approval {}): {}\n  {}\n  asks because of {}\n  [y] allow once  [a] always (this session)  [p] always in this project  [N] deny: ",
                request.tool,
                request.id,
                request.summary,
                request.place(),
                request.reason
            );
            let _ = err.flush();
        }
        let answer = tokio::time::timeout(self.timeout, rx).await;
        self.pending.lock().take();
        match answer {
            Ok(Ok(line)) => match line.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => Approval::Allow,
                "a" | "always" => Approval::AllowSession,
                "p" | "project" => Approval::AllowProject,
                _ => Approval::Deny("the user denied it".into()),
            },
            Ok(Err(_)) => Approval::Deny("standard input closed".into()),
            Err(_) => Approval::Deny(format!(
                "no answer within {} seconds",
                self.timeout.as_secs()
            )),
        }
    }

    fn can_ask(&self) -> bool {
        true
    }

    async fn ask(&self, question: &Question) -> Result<Answer, String> {
        let mut text = match question.kind {
            QuestionKind::Plan => format!("\nTandem's plan:\n{}\n", question.text),
            QuestionKind::Choice => {
                format!("\nTandem asks ({}): {}\n", question.header, question.text)
            }
        };
        for (i, option) in question.options.iter().enumerate() {
            text.push_str(&format!("  {}. {}", i + 1, option.label));
            if !option.description.is_empty() {
                text.push_str(&format!(" — {}", option.description));
            }
            text.push('\n');
        }
        text.push_str(match question.kind {
            QuestionKind::Plan => {
                "  [y] approve  [a] approve, commands run  or type what to change: "
            }
            QuestionKind::Choice if question.options.is_empty() => "  your answer: ",
            QuestionKind::Choice => "  a number, or your own answer: ",
        });
        let line = self.next_line(&text).await?;
        Ok(answer_from(question, &line))
    }
}

impl TerminalApprover {
    /// Show `text`, then wait for the next line typed (or piped).
    async fn next_line(&self, text: &str) -> Result<String, String> {
        let (tx, rx) = oneshot::channel();
        discard_typed_ahead();
        *self.pending.lock() = Some(tx);
        {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{text}");
            let _ = err.flush();
        }
        let answer = tokio::time::timeout(self.timeout, rx).await;
        self.pending.lock().take();
        match answer {
            Ok(Ok(line)) => Ok(line.trim().to_string()),
            Ok(Err(_)) => Err("standard input closed".into()),
            Err(_) => Err(format!(
                "no answer within {} seconds",
                self.timeout.as_secs()
            )),
        }
    }
}

/// What a typed line means: an option's number or label, else the user's
/// own words (for a plan: `y` approves, `a` approves with commands running,
/// anything else is feedback and planning goes on).
fn answer_from(question: &Question, line: &str) -> Answer {
    let by_number = line
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| question.options.get(i));
    let by_label = question
        .options
        .iter()
        .find(|o| o.label.eq_ignore_ascii_case(line));
    let plan_key = match (question.kind, line.to_ascii_lowercase().as_str()) {
        (QuestionKind::Plan, "y" | "yes") => question.options.first(),
        (QuestionKind::Plan, "a" | "auto") => question.options.get(1),
        _ => None,
    };
    match by_number.or(by_label).or(plan_key) {
        Some(option) => Answer {
            choice: Some(option.label.clone()),
            text: None,
        },
        None => Answer {
            choice: (question.kind == QuestionKind::Plan)
                .then(|| question.options.last().map(|o| o.label.clone()))
                .flatten(),
            text: (!line.is_empty()).then(|| line.to_string()),
        },
    }
}

/// Keys typed before the question was shown are not its answer: the
/// unfinished line a terminal holds (a steering message half typed) is
/// dropped. A pipe is left as it is: scripts answer ahead on purpose.
fn discard_typed_ahead() {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        // SAFETY: tcflush on our own standard input.
        unsafe { libc::tcflush(libc::STDIN_FILENO, libc::TCIFLUSH) };
    }
}

/// Read standard input on a thread: lines answer an open question, or
/// steer. Returns the approver that asks through it.
pub fn spawn_stdin(steer: Option<SteerHandle>, timeout_secs: Option<u64>) -> Arc<TerminalApprover> {
    let pending: Pending = Arc::new(Mutex::new(None));
    let approver = Arc::new(TerminalApprover {
        pending: pending.clone(),
        timeout: Duration::from_secs(timeout_secs.unwrap_or(120)),
    });
    // A blocking thread: tokio's stdin would keep the runtime alive at exit.
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut line = String::new();
        while stdin.read_line(&mut line).is_ok_and(|n| n > 0) {
            let text = line.trim().to_string();
            line.clear();
            if let Some(answer) = pending.lock().take() {
                let _ = answer.send(text);
                continue;
            }
            if let (Some(steer), false) = (&steer, text.is_empty()) {
                steer.send(text);
            }
        }
    });
    approver
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::tools::approval::QuestionOption;

    fn question(kind: QuestionKind, labels: &[&str]) -> Question {
        Question {
            id: "q1".into(),
            kind,
            header: "H".into(),
            text: "T".into(),
            options: labels
                .iter()
                .map(|l| QuestionOption {
                    label: l.to_string(),
                    description: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_line_is_an_option_by_number_or_label_or_the_users_own_words() {
        let q = question(QuestionKind::Choice, &["Postgres", "SQLite"]);
        assert_eq!(answer_from(&q, "2").choice.as_deref(), Some("SQLite"));
        assert_eq!(
            answer_from(&q, "postgres").choice.as_deref(),
            Some("Postgres")
        );
        let own = answer_from(&q, "neither, use files");
        assert_eq!(
            (own.choice, own.text.as_deref()),
            (None, Some("neither, use files"))
        );
        assert_eq!(answer_from(&q, "3").text.as_deref(), Some("3"));
    }

    #[test]
    fn a_plan_is_approved_only_by_y_or_a_anything_else_is_feedback() {
        let q = question(
            QuestionKind::Plan,
            &["approve", "approve-auto", "keep-planning"],
        );
        assert_eq!(answer_from(&q, "y").choice.as_deref(), Some("approve"));
        assert_eq!(answer_from(&q, "a").choice.as_deref(), Some("approve-auto"));
        let no = answer_from(&q, "add a test first");
        assert_eq!(no.choice.as_deref(), Some("keep-planning"));
        assert_eq!(no.text.as_deref(), Some("add a test first"));
        assert_eq!(answer_from(&q, "").choice.as_deref(), Some("keep-planning"));
    }
}
