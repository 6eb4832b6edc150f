//! Approvals on the terminal. Standard input is shared with steering: while
//! a question is open, the next line typed answers it; otherwise a line
//! steers the agent.

use async_trait::async_trait;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tandem_core::agent::SteerHandle;
use tandem_core::sync::Mutex;
use tandem_core::tools::approval::{Approval, ApprovalRequest, Approver};
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
