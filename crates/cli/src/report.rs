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

/// Serialized with the protocol version beside its fields (`"v": 1`): the
/// `--json` result line and a task's `result.json` (see `impl Serialize`).
#[derive(Debug, Clone, Serialize)]
#[serde(remote = "Self")]
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

impl Serialize for RunReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The derived field-by-field form (`remote = "Self"`), flattened.
        fn fields<S: serde::Serializer>(report: &&RunReport, s: S) -> Result<S::Ok, S::Error> {
            RunReport::serialize(report, s)
        }
        #[derive(Serialize)]
        struct Wire<'a> {
            v: u32,
            #[serde(flatten, serialize_with = "fields")]
            report: &'a RunReport,
        }
        Wire {
            v: tandem_protocol::PROTOCOL_VERSION,
            report: self,
        }
        .serialize(serializer)
    }
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
        Outcome::Stuck => 5,
        Outcome::Budget => 6,
        Outcome::Cancelled => 130,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_line_carries_the_protocol_version_beside_its_fields() {
        let report = RunReport {
            outcome: Outcome::Done,
            message: "done".into(),
            diff: String::new(),
            files: Vec::new(),
            citations: Vec::new(),
            commands: Vec::new(),
            sources: Vec::new(),
            turns: 1,
            usage: Usage::default(),
            cost_usd: None,
            applied: false,
            apply: None,
            next: Some("not on the wire".into()),
            error: None,
        };
        let value = serde_json::to_value(&report).unwrap();
        assert_eq!(value["v"], tandem_protocol::PROTOCOL_VERSION);
        assert_eq!(value["outcome"], "done");
        assert_eq!(value["message"], "done");
        assert_eq!(value["turns"], 1);
        assert_eq!(value["usage"]["input_tokens"], 0);
        // The derived attributes still hold: skipped fields stay off.
        assert!(value.get("next").is_none() && value.get("sources").is_none());
    }
}
