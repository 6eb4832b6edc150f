//! Every name on the cluster, in one place: the stream, bucket and object
//! store (configurable), the subjects, KV keys and object names.

use tandem_core::settings::NatsSettings;

pub const DEFAULT_STREAM: &str = "TANDEM_TASKS";
pub const DEFAULT_BUCKET: &str = "tandem_tasks";
pub const DEFAULT_OBJECTS: &str = "tandem_objects";
/// The durable pull consumer all workers share (one delivery per task).
pub const CONSUMER: &str = "tandem_workers";

#[derive(Debug, Clone)]
pub struct Names {
    pub stream: String,
    pub bucket: String,
    pub objects: String,
}

impl Names {
    pub fn of(s: &NatsSettings) -> Names {
        Names {
            stream: s.stream.clone().unwrap_or_else(|| DEFAULT_STREAM.into()),
            bucket: s.kv_bucket.clone().unwrap_or_else(|| DEFAULT_BUCKET.into()),
            objects: s
                .object_store
                .clone()
                .unwrap_or_else(|| DEFAULT_OBJECTS.into()),
        }
    }

    /// The work-queue subjects: one per task, so follow-ups of a task and
    /// its start share a prefix (`tandem.work.<id>`).
    pub fn work_subjects(&self) -> String {
        "tandem.work.>".into()
    }
}

pub fn work_subject(id: &str) -> String {
    format!("tandem.work.{id}")
}

/// Live events of a task (plain NATS: whoever listens now gets them).
pub fn events_subject(id: &str) -> String {
    format!("tandem.task.{id}.events")
}

/// Cancel requests, to whichever worker holds the task.
pub fn control_subject(id: &str) -> String {
    format!("tandem.task.{id}.control")
}

/// KV key of a task's record.
pub fn task_key(id: &str) -> String {
    format!("task.{id}")
}

pub fn manifest_object(id: &str) -> String {
    format!("manifest/{id}")
}

pub fn bundle_object(head: &str) -> String {
    format!("bundle/{head}")
}

pub fn blob_object(oid: &str) -> String {
    format!("blob/{oid}")
}

pub fn checkpoint_object(id: &str) -> String {
    format!("checkpoint/{id}")
}

pub fn result_object(id: &str) -> String {
    format!("result/{id}")
}

/// Task ids become parts of subjects and keys: only what both allow.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
