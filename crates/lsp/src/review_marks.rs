//! What the editor was last shown of the review: the files that have
//! tandem diagnostics (to clear them once they leave every proposal) with
//! their hunk counts, and how many hunks of each file each proposal had
//! answered (the `k of n hunks` lens). A count is forgotten when its file
//! leaves that proposal, so a later run's lens does not count hunks of an
//! earlier one. One lock, held only inside these methods.

use super::groups::GroupId;
use std::collections::{BTreeMap, HashMap, HashSet};
use tandem_core::changes::FileReview;
use tandem_core::sync::Mutex;

#[derive(Default)]
struct Inner {
    published: BTreeMap<String, usize>,
    reviewed: HashMap<(GroupId, String), usize>,
}

#[derive(Default)]
pub struct ReviewMarks {
    inner: Mutex<Inner>,
}

impl ReviewMarks {
    /// Every proposal is shown as `reviews`: the files shown before that
    /// left them all (their diagnostics to clear), and the hunk count of
    /// every file now, summed over the proposals.
    pub fn publish_all(
        &self,
        reviews: &[(GroupId, FileReview)],
    ) -> (Vec<String>, BTreeMap<String, usize>) {
        let mut now: BTreeMap<String, usize> = BTreeMap::new();
        for (_, r) in reviews {
            *now.entry(r.path.clone()).or_default() += r.hunks.len();
        }
        let present: HashSet<(&GroupId, &str)> =
            reviews.iter().map(|(g, r)| (g, r.path.as_str())).collect();
        let mut inner = self.inner.lock();
        let gone = inner
            .published
            .keys()
            .filter(|p| !now.contains_key(*p))
            .cloned()
            .collect();
        inner.published = now.clone();
        inner
            .reviewed
            .retain(|(g, p), _| present.contains(&(g, p.as_str())));
        (gone, now)
    }

    /// File `rel` is shown with these reviews (none: it left every
    /// proposal); the hunk count of every file shown.
    pub fn publish_one(
        &self,
        rel: &str,
        reviews: &[(GroupId, FileReview)],
    ) -> BTreeMap<String, usize> {
        let mut inner = self.inner.lock();
        if reviews.is_empty() {
            inner.published.remove(rel);
        } else {
            let n = reviews.iter().map(|(_, r)| r.hunks.len()).sum();
            inner.published.insert(rel.to_string(), n);
        }
        inner
            .reviewed
            .retain(|(g, p), _| p != rel || reviews.iter().any(|(rg, _)| rg == g));
        inner.published.clone()
    }

    /// Whether `rel` has tandem diagnostics in the editor now.
    pub fn is_published(&self, rel: &str) -> bool {
        self.inner.lock().published.contains_key(rel)
    }

    /// `n` more hunks of `path` in `group` were accepted or rejected.
    pub fn count_reviewed(&self, group: &GroupId, path: &str, n: usize) {
        *self
            .inner
            .lock()
            .reviewed
            .entry((group.clone(), path.to_string()))
            .or_default() += n;
    }

    /// How many hunks of `path` in `group` were answered.
    pub fn reviewed(&self, group: &GroupId, path: &str) -> usize {
        let inner = self.inner.lock();
        inner
            .reviewed
            .get(&(group.clone(), path.to_string()))
            .copied()
            .unwrap_or(0)
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

    fn run(path: &str, hunks: usize) -> (GroupId, FileReview) {
        (GroupId::Run, review(path, hunks))
    }

    fn task(path: &str, hunks: usize) -> (GroupId, FileReview) {
        (GroupId::Task("t1".into()), review(path, hunks))
    }

    #[test]
    fn files_that_left_the_proposal_are_named_once() {
        let marks = ReviewMarks::default();
        let (gone, counts) = marks.publish_all(&[run("a.rs", 2), run("b.rs", 1)]);
        assert!(gone.is_empty());
        assert_eq!(counts.get("a.rs"), Some(&2));
        let (gone, counts) = marks.publish_all(&[run("b.rs", 1)]);
        assert_eq!(gone, vec!["a.rs".to_string()]);
        assert_eq!(counts.len(), 1);
        let (gone, _) = marks.publish_all(&[run("b.rs", 1)]);
        assert!(gone.is_empty());
    }

    #[test]
    fn a_file_in_two_proposals_counts_both_and_stays_until_both_leave() {
        let marks = ReviewMarks::default();
        let (_, counts) = marks.publish_all(&[run("a.rs", 2), task("a.rs", 1)]);
        assert_eq!(counts["a.rs"], 3);
        let (gone, counts) = marks.publish_all(&[task("a.rs", 1)]);
        assert!(gone.is_empty());
        assert_eq!(counts["a.rs"], 1);
    }

    #[test]
    fn one_file_redrawn_keeps_the_others_counts() {
        let marks = ReviewMarks::default();
        marks.publish_all(&[run("a.rs", 2), run("b.rs", 1)]);
        let counts = marks.publish_one("a.rs", &[run("a.rs", 3)]);
        assert_eq!((counts["a.rs"], counts["b.rs"]), (3, 1));
        let counts = marks.publish_one("b.rs", &[]);
        assert!(!counts.contains_key("b.rs") && !marks.is_published("b.rs"));
        assert!(marks.is_published("a.rs"));
    }

    #[test]
    fn answered_hunks_add_up_per_file_and_proposal() {
        let marks = ReviewMarks::default();
        let t1 = GroupId::Task("t1".into());
        assert_eq!(marks.reviewed(&GroupId::Run, "a.rs"), 0);
        marks.count_reviewed(&GroupId::Run, "a.rs", 1);
        marks.count_reviewed(&GroupId::Run, "a.rs", 2);
        marks.count_reviewed(&t1, "a.rs", 1);
        assert_eq!(marks.reviewed(&GroupId::Run, "a.rs"), 3);
        assert_eq!(marks.reviewed(&t1, "a.rs"), 1);
        assert_eq!(marks.reviewed(&GroupId::Run, "b.rs"), 0);
    }

    #[test]
    fn a_count_is_forgotten_once_its_file_leaves_that_proposal() {
        // An earlier run answered 4 hunks of a.rs and the file left the
        // proposal: a later run's one hunk reads "1 of 1", not "1 of 5".
        let marks = ReviewMarks::default();
        marks.publish_all(&[run("a.rs", 4)]);
        marks.count_reviewed(&GroupId::Run, "a.rs", 4);
        marks.publish_all(&[]);
        marks.publish_all(&[run("a.rs", 1)]);
        assert_eq!(marks.reviewed(&GroupId::Run, "a.rs"), 0);
        // Left through a one-file redraw too.
        marks.count_reviewed(&GroupId::Run, "a.rs", 1);
        marks.publish_one("a.rs", &[]);
        assert_eq!(marks.reviewed(&GroupId::Run, "a.rs"), 0);
    }
}
