//! What a finished run hands to the user: the outcome, the agent's last
//! words, the proposal as a diff, what was read, what was run, what it cost.

use serde::Serialize;
use tandem_core::agent::Outcome;
use tandem_core::changes::protected::RunsCode;
use tandem_core::changes::{ChangeKind, ChangeSet, Citation};
use tandem_core::model::Usage;
use tandem_core::tools::{CommandRecord, SourceUse};

#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub path: String,
    pub kind: ChangeKind,
    pub added: usize,
    pub removed: usize,
    /// The change can make code run on the user's machine (hooks, MCP
    /// servers, editor tasks, git config): `--apply` leaves it out unless
    /// named.
    pub runs_code: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub outcome: Outcome,
    /// The model's final message, if it ended with one.
    pub message: String,
    pub diff: String,
    pub files: Vec<FileSummary>,
    pub citations: Vec<Citation>,
    pub commands: Vec<CommandRecord>,
    /// Skills and MCP tools whose content the agent used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceUse>,
    pub turns: u32,
    pub usage: Usage,
    pub cost_usd: Option<f64>,
    /// Whether the whole proposal was written to disk (`--apply`).
    pub applied: bool,
    /// File by file what `--apply` did: written, merged, refused, left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply: Option<tandem_core::apply::Applied>,
    /// What to do next, instead of the default last line (tasks).
    #[serde(skip)]
    pub next: Option<String>,
    /// Why the run failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `runs_code`: which files run code (`Workspace::runs_code`, or
/// `RunsCode::of` for a saved proposal).
pub fn summarize_files(changes: &ChangeSet, runs_code: &RunsCode) -> Vec<FileSummary> {
    changes
        .files()
        .map(|(path, change)| {
            let hunks = tandem_core::changes::hunks(
                change.baseline.as_deref().unwrap_or(""),
                change.proposed.as_deref().unwrap_or(""),
            );
            FileSummary {
                path: path.clone(),
                kind: change.kind(),
                added: hunks.iter().map(|h| h.new_len).sum(),
                removed: hunks.iter().map(|h| h.old_len).sum(),
                runs_code: runs_code.change(path, change),
            }
        })
        .collect()
}

/// Exit status of `tandem exec`, distinct per kind of ending.
pub fn exit_code(outcome: Outcome) -> i32 {
    match outcome {
        Outcome::Done => 0,
        Outcome::ModelError => 3,
        Outcome::TurnLimit => 4,
        Outcome::Cancelled => 130,
    }
}
