//! A task's result as a git branch, the same from every face (`tandem task
//! branch`, the editor's "Create a branch"): one commit on top of HEAD made
//! from a private index, the user's files, index and checkout untouched; the
//! task records its branch.

use super::git::{self, CommitRequest};
use super::{Store, TaskMeta};

/// A task id as the user sees it: its last 8 characters, the random part
/// (the first ones are a timestamp, the same for tasks started together).
pub fn short_id(id: &str) -> &str {
    &id[id.len().saturating_sub(8)..]
}

/// What branching made.
pub struct Branched {
    pub name: String,
    pub commit: String,
    pub meta: TaskMeta,
}

/// Branch task `meta` as `name` (default `tandem/<short id>`), its commit by
/// `author` (default: git's own configuration).
pub fn branch(
    store: &Store,
    meta: &TaskMeta,
    name: Option<String>,
    author: Option<&str>,
) -> Result<Branched, String> {
    let name = name.unwrap_or_else(|| format!("tandem/{}", short_id(&meta.id)));
    let result = store.result(&meta.id).map_err(|e| e.to_string())?;
    let message = git::message(&meta.summary, &meta.prompt);
    let commit = git::branch(
        &CommitRequest {
            root: store.root(),
            changes: &result.changes,
            message: &message,
            author,
        },
        &name,
    )?;
    let meta = store
        .update(&meta.id, |m| m.branch = Some(name.clone()))
        .map_err(|e| e.to_string())?;
    Ok(Branched { name, commit, meta })
}
