//! The proposal: what the agent wants to change, never yet written to the
//! user's files. Per file the baseline the agent first saw and the text it
//! proposes now; hunks are derived from the two on demand so they can never
//! drift from the texts. Citations record every line range the agent read.
//!
//! Also here, because they know the proposal and nothing of the agent:
//! `workspace` (the agent's view of files: proposal, open buffers, disk)
//! and `apply` (writing a proposal to the user's files, on request only).

mod citations;
mod diff;
pub mod merge;
pub mod protected;
mod review;

pub mod apply;
pub mod workspace;

pub use citations::{Citation, Citations};
pub use diff::{Hunk, hunks, unified_diff};
pub use merge::{HunkState, ReviewHunk};
pub use review::{FileReview, review, review_file, reviewable};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Workspace-relative path with `/` separators, e.g. `src/lib.rs`.
pub type RelPath = String;

/// One file's change. `None` baseline means the file did not exist; `None`
/// proposed means the agent deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    pub baseline: Option<String>,
    pub proposed: Option<String>,
    /// Set when the file was moved here from another path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<RelPath>,
}

impl FileChange {
    pub fn is_noop(&self) -> bool {
        self.baseline == self.proposed && self.moved_from.is_none()
    }

    pub fn kind(&self) -> ChangeKind {
        match (&self.baseline, &self.proposed) {
            (_, Some(_)) if self.moved_from.is_some() => ChangeKind::Moved,
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Deleted,
            _ => ChangeKind::Modified,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
    Moved,
}

/// All of a run's proposed changes, keyed by path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSet {
    files: BTreeMap<RelPath, FileChange>,
}

impl ChangeSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// The proposed state of `path` if the changeset has an opinion on it:
    /// `Some(Some(text))` proposed text, `Some(None)` deleted, `None` untouched.
    pub fn proposed(&self, path: &str) -> Option<Option<&str>> {
        if protected::is_git_internal(path) {
            return None;
        }
        self.files.get(path).map(|c| c.proposed.as_deref())
    }

    /// Record new proposed text. `baseline` is what the file holds outside the
    /// proposal (None if absent); it is kept only from the first touch.
    /// Nothing inside `.git` is ever recorded, whoever asks (the workspace
    /// refuses such writes with an error first; this is the last guard).
    pub fn propose(&mut self, path: &str, baseline: Option<String>, proposed: Option<String>) {
        if protected::is_git_internal(path) {
            return;
        }
        let entry = self.files.entry(path.to_string()).or_insert(FileChange {
            baseline,
            proposed: None,
            moved_from: None,
        });
        entry.proposed = proposed;
    }

    /// Move `from` to `to` with `text` as the new content.
    pub fn propose_move(
        &mut self,
        from: &str,
        from_baseline: Option<String>,
        to: &str,
        to_baseline: Option<String>,
        text: String,
    ) {
        if protected::is_git_internal(from) || protected::is_git_internal(to) {
            return;
        }
        // A file added in this run and moved again is just added elsewhere.
        let origin = match self.files.get(from) {
            Some(c) if c.baseline.is_none() => None,
            Some(c) => Some(c.moved_from.clone().unwrap_or_else(|| from.to_string())),
            None => Some(from.to_string()),
        };
        self.propose(from, from_baseline, None);
        self.propose(to, to_baseline, Some(text));
        if let Some(c) = self.files.get_mut(to) {
            c.moved_from = origin.filter(|o| o != to);
        }
    }

    /// Changed files, without entries whose proposal equals their baseline.
    /// A `.git` path read from an older saved proposal never shows.
    pub fn files(&self) -> impl Iterator<Item = (&RelPath, &FileChange)> {
        self.files
            .iter()
            .filter(|(p, c)| !c.is_noop() && !protected::is_git_internal(p))
    }

    /// Put a whole file change in (a background task's result joining the
    /// review), replacing any change of that path.
    pub fn insert(&mut self, path: &str, change: FileChange) {
        if protected::is_git_internal(path) {
            return;
        }
        self.files.insert(path.to_string(), change);
    }

    pub fn get(&self, path: &str) -> Option<&FileChange> {
        self.files
            .get(path)
            .filter(|c| !c.is_noop() && !protected::is_git_internal(path))
    }

    pub fn is_empty(&self) -> bool {
        self.files().next().is_none()
    }

    /// Paths the proposal creates that do not exist outside it.
    pub fn added_paths(&self) -> impl Iterator<Item = &RelPath> {
        self.files()
            .filter(|(_, c)| c.baseline.is_none() && c.proposed.is_some())
            .map(|(p, _)| p)
    }

    /// The whole proposal as one unified diff, `a/` and `b/` prefixed like git.
    pub fn unified_diff(&self) -> String {
        let mut out = String::new();
        for (path, change) in self.files() {
            out.push_str(&unified_diff(path, change));
        }
        out
    }

    /// Drop a path from the proposal (reject).
    pub fn discard(&mut self, path: &str) -> Option<FileChange> {
        self.files.remove(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_touch_keeps_baseline() {
        let mut cs = ChangeSet::new();
        cs.propose("a.txt", Some("one\n".into()), Some("two\n".into()));
        cs.propose("a.txt", Some("two\n".into()), Some("three\n".into()));
        let c = cs.get("a.txt").unwrap();
        assert_eq!(c.baseline.as_deref(), Some("one\n"));
        assert_eq!(c.proposed.as_deref(), Some("three\n"));
    }

    #[test]
    fn reverting_to_baseline_hides_the_file() {
        let mut cs = ChangeSet::new();
        cs.propose("a.txt", Some("one\n".into()), Some("two\n".into()));
        cs.propose("a.txt", None, Some("one\n".into()));
        assert!(cs.is_empty());
        assert_eq!(cs.unified_diff(), "");
    }

    #[test]
    fn added_then_moved_is_added_at_the_new_path() {
        let mut cs = ChangeSet::new();
        cs.propose("new.txt", None, Some("x\n".into()));
        cs.propose_move("new.txt", None, "moved.txt", None, "x\n".into());
        assert!(cs.get("new.txt").is_none());
        let c = cs.get("moved.txt").unwrap();
        assert_eq!(c.kind(), ChangeKind::Added);
        assert_eq!(c.moved_from, None);
    }

    #[test]
    fn nothing_inside_git_enters_the_proposal() {
        let mut cs = ChangeSet::new();
        cs.propose(".git/config", Some("a\n".into()), Some("b\n".into()));
        cs.insert(
            "sub/.git/hooks/pre-commit",
            FileChange {
                baseline: None,
                proposed: Some("x".into()),
                moved_from: None,
            },
        );
        cs.propose_move(
            "a.txt",
            Some("x\n".into()),
            ".git/a.txt",
            None,
            "x\n".into(),
        );
        assert!(cs.get(".git/config").is_none());
        assert!(cs.get(".git/a.txt").is_none());
        assert!(cs.is_empty(), "{cs:?}");
        let saved: ChangeSet =
            serde_json::from_str(r#"{"files":{".git/config":{"baseline":null,"proposed":"x"}}}"#)
                .unwrap();
        assert!(saved.is_empty());
        assert_eq!(saved.proposed(".git/config"), None);
    }

    #[test]
    fn move_of_existing_file_records_origin() {
        let mut cs = ChangeSet::new();
        cs.propose_move("a.txt", Some("x\n".into()), "b.txt", None, "x\n".into());
        assert_eq!(cs.get("a.txt").unwrap().kind(), ChangeKind::Deleted);
        let b = cs.get("b.txt").unwrap();
        assert_eq!(b.moved_from.as_deref(), Some("a.txt"));
    }
}
