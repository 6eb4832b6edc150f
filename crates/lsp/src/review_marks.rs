//! What the editor was last shown of the review: the files that have
//! tandem diagnostics (to clear them once they leave the proposal) with
//! their hunk counts, and how many hunks of each file were answered (the
//! `k of n hunks` lens). One lock, held only inside these methods.

use std::collections::{BTreeMap, HashMap};
use tandem_core::changes::FileReview;
use tandem_core::sync::Mutex;

#[derive(Default)]
struct Inner {
    published: BTreeMap<String, usize>,
    reviewed: HashMap<String, usize>,
}

#[derive(Default)]
pub struct ReviewMarks {
    inner: Mutex<Inner>,
}

impl ReviewMarks {
    /// The whole proposal is shown as `reviews`: the files shown before
    /// that left it (their diagnostics to clear), and the hunk count of
    /// every file now.
    pub fn publish_all(&self, reviews: &[FileReview]) -> (Vec<String>, BTreeMap<String, usize>) {
        let now: BTreeMap<String, usize> = reviews
            .iter()
            .map(|r| (r.path.clone(), r.hunks.len()))
            .collect();
        let mut inner = self.inner.lock();
        let gone = inner
            .published
            .keys()
            .filter(|p| !now.contains_key(*p))
            .cloned()
            .collect();
        inner.published = now.clone();
        (gone, now)
    }

    /// File `rel` is shown with `hunks` hunks (`None`: it left the
    /// proposal); the hunk count of every file shown.
    pub fn publish_one(&self, rel: &str, hunks: Option<usize>) -> BTreeMap<String, usize> {
        let mut inner = self.inner.lock();
        match hunks {
            Some(n) => inner.published.insert(rel.to_string(), n),
            None => inner.published.remove(rel),
        };
        inner.published.clone()
    }

    /// Whether `rel` has tandem diagnostics shown.
    pub fn is_published(&self, rel: &str) -> bool {
        self.inner.lock().published.contains_key(rel)
    }

    /// `n` more hunks of `path` were accepted or rejected.
    pub fn count_reviewed(&self, path: &str, n: usize) {
        *self
            .inner
            .lock()
            .reviewed
            .entry(path.to_string())
            .or_default() += n;
    }

    /// How many hunks of `path` were accepted or rejected.
    pub fn reviewed(&self, path: &str) -> usize {
        self.inner.lock().reviewed.get(path).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::changes::ChangeKind;

    fn review(path: &str, hunks: usize) -> FileReview {
        let hunk = |i: usize| tandem_core::changes::ReviewHunk {
            id: format!("h{i}"),
            hunk: tandem_core::changes::Hunk {
                old_start: i,
                old_len: 1,
                new_start: i,
                new_len: 1,
                old_text: "a\n".into(),
                new_text: "b\n".into(),
            },
            start: i,
            len: 1,
            state: tandem_core::changes::HunkState::Pending,
        };
        FileReview {
            path: path.into(),
            kind: ChangeKind::Modified,
            moved_from: None,
            hunks: (0..hunks).map(hunk).collect(),
            settled: Vec::new(),
            current: Some("a\n".into()),
            runs_code: false,
        }
    }

    #[test]
    fn files_that_left_the_proposal_are_named_once() {
        let marks = ReviewMarks::default();
        let (gone, counts) = marks.publish_all(&[review("a.rs", 2), review("b.rs", 1)]);
        assert!(gone.is_empty());
        assert_eq!(counts.get("a.rs"), Some(&2));
        let (gone, counts) = marks.publish_all(&[review("b.rs", 1)]);
        assert_eq!(gone, vec!["a.rs".to_string()]);
        assert_eq!(counts.len(), 1);
        let (gone, _) = marks.publish_all(&[review("b.rs", 1)]);
        assert!(gone.is_empty());
    }

    #[test]
    fn one_file_redrawn_keeps_the_others_counts() {
        let marks = ReviewMarks::default();
        marks.publish_all(&[review("a.rs", 2), review("b.rs", 1)]);
        let counts = marks.publish_one("a.rs", Some(3));
        assert_eq!((counts["a.rs"], counts["b.rs"]), (3, 1));
        let counts = marks.publish_one("b.rs", None);
        assert!(!counts.contains_key("b.rs") && !marks.is_published("b.rs"));
        assert!(marks.is_published("a.rs"));
    }

    #[test]
    fn answered_hunks_add_up_per_file() {
        let marks = ReviewMarks::default();
        assert_eq!(marks.reviewed("a.rs"), 0);
        marks.count_reviewed("a.rs", 1);
        marks.count_reviewed("a.rs", 2);
        assert_eq!((marks.reviewed("a.rs"), marks.reviewed("b.rs")), (3, 0));
    }
}
