//! Where tasks live: the platform state directory (`~/.local/state/tandem/
//! tasks/<workspace>/<id>/`), outside the work tree. Each task has
//! `meta.json` (rewritten atomically), `transcript.jsonl` (append only) and
//! `result.json` (the proposal, citations and command log, rewritten
//! atomically at every checkpoint).

use super::meta::{TaskMeta, TaskState, now};
use super::owner;
use crate::changes::{ChangeSet, Citations};
use crate::state_files::lock::lock;
use crate::state_files::write_atomic;
use crate::tools::{CommandRecord, SourceUse};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};

/// What a task produced so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub changes: ChangeSet,
    pub citations: Citations,
    pub commands: Vec<CommandRecord>,
    /// Skills and MCP tools whose content the agent used.
    #[serde(default)]
    pub sources: Vec<SourceUse>,
}

#[derive(Clone)]
pub struct Store {
    dir: PathBuf,
    root: PathBuf,
}

impl Store {
    /// The task store of the workspace at `root`.
    pub fn open(root: &Path) -> io::Result<Store> {
        let root = root.canonicalize()?;
        let base = dirs::state_dir()
            .or_else(dirs::data_local_dir)
            .ok_or_else(|| io::Error::other("no state directory (is HOME set?)"))?;
        // The same folder name memory uses for this workspace.
        let key = crate::memory::project_key(&root);
        let dir = base.join("tandem").join("tasks").join(key);
        std::fs::create_dir_all(&dir)?;
        Ok(Store { dir, root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Slot locks of the concurrency limit live here.
    pub fn slots_dir(&self) -> PathBuf {
        self.dir.join("slots")
    }

    /// The workspace's set-up layers (`tandem_sandbox::layers`).
    pub fn layers_dir(&self) -> PathBuf {
        self.dir.join("layers")
    }

    pub fn task_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    pub fn transcript_path(&self, id: &str) -> PathBuf {
        self.task_dir(id).join("transcript.jsonl")
    }

    /// A new queued task.
    pub fn create(
        &self,
        prompt: &str,
        settings: &str,
        group: Option<(&str, u32)>,
    ) -> io::Result<TaskMeta> {
        let id = new_id();
        std::fs::create_dir_all(self.task_dir(&id))?;
        let t = now();
        let meta = TaskMeta {
            id: id.clone(),
            prompt: prompt.to_string(),
            state: TaskState::Queued,
            created: t,
            updated: t,
            root: self.root.clone(),
            settings: settings.to_string(),
            group: group.map(|(g, _)| g.to_string()),
            attempt: group.map(|(_, n)| n),
            owner: Some(owner::me()),
            follow_ups: Vec::new(),
            error: None,
            summary: String::new(),
            turns: 0,
            usage: Default::default(),
            cost_usd: None,
            files: Vec::new(),
            branch: None,
            setup: None,
        };
        write_atomic(&self.task_dir(&id).join("meta.json"), &meta)?;
        Ok(meta)
    }

    /// Take in a task made elsewhere under its own id (a fleet worker's
    /// copy of a remote task), owned by this process.
    pub fn insert(&self, meta: &TaskMeta) -> io::Result<TaskMeta> {
        let mut meta = meta.clone();
        meta.root = self.root.clone();
        meta.owner = Some(owner::me());
        std::fs::create_dir_all(self.task_dir(&meta.id))?;
        write_atomic(&self.task_dir(&meta.id).join("meta.json"), &meta)?;
        Ok(meta)
    }

    /// `attempts` tasks of one prompt (best-of-N shares a group when
    /// there are several).
    pub fn create_attempts(
        &self,
        prompt: &str,
        settings: &str,
        attempts: u32,
    ) -> io::Result<Vec<TaskMeta>> {
        let group = (attempts > 1).then(|| format!("g{}", new_id()));
        (1..=attempts.max(1))
            .map(|n| self.create(prompt, settings, group.as_deref().map(|g| (g, n))))
            .collect()
    }

    /// A task's metadata, with its true state: a live task whose owner died
    /// is marked interrupted (and saved so).
    pub fn load(&self, id: &str) -> io::Result<TaskMeta> {
        let meta = self.read_meta(id)?;
        if meta.state.is_live() && !meta.owner.as_ref().is_some_and(owner::is_alive) {
            return self.update(id, |m| {
                if m.state.is_live() && !m.owner.as_ref().is_some_and(owner::is_alive) {
                    m.state = TaskState::Interrupted;
                }
            });
        }
        Ok(meta)
    }

    fn read_meta(&self, id: &str) -> io::Result<TaskMeta> {
        let path = self.task_dir(id).join("meta.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("no task {id}: {e}")))?;
        serde_json::from_str(&text)
            .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))
    }

    /// Read, change and write a task's metadata under its lock.
    pub fn update(&self, id: &str, change: impl FnOnce(&mut TaskMeta)) -> io::Result<TaskMeta> {
        let _lock = lock(&self.task_dir(id).join("meta.lock"))?;
        let mut meta = self.read_meta(id)?;
        change(&mut meta);
        meta.updated = now();
        write_atomic(&self.task_dir(id).join("meta.json"), &meta)?;
        Ok(meta)
    }

    /// Every task, oldest first. Unreadable entries are skipped.
    pub fn list(&self) -> Vec<TaskMeta> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut tasks: Vec<TaskMeta> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().join("meta.json").is_file())
            .filter_map(|e| self.load(&e.file_name().to_string_lossy()).ok())
            .collect();
        tasks.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        tasks
    }

    /// The task whose id starts or ends with `prefix` (ids are long;
    /// people type a few characters; the last 8 are random, shown as the
    /// short id).
    pub fn find(&self, prefix: &str) -> Result<TaskMeta, String> {
        if prefix.is_empty() {
            return Err("give a task id".into());
        }
        let matches: Vec<TaskMeta> = self
            .list()
            .into_iter()
            .filter(|t| t.id.starts_with(prefix) || t.id.ends_with(prefix))
            .collect();
        match matches.len() {
            1 => Ok(matches.into_iter().next().unwrap()),
            0 => Err(format!("no task `{prefix}` in {}", self.root.display())),
            n => Err(format!("`{prefix}` matches {n} tasks; give more of the id")),
        }
    }

    pub fn result(&self, id: &str) -> io::Result<TaskResult> {
        let path = self.task_dir(id).join("result.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| io::Error::other(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(TaskResult::default()),
            Err(e) => Err(e),
        }
    }

    pub fn save_result(&self, id: &str, result: &TaskResult) -> io::Result<()> {
        write_atomic(&self.task_dir(id).join("result.json"), result)
    }
}

/// Ids sort by creation time and are unique without coordination.
fn new_id() -> String {
    use rand::Rng;
    let r: u32 = rand::rng().random();
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    format!("{:011x}{r:08x}", ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        let store = Store {
            dir: d.path().join("state"),
            root,
        };
        std::fs::create_dir_all(&store.dir).unwrap();
        (d, store)
    }

    #[test]
    fn a_task_whose_owner_died_reads_as_interrupted() {
        let (_d, store) = store();
        let t = store.create("do it", "", None).unwrap();
        assert_eq!(store.load(&t.id).unwrap().state, TaskState::Queued);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        store
            .update(&t.id, |m| {
                m.state = TaskState::Running;
                m.owner = Some(super::super::meta::Owner { pid, start: 1 });
            })
            .unwrap();
        assert_eq!(store.load(&t.id).unwrap().state, TaskState::Interrupted);
        assert_eq!(store.list()[0].state, TaskState::Interrupted);
    }

    #[test]
    fn ids_are_found_by_prefix_and_listed_in_order() {
        let (_d, store) = store();
        let a = store.create("a", "", None).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(3));
        let b = store.create("b", "", Some(("g", 2))).unwrap();
        let ids: Vec<String> = store.list().into_iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![a.id.clone(), b.id.clone()]);
        assert_eq!(
            store.find(&b.id[..b.id.len() - 2]).unwrap().attempt,
            Some(2)
        );
        assert!(store.find("zzz").unwrap_err().contains("no task"));
    }
}
