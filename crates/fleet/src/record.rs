//! A remote task's record in the KV bucket (`task.<id>`): what the
//! submitter sent and what the workers made of it so far. Small by design
//! (KV values stay far below 1 MB): the repository, checkpoints and the
//! result are objects the record names.

use crate::connect::{Fleet, retry};
use crate::names;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tandem_core::model::Usage;
use tandem_core::tasks::{TaskMeta, TaskState};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteTask {
    pub id: String,
    pub prompt: String,
    pub state: TaskState,
    pub created: u64,
    pub updated: u64,
    /// Where it was submitted from: the repository folder on the
    /// submitting machine (`tandem task list` there shows its own).
    pub origin: PathBuf,
    /// The settings that travel (secrets removed: see `secrets`), as TOML.
    pub settings: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// The worker holding it now (or last), `host/pid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// Times a worker took it up (more than one: it was redelivered or
    /// followed up).
    #[serde(default)]
    pub runs: u32,
    /// Checkpoints stored (the newest is `checkpoint/<id>`).
    #[serde(default)]
    pub checkpoints: u32,
    /// The step (0 the start, then each follow-up) the newest checkpoint
    /// belongs to, and how many steps have ended.
    #[serde(default)]
    pub checkpoint_step: Option<u32>,
    #[serde(default)]
    pub steps_done: u32,
    /// The latest step was a resume from a checkpoint another run left.
    #[serde(default)]
    pub resumed: bool,
    #[serde(default)]
    pub follow_ups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub turns: u32,
    #[serde(default)]
    pub usage: Usage,
    #[serde(default)]
    pub cost_usd: Option<f64>,
    #[serde(default)]
    pub files: Vec<String>,
}

impl RemoteTask {
    /// The record as the task faces show a task.
    pub fn meta(&self) -> TaskMeta {
        TaskMeta {
            id: self.id.clone(),
            prompt: self.prompt.clone(),
            state: self.state,
            created: self.created,
            updated: self.updated,
            root: self.origin.clone(),
            settings: self.settings.clone(),
            group: self.group.clone(),
            attempt: self.attempt,
            owner: None,
            follow_ups: self.follow_ups.clone(),
            error: self.error.clone(),
            summary: self.summary.clone(),
            turns: self.turns,
            usage: self.usage,
            cost_usd: self.cost_usd,
            files: self.files.clone(),
            branch: None,
            // The set-up ran on the worker: its record stays there (not yet shipped).
            setup: None,
        }
    }
}

/// The message on the work queue: which task, which step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Work {
    pub id: String,
    /// 0 the start, n the n-th follow-up: a step already ended is not
    /// run again when JetStream delivers its message a second time.
    pub step: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<String>,
}

/// A control message on `tandem.task.<id>.control`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Control {
    Cancel,
}

impl Fleet {
    /// A task's record and its revision, `None` when there is none.
    pub async fn record(&self, id: &str) -> Result<Option<(RemoteTask, u64)>, String> {
        let key = names::task_key(id);
        let entry = retry("read a task record", || self.kv.entry(key.clone())).await?;
        match entry {
            Some(e) if e.operation == async_nats::jetstream::kv::Operation::Put => {
                let task = serde_json::from_slice(&e.value)
                    .map_err(|err| format!("task record {id} is unreadable: {err}"))?;
                Ok(Some((task, e.revision)))
            }
            _ => Ok(None),
        }
    }

    /// Write a new record; fails if one exists.
    pub async fn create_record(&self, task: &RemoteTask) -> Result<(), String> {
        let value = serde_json::to_vec(task).map_err(|e| e.to_string())?;
        let key = names::task_key(&task.id);
        retry("store a task record", || {
            self.kv.create(key.clone(), value.clone().into())
        })
        .await
        .map(drop)
    }

    /// Change a record under optimistic concurrency: read, change, write
    /// at the read revision, again if someone wrote in between.
    pub async fn update_record(
        &self,
        id: &str,
        mut change: impl FnMut(&mut RemoteTask),
    ) -> Result<RemoteTask, String> {
        let key = names::task_key(id);
        for _ in 0..50 {
            let Some((mut task, revision)) = self.record(id).await? else {
                return Err(format!("no remote task {id}"));
            };
            change(&mut task);
            task.updated = tandem_core::tasks::meta::now();
            let value = serde_json::to_vec(&task).map_err(|e| e.to_string())?;
            match self.kv.update(key.clone(), value.into(), revision).await {
                Ok(_) => return Ok(task),
                Err(e) => tracing::debug!("task {id}: record changed meanwhile ({e}); again"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(format!("task {id}: cannot update its record"))
    }

    /// Every record in the bucket.
    pub async fn records(&self) -> Result<Vec<RemoteTask>, String> {
        use futures::StreamExt;
        let mut keys = retry("list the task records", || self.kv.keys()).await?;
        let mut out = Vec::new();
        while let Some(key) = keys.next().await {
            let Ok(key) = key else { continue };
            if let Some(id) = key.strip_prefix("task.")
                && let Some((task, _)) = self.record(id).await?
            {
                out.push(task);
            }
        }
        out.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        Ok(out)
    }
}
