//! Reviewing a proposal file by file against the text the user has now, and
//! the two answers to a hunk: accept (fold it into the baseline, because the
//! user's text now has it) and reject (take it out of the proposal).

use super::merge::{HunkState, ReviewHunk, apply_hunks, lines, review_text};
use super::protected::runs_code;
use super::{ChangeKind, ChangeSet, FileChange, Hunk, RelPath, hunks};

/// One file of the proposal as the user would review it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReview {
    pub path: RelPath,
    pub kind: ChangeKind,
    pub moved_from: Option<RelPath>,
    /// Pending and conflicted hunks. Added, deleted and moved files are one
    /// whole-file hunk.
    pub hunks: Vec<ReviewHunk>,
    /// Hunks the user's text already has; `ChangeSet::accept` them.
    pub settled: Vec<Hunk>,
    /// The user's text now (`None`: the file does not exist).
    pub current: Option<String>,
    /// Accepting it can make code run on the user's machine (see
    /// `protected::runs_code`): faces mark it and "accept all" leaves it out.
    pub runs_code: bool,
}

impl FileReview {
    pub fn pending(&self) -> impl Iterator<Item = &ReviewHunk> {
        self.hunks.iter().filter(|h| h.state == HunkState::Pending)
    }

    pub fn hunk(&self, id: &str) -> Option<&ReviewHunk> {
        self.hunks.iter().find(|h| h.id == id)
    }

    /// Whether hunks are whole-file operations (create, delete, move).
    pub fn is_whole_file(&self) -> bool {
        self.kind != ChangeKind::Modified
    }
}

/// Review every file of `changes`; `current` gives the user's text of a path.
pub fn review(changes: &ChangeSet, current: impl Fn(&str) -> Option<String>) -> Vec<FileReview> {
    changes
        .files()
        .filter_map(|(path, _)| Some(review_file(path, reviewable(changes, path)?, current(path))))
        .filter(|r| !r.hunks.is_empty() || !r.settled.is_empty())
        .collect()
}

/// The change to review for `path`: none when the file is not in the
/// proposal, or is the source of a move (reviewed with the move).
pub fn reviewable<'a>(changes: &'a ChangeSet, path: &str) -> Option<&'a FileChange> {
    let moved_away = changes
        .files()
        .any(|(_, c)| c.moved_from.as_deref() == Some(path));
    changes.get(path).filter(|_| !moved_away)
}

pub fn review_file(path: &str, change: &FileChange, current: Option<String>) -> FileReview {
    let kind = change.kind();
    let mut out = FileReview {
        path: path.to_string(),
        kind,
        moved_from: change.moved_from.clone(),
        hunks: Vec::new(),
        settled: Vec::new(),
        current,
        runs_code: runs_code(path) || change.moved_from.as_deref().is_some_and(runs_code),
    };
    let now = out.current.as_deref();
    match (kind, change.baseline.as_deref(), change.proposed.as_deref()) {
        (ChangeKind::Modified, Some(base), Some(proposed)) => match now {
            Some(now) => {
                let r = review_text(base, proposed, now);
                out.hunks = r.hunks;
                out.settled = r.settled;
            }
            // The user deleted the file the agent edits.
            None => out.hunks = whole_file(base, proposed, None, HunkState::Conflicted),
        },
        (_, base, proposed) => {
            // Added, deleted or moved: the file as a whole. What the user has
            // must be what the agent started from (nothing, for a new file).
            let target = proposed.unwrap_or_default();
            let already = match proposed {
                Some(p) => now == Some(p),
                None => now.is_none(),
            };
            // An empty buffer of a file that does not exist yet is the user
            // looking at the proposed file (an editor opens one for a path
            // with nothing on disk), not an edit of theirs.
            // (Neovim sends such a buffer as "\n": its 'eol' is on.)
            let blank = now.is_some_and(|t| t.trim().is_empty());
            let empty_view = blank && (base.is_none() || kind == ChangeKind::Moved);
            let expected = empty_view
                || if kind == ChangeKind::Moved {
                    now.is_none()
                } else {
                    now == base
                };
            if already {
                out.settled = hunks(base.unwrap_or(""), target);
            } else {
                let state = if expected {
                    HunkState::Pending
                } else {
                    HunkState::Conflicted
                };
                out.hunks = whole_file(base.unwrap_or(""), target, now, state);
            }
        }
    }
    out
}

fn whole_file(base: &str, proposed: &str, now: Option<&str>, state: HunkState) -> Vec<ReviewHunk> {
    let len = lines(now.unwrap_or(base)).len();
    let hunk = Hunk {
        old_start: 0,
        old_len: lines(base).len(),
        new_start: 0,
        new_len: lines(proposed).len(),
        old_text: base.to_string(),
        new_text: proposed.to_string(),
    };
    vec![ReviewHunk {
        id: "file".to_string(),
        hunk,
        start: 0,
        len: if now.is_some() { len } else { 0 },
        state,
    }]
}

impl ChangeSet {
    /// The user's text now has `chosen` (hunks of `path`'s review): fold them
    /// into the baseline so they leave the review. A whole-file change is
    /// accepted as a whole.
    pub fn accept(&mut self, path: &str, chosen: &[&Hunk]) {
        let Some(change) = self.files.get_mut(path) else {
            return;
        };
        match (&change.baseline, &change.proposed, &change.moved_from) {
            (Some(base), Some(_), None) => change.baseline = Some(apply_hunks(base, chosen)),
            _ => {
                change.baseline = change.proposed.clone();
                if let Some(from) = change.moved_from.take() {
                    self.files.remove(&from);
                }
            }
        }
        self.settle(path);
    }

    /// Take `chosen` out of the proposal for `path`.
    pub fn reject(&mut self, path: &str, chosen: &[&Hunk]) {
        let Some(change) = self.files.get_mut(path) else {
            return;
        };
        match (&change.baseline, &change.proposed, &change.moved_from) {
            (Some(base), Some(proposed), None) => {
                let all = hunks(base, proposed);
                let keep: Vec<&Hunk> = all.iter().filter(|h| !chosen.contains(h)).collect();
                change.proposed = Some(apply_hunks(base, &keep));
            }
            _ => {
                if let Some(from) = change.moved_from.clone() {
                    self.files.remove(&from);
                }
                self.files.remove(path);
            }
        }
        self.settle(path);
    }

    /// Forget a file whose proposal now equals its baseline, so the agent
    /// reads the user's text again rather than a stale copy.
    fn settle(&mut self, path: &str) {
        if self.files.get(path).is_some_and(FileChange::is_noop) {
            self.files.remove(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(path: &str, base: Option<&str>, proposed: Option<&str>) -> ChangeSet {
        let mut cs = ChangeSet::new();
        cs.propose(path, base.map(Into::into), proposed.map(Into::into));
        cs
    }

    #[test]
    fn new_file_is_one_pending_hunk_until_created() {
        let cs = set("n.txt", None, Some("hi\n"));
        let r = review(&cs, |_| None);
        assert_eq!(r[0].kind, ChangeKind::Added);
        assert_eq!(r[0].hunks[0].state, HunkState::Pending);
        let r = review(&cs, |_| Some("hi\n".into()));
        assert!(r[0].hunks.is_empty() && !r[0].settled.is_empty());
        let r = review(&cs, |_| Some("other\n".into()));
        assert_eq!(r[0].hunks[0].state, HunkState::Conflicted);
    }

    #[test]
    fn an_empty_buffer_of_a_proposed_new_file_is_not_an_edit() {
        // Neovim opens `:edit n.txt` of a path with nothing on disk as an
        // empty buffer: the hunk stays pending, and can be accepted.
        let cs = set("n.txt", None, Some("hi\n"));
        let r = review(&cs, |_| Some(String::new()));
        assert_eq!(r[0].hunks[0].state, HunkState::Pending);
        assert_eq!(r[0].hunks[0].len, 0);
        // Neovim's empty buffer is one newline.
        let r = review(&cs, |_| Some("\n".into()));
        assert_eq!(r[0].hunks[0].state, HunkState::Pending);
        // A file the agent edits that the user emptied is an edit.
        let cs = set("a.txt", Some("a\n"), Some("b\n"));
        let r = review(&cs, |_| Some(String::new()));
        assert_eq!(r[0].hunks[0].state, HunkState::Conflicted);
    }

    #[test]
    fn accepting_every_hunk_forgets_the_file() {
        let mut cs = set("a.txt", Some("a\nb\nc\n"), Some("A\nb\nC\n"));
        let r = review(&cs, |_| Some("a\nb\nc\n".into()));
        let first = r[0].hunks[0].hunk.clone();
        cs.accept("a.txt", &[&first]);
        assert_eq!(
            cs.get("a.txt").unwrap().baseline.as_deref(),
            Some("A\nb\nc\n")
        );
        let r = review(&cs, |_| Some("A\nb\nc\n".into()));
        assert_eq!(r[0].hunks.len(), 1, "only the second hunk is left");
        let second = r[0].hunks[0].hunk.clone();
        cs.accept("a.txt", &[&second]);
        assert_eq!(cs.proposed("a.txt"), None);
    }

    #[test]
    fn rejecting_a_hunk_keeps_the_others() {
        let mut cs = set("a.txt", Some("a\nb\nc\n"), Some("A\nb\nC\n"));
        let r = review(&cs, |_| Some("a\nb\nc\n".into()));
        let first = r[0].hunks[0].hunk.clone();
        cs.reject("a.txt", &[&first]);
        assert_eq!(cs.proposed("a.txt"), Some(Some("a\nb\nC\n")));
    }

    #[test]
    fn a_move_is_reviewed_once_at_its_destination() {
        let mut cs = ChangeSet::new();
        cs.propose_move("a.txt", Some("x\n".into()), "b.txt", None, "x\n".into());
        let r = review(&cs, |p| (p == "a.txt").then(|| "x\n".to_string()));
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].path.as_str(), r[0].kind),
            ("b.txt", ChangeKind::Moved)
        );
        let h = r[0].hunks[0].hunk.clone();
        cs.accept("b.txt", &[&h]);
        assert!(cs.is_empty() && cs.proposed("a.txt").is_none());
    }
}
