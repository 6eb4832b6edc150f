//! The full proposed text of a file: the user's text with every pending
//! hunk accepted (`tandem/proposedContent`, and what a diff view shows).
//! A plain function of the file's review; the handler converts.

use tandem_core::changes::merge::{TextReview, merged_text};
use tandem_core::changes::{ChangeKind, FileReview, HunkState};

/// The text the file would have, `None` when it would not exist.
/// `current` gives the user's text now (`None`: there is no such file).
pub fn proposed_text(
    review: Option<&FileReview>,
    current: impl FnOnce() -> Option<String>,
) -> Option<String> {
    match review {
        None => current(),
        Some(r) if r.kind == ChangeKind::Modified => {
            let review = TextReview {
                hunks: r.hunks.clone(),
                settled: Vec::new(),
            };
            r.current.as_deref().map(|c| merged_text(c, &review))
        }
        Some(r) => match r.hunks.first() {
            Some(h) if h.state == HunkState::Pending && r.kind == ChangeKind::Deleted => None,
            Some(h) if h.state == HunkState::Pending => Some(h.hunk.new_text.clone()),
            _ => r.current.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::changes::{Hunk, ReviewHunk};

    fn review(kind: ChangeKind, current: Option<&str>, hunk: ReviewHunk) -> FileReview {
        FileReview {
            path: "a.txt".into(),
            kind,
            moved_from: None,
            hunks: vec![hunk],
            settled: Vec::new(),
            current: current.map(str::to_string),
            runs_code: false,
        }
    }

    fn hunk(start: usize, old: &str, new: &str, state: HunkState) -> ReviewHunk {
        ReviewHunk {
            id: "h".into(),
            hunk: Hunk {
                old_start: start,
                old_len: old.lines().count(),
                new_start: start,
                new_len: new.lines().count(),
                old_text: old.into(),
                new_text: new.into(),
            },
            start,
            len: old.lines().count(),
            state,
        }
    }

    #[test]
    fn a_file_outside_the_proposal_is_the_users_text() {
        assert_eq!(
            proposed_text(None, || Some("mine\n".into())).as_deref(),
            Some("mine\n")
        );
        assert_eq!(proposed_text(None, || None), None);
    }

    #[test]
    fn pending_hunks_are_applied_to_the_users_text() {
        let r = review(
            ChangeKind::Modified,
            Some("a\nb\nc\n"),
            hunk(1, "b\n", "B\n", HunkState::Pending),
        );
        assert_eq!(
            proposed_text(Some(&r), || None).as_deref(),
            Some("a\nB\nc\n")
        );
        let conflicted = review(
            ChangeKind::Modified,
            Some("a\nx\nc\n"),
            hunk(1, "b\n", "B\n", HunkState::Conflicted),
        );
        assert_eq!(
            proposed_text(Some(&conflicted), || None).as_deref(),
            Some("a\nx\nc\n")
        );
    }

    #[test]
    fn added_and_deleted_files() {
        let added = review(
            ChangeKind::Added,
            None,
            hunk(0, "", "new\n", HunkState::Pending),
        );
        assert_eq!(
            proposed_text(Some(&added), || None).as_deref(),
            Some("new\n")
        );
        let deleted = review(
            ChangeKind::Deleted,
            Some("old\n"),
            hunk(0, "old\n", "", HunkState::Pending),
        );
        assert_eq!(proposed_text(Some(&deleted), || Some("old\n".into())), None);
        let kept = review(
            ChangeKind::Deleted,
            Some("edited\n"),
            hunk(0, "old\n", "", HunkState::Conflicted),
        );
        assert_eq!(
            proposed_text(Some(&kept), || None).as_deref(),
            Some("edited\n")
        );
    }
}
