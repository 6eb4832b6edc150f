//! Submitting: the repository's snapshot uploaded (only what the store
//! lacks), a record per attempt in the bucket, and a message per attempt
//! on the work queue.

use crate::bundle::{self, MAX_SNAPSHOT_BYTES, Uploaded};
use crate::connect::{Fleet, retry};
use crate::names;
use crate::record::{RemoteTask, Work};
use crate::secrets;
use std::path::Path;
use tandem_core::tasks::TaskState;

pub struct Submitted {
    pub ids: Vec<String>,
    pub uploaded: Uploaded,
}

/// Submit `prompt` on the repository at `root` as `attempts` tasks, with
/// the run flags `flags` (the shippable part of them travels).
pub async fn submit(
    fleet: &Fleet,
    root: &Path,
    prompt: &str,
    flags: &toml::Table,
    attempts: u32,
) -> Result<Submitted, String> {
    if prompt.trim().is_empty() {
        return Err("the prompt is empty".into());
    }
    let settings = toml::to_string(&secrets::shippable(flags)).map_err(|e| e.to_string())?;
    let manifest = bundle::snapshot(root, MAX_SNAPSHOT_BYTES)?;
    let attempts = attempts.max(1);
    let group = (attempts > 1).then(|| format!("g{}", new_id()));
    let mut uploaded = Uploaded::default();
    let mut ids = Vec::new();
    for n in 1..=attempts {
        let id = new_id();
        let sent = bundle::upload(fleet, root, &manifest, &id, MAX_SNAPSHOT_BYTES).await?;
        uploaded.objects_sent += sent.objects_sent;
        uploaded.bytes_sent += sent.bytes_sent;
        let now = tandem_core::tasks::meta::now();
        fleet
            .create_record(&RemoteTask {
                id: id.clone(),
                prompt: prompt.to_string(),
                state: TaskState::Queued,
                created: now,
                updated: now,
                origin: root.to_path_buf(),
                settings: settings.clone(),
                group: group.clone(),
                attempt: group.as_ref().map(|_| n),
                worker: None,
                runs: 0,
                checkpoints: 0,
                checkpoint_step: None,
                steps_done: 0,
                resumed: false,
                follow_ups: Vec::new(),
                error: None,
                summary: String::new(),
                turns: 0,
                usage: Default::default(),
                cost_usd: None,
                files: Vec::new(),
            })
            .await?;
        enqueue(
            fleet,
            &Work {
                id: id.clone(),
                step: 0,
                follow_up: None,
            },
        )
        .await?;
        ids.push(id);
    }
    Ok(Submitted { ids, uploaded })
}

/// Put a step of a task on the work queue, confirmed by JetStream.
pub async fn enqueue(fleet: &Fleet, work: &Work) -> Result<(), String> {
    let payload = serde_json::to_vec(work).map_err(|e| e.to_string())?;
    let subject = names::work_subject(&work.id);
    retry("queue the task", || async {
        fleet
            .js
            .publish(subject.clone(), payload.clone().into())
            .await
            .map_err(|e| e.to_string())?
            .await
            .map_err(|e| e.to_string())
    })
    .await
    .map(drop)
}

/// Ids like local tasks' (time first, so they sort; the last 8 random).
fn new_id() -> String {
    use rand::Rng;
    let r: u32 = rand::rng().random();
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    format!("{ms:011x}{r:08x}")
}
