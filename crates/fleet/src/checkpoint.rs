//! A running task's checkpoint off the worker's machine: its transcript
//! and its result so far, stored at every safe point of the conversation
//! (before each model call), so the worker that takes it over after a
//! crash resumes there instead of starting again.

use crate::connect::Fleet;
use crate::names;
use serde::{Deserialize, Serialize};
use tandem_core::tasks::{Store, TaskResult};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The step it belongs to (0 the start, n the n-th follow-up).
    pub step: u32,
    /// `transcript.jsonl` as written.
    pub transcript: String,
    pub result: TaskResult,
}

impl Fleet {
    /// Store the checkpoint the runner just wrote into `store`.
    pub async fn save_checkpoint(&self, store: &Store, id: &str, step: u32) -> Result<(), String> {
        let transcript =
            std::fs::read_to_string(store.transcript_path(id)).map_err(|e| e.to_string())?;
        let result = store.result(id).map_err(|e| e.to_string())?;
        let bytes = serde_json::to_vec(&Checkpoint {
            step,
            transcript,
            result,
        })
        .map_err(|e| e.to_string())?;
        self.put_object(&names::checkpoint_object(id), &bytes)
            .await?;
        self.update_record(id, |r| {
            r.checkpoints += 1;
            r.checkpoint_step = Some(step);
        })
        .await
        .map(drop)
    }

    pub async fn load_checkpoint(&self, id: &str) -> Result<Checkpoint, String> {
        serde_json::from_slice(&self.get_object(&names::checkpoint_object(id)).await?)
            .map_err(|e| format!("task {id}: its checkpoint is unreadable: {e}"))
    }

    /// Put a checkpoint into the local store, where the runner resumes it.
    pub fn restore(store: &Store, id: &str, checkpoint: &Checkpoint) -> Result<(), String> {
        std::fs::write(store.transcript_path(id), &checkpoint.transcript)
            .map_err(|e| e.to_string())?;
        store
            .save_result(id, &checkpoint.result)
            .map_err(|e| e.to_string())
    }

    /// The result of a task: the final one once it ended, else the latest
    /// checkpoint's, else nothing yet.
    pub async fn result(&self, id: &str) -> Result<TaskResult, String> {
        if self.has_object(&names::result_object(id)).await {
            return serde_json::from_slice(&self.get_object(&names::result_object(id)).await?)
                .map_err(|e| format!("task {id}: its result is unreadable: {e}"));
        }
        if self.has_object(&names::checkpoint_object(id)).await {
            return Ok(self.load_checkpoint(id).await?.result);
        }
        Ok(TaskResult::default())
    }

    /// The task's transcript (its newest checkpoint's).
    pub async fn transcript(&self, id: &str) -> Result<String, String> {
        Ok(self.load_checkpoint(id).await?.transcript)
    }
}

/// The tool calls of a transcript's conversation, in order: name, input
/// and whether it completed (a result came back that is not the note a
/// resumed session gives calls its predecessor never finished). A resumed
/// task that repeated a completed call shows it twice.
pub fn tool_calls(transcript: &str) -> Vec<serde_json::Value> {
    use tandem_core::model::Block;
    let Ok(dir) = tempfile::tempdir() else {
        return Vec::new();
    };
    let path = dir.path().join("transcript.jsonl");
    if std::fs::write(&path, transcript).is_err() {
        return Vec::new();
    }
    let lines = tandem_core::transcript::read(&path).unwrap_or_default();
    let messages = tandem_core::transcript::conversation(&lines);
    let blocks: Vec<&Block> = messages.iter().flat_map(|m| m.content.iter()).collect();
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::ToolUse { id, name, input } => {
                let completed = blocks.iter().any(|r| {
                    matches!(r, Block::ToolResult { tool_use_id, content, is_error, .. }
                        if tool_use_id == id
                            && !(*is_error && content.starts_with(INTERRUPTED)))
                });
                Some(serde_json::json!({"name": name, "input": input, "completed": completed}))
            }
            _ => None,
        })
        .collect()
}

/// How the core's resume answers a call whose result was lost with its
/// process (`agent::Session::resume`).
const INTERRUPTED: &str = "not finished: the task was interrupted";
