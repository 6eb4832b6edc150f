//! The submitting side's view of remote tasks: find, list, wait with live
//! events, cancel, follow up, mark applied or discarded. The faces show
//! the records as they show local tasks (`RemoteTask::meta`).

use crate::connect::Fleet;
use crate::events;
use crate::names;
use crate::record::{Control, RemoteTask, Work};
use futures::StreamExt;
use std::path::Path;
use std::time::Duration;
use tandem_core::agent::Event;
use tandem_core::tasks::TaskState;

impl Fleet {
    /// The tasks submitted from the repository at `origin`, oldest first.
    pub async fn list(&self, origin: &Path) -> Result<Vec<RemoteTask>, String> {
        Ok(self
            .records()
            .await?
            .into_iter()
            .filter(|t| t.origin == origin)
            .collect())
    }

    /// The task whose id starts or ends with `prefix`, among those of
    /// `origin`; `None` when no remote task matches.
    pub async fn find(&self, origin: &Path, prefix: &str) -> Result<Option<RemoteTask>, String> {
        if names::valid_id(prefix)
            && let Some((t, _)) = self.record(prefix).await?
        {
            return Ok(Some(t));
        }
        let matches: Vec<RemoteTask> = self
            .list(origin)
            .await?
            .into_iter()
            .filter(|t| t.id.starts_with(prefix) || t.id.ends_with(prefix))
            .collect();
        match matches.len() {
            0 => Ok(None),
            1 => Ok(matches.into_iter().next()),
            n => Err(format!(
                "`{prefix}` matches {n} remote tasks; give more of the id"
            )),
        }
    }

    /// Wait until every task in `ids` has ended, telling `seen` each live
    /// event as it arrives. Returns the records at the end.
    pub async fn wait(
        &self,
        ids: &[String],
        mut seen: impl FnMut(&str, &Event),
    ) -> Result<Vec<RemoteTask>, String> {
        let mut streams = Vec::new();
        for id in ids {
            let id2 = id.clone();
            streams.push(
                events::subscribe(&self.client, id)
                    .await?
                    .map(move |e| (id2.clone(), e))
                    .boxed(),
            );
        }
        let mut live = futures::stream::select_all(streams);
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                Some((id, event)) = live.next() => seen(&id, &event),
                _ = tick.tick() => {
                    let mut records = Vec::new();
                    for id in ids {
                        match self.record(id).await? {
                            Some((r, _)) => records.push(r),
                            None => return Err(format!("no remote task {id}")),
                        }
                    }
                    if records.iter().all(|r| !r.state.is_live()) {
                        // Events published just before the end still in flight.
                        while let Ok(Some((id, event))) =
                            tokio::time::timeout(Duration::from_millis(100), live.next()).await
                        {
                            seen(&id, &event);
                        }
                        return Ok(records);
                    }
                }
            }
        }
    }

    /// Ask whichever worker holds the task to stop it; a task still queued
    /// is marked cancelled and skipped when a worker takes it up.
    pub async fn cancel(&self, id: &str) -> Result<(), String> {
        let (record, _) = self
            .record(id)
            .await?
            .ok_or_else(|| format!("no remote task {id}"))?;
        if !record.state.is_live() {
            return Err(format!(
                "task {id} is not running ({})",
                record.state.as_str()
            ));
        }
        if record.state == TaskState::Queued {
            self.update_record(id, |r| {
                if r.state == TaskState::Queued {
                    r.state = TaskState::Cancelled;
                }
            })
            .await?;
        }
        let payload = serde_json::to_vec(&Control::Cancel).map_err(|e| e.to_string())?;
        self.client
            .publish(names::control_subject(id), payload.into())
            .await
            .map_err(|e| e.to_string())?;
        self.client.flush().await.map_err(|e| e.to_string())
    }

    /// Send an ended task back with feedback: the next step, for any worker.
    pub async fn follow_up(&self, id: &str, message: &str) -> Result<(), String> {
        let mut step = 0;
        let mut live = false;
        self.update_record(id, |r| {
            live = r.state.is_live();
            if !live {
                step = r.steps_done;
                r.state = TaskState::Queued;
            }
        })
        .await?;
        if live {
            return Err("the task is still running; wait for it".into());
        }
        crate::submit::enqueue(
            self,
            &Work {
                id: id.to_string(),
                step,
                follow_up: Some(message.to_string()),
            },
        )
        .await
    }

    /// Mark an ended task (applied, discarded).
    pub async fn mark(&self, id: &str, state: TaskState) -> Result<RemoteTask, String> {
        self.update_record(id, |r| r.state = state).await
    }
}
