//! The proposals under review, by origin: the foreground run's (the
//! workspace the editor's runs write to) and one per background task whose
//! result the user opened. Each is reviewed on its own against the user's
//! text now, so accepting one never takes another's hunks, and a hunk of one
//! that the user's acceptance of another overlaps turns conflicted like any
//! other edit of the user's.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Arc;
use tandem_core::sync::Mutex;
use tandem_core::workspace::Workspace;

/// Which proposal a hunk, file or "accept all" belongs to. On the wire:
/// `"run"` (the foreground, also what a missing `group` means) or
/// `"task:<id>"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum GroupId {
    #[default]
    Run,
    Task(String),
}

impl GroupId {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "run" => Ok(GroupId::Run),
            _ => match s.strip_prefix("task:") {
                Some(id) if !id.is_empty() => Ok(GroupId::Task(id.to_string())),
                _ => Err(format!(
                    "`group` must be \"run\" or \"task:<id>\", not {s:?}"
                )),
            },
        }
    }

    pub fn wire(&self) -> String {
        match self {
            GroupId::Run => "run".to_string(),
            GroupId::Task(id) => format!("task:{id}"),
        }
    }

    /// What the user reads in front of a task's hunks ("task 3f2a1b9c").
    pub fn label(&self) -> Option<String> {
        match self {
            GroupId::Run => None,
            GroupId::Task(id) => Some(format!("task {}", short(id))),
        }
    }
}

/// A task id as the user sees it, as `tandem task` shows it; `Store::find`
/// takes it.
pub use tandem_core::tasks::branch::short_id as short;

impl Serialize for GroupId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.wire())
    }
}

impl<'de> Deserialize<'de> for GroupId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        GroupId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One proposal under review.
#[derive(Clone)]
pub struct Group {
    pub id: GroupId,
    /// The foreground's title, or the task's prompt (first line).
    pub title: String,
    pub ws: Arc<Workspace>,
}

struct OpenTask {
    id: String,
    title: String,
    ws: Arc<Workspace>,
    accepted: usize,
}

/// The tasks opened for review, in the order they were opened.
#[derive(Default)]
pub struct TaskGroups {
    inner: Mutex<Vec<OpenTask>>,
}

impl TaskGroups {
    /// Open task `id`'s proposal for review; an already open one is kept
    /// as it is (with what the user answered), and `false` is returned.
    pub fn open(&self, id: &str, prompt: &str, ws: impl FnOnce() -> Arc<Workspace>) -> bool {
        let mut inner = self.inner.lock();
        if inner.iter().any(|t| t.id == id) {
            return false;
        }
        let title = prompt
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(80)
            .collect();
        inner.push(OpenTask {
            id: id.to_string(),
            title,
            ws: ws(),
            accepted: 0,
        });
        true
    }

    pub fn get(&self, id: &str) -> Option<Arc<Workspace>> {
        let inner = self.inner.lock();
        inner.iter().find(|t| t.id == id).map(|t| t.ws.clone())
    }

    /// Stop reviewing task `id`; how many of its hunks were accepted.
    pub fn close(&self, id: &str) -> Option<usize> {
        let mut inner = self.inner.lock();
        let at = inner.iter().position(|t| t.id == id)?;
        Some(inner.remove(at).accepted)
    }

    pub fn count_accepted(&self, id: &str, n: usize) {
        if let Some(t) = self.inner.lock().iter_mut().find(|t| t.id == id) {
            t.accepted += n;
        }
    }

    pub fn all(&self) -> Vec<Group> {
        self.inner
            .lock()
            .iter()
            .map(|t| Group {
                id: GroupId::Task(t.id.clone()),
                title: t.title.clone(),
                ws: t.ws.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_read_back_and_bad_ones_say_what_is_expected() {
        for id in [GroupId::Run, GroupId::Task("3f2a1b9c77".into())] {
            assert_eq!(GroupId::parse(&id.wire()).unwrap(), id);
            let json = serde_json::to_value(&id).unwrap();
            assert_eq!(serde_json::from_value::<GroupId>(json).unwrap(), id);
        }
        let err = GroupId::parse("task:").unwrap_err();
        assert!(err.contains("task:<id>"), "{err}");
        assert!(GroupId::parse("Run").is_err());
        assert_eq!(
            GroupId::Task("1a234736da2ecddca33".into())
                .label()
                .as_deref(),
            Some("task ecddca33")
        );
    }

    #[test]
    fn a_task_opens_once_and_counts_what_was_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let ws = || Arc::new(Workspace::new(dir.path()).unwrap());
        let groups = TaskGroups::default();
        assert!(groups.open("t1", "Fix the parser\nmore", ws));
        assert!(!groups.open("t1", "again", ws));
        assert_eq!(groups.all().len(), 1);
        assert_eq!(groups.all()[0].title, "Fix the parser");
        groups.count_accepted("t1", 2);
        assert_eq!(groups.close("t1"), Some(2));
        assert_eq!(groups.close("t1"), None);
        assert!(groups.get("t1").is_none());
    }
}
