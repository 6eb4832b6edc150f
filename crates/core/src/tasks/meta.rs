//! What is known about a task, persisted as `meta.json` beside its
//! transcript.

use crate::model::Usage;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Waiting for a free slot.
    Queued,
    Running,
    /// Finished; its result waits for review.
    Done,
    /// Stopped at the turn limit; the result so far can be reviewed.
    TurnLimit,
    /// The model or the set-up failed; see `error`.
    Failed,
    Cancelled,
    /// The process running it died (killed, crashed, machine restarted).
    Interrupted,
    /// Its result was written to the user's files.
    Applied,
    Discarded,
}

impl TaskState {
    /// Someone is (or should be) working on it now.
    pub fn is_live(self) -> bool {
        matches!(self, TaskState::Queued | TaskState::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Done => "done",
            TaskState::TurnLimit => "turn_limit",
            TaskState::Failed => "failed",
            TaskState::Cancelled => "cancelled",
            TaskState::Interrupted => "interrupted",
            TaskState::Applied => "applied",
            TaskState::Discarded => "discarded",
        }
    }
}

/// The process working on a task: its pid and start time, so a pid reused
/// by another process after a crash is not mistaken for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub pid: u32,
    pub start: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskMeta {
    pub id: String,
    pub prompt: String,
    pub state: TaskState,
    /// Unix seconds.
    pub created: u64,
    pub updated: u64,
    /// The workspace the task works on.
    pub root: PathBuf,
    /// Settings given when it started (flags, editor options), as TOML text,
    /// so a resumed task runs as it started.
    #[serde(default)]
    pub settings: String,
    /// Best-of-N: the attempts of one prompt share a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// Feedback sent back with follow-ups, in order.
    #[serde(default)]
    pub follow_ups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The agent's last message (its summary).
    #[serde(default)]
    pub summary: String,
    /// Model calls made, over all its steps.
    #[serde(default)]
    pub turns: u32,
    #[serde(default)]
    pub usage: Usage,
    #[serde(default)]
    pub cost_usd: Option<f64>,
    /// Files in its proposal.
    #[serde(default)]
    pub files: Vec<String>,
    /// Set once the result is on a branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// The environment's set-up of the last step, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<super::environment::SetupRecord>,
}

/// Timestamps are the transcripts' (seconds since the epoch).
pub use crate::transcript::now;
