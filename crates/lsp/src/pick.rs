//! Which hunks an answer to the review covers: one hunk, a file, or all
//! of the proposal ("Accept all" leaves out files that run code on the
//! user's machine: those are accepted by name). Plain values in and out;
//! `answers.rs` sends the edit and tells the user.

use tandem_core::changes::{FileReview, HunkState, ReviewHunk};

/// Which hunks an answer is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// The hunk with this id in this file.
    Hunk(String, String),
    File(String),
    All,
}

/// The hunks `pick` names, by file (files with none left out).
pub fn chosen<'a>(
    reviews: &'a [FileReview],
    pick: &Pick,
) -> Vec<(&'a FileReview, Vec<&'a ReviewHunk>)> {
    reviews
        .iter()
        .filter_map(|r| {
            let hunks: Vec<&ReviewHunk> = match pick {
                Pick::Hunk(path, id) if *path == r.path => {
                    r.hunks.iter().filter(|h| h.id == *id).collect()
                }
                Pick::File(path) if *path == r.path => r.hunks.iter().collect(),
                // Never a file that runs code on the user's machine: that
                // one is accepted by name (its file or hunk).
                Pick::All if r.runs_code => return None,
                Pick::All => r.hunks.iter().collect(),
                _ => return None,
            };
            Some((r, hunks)).filter(|(_, h)| !h.is_empty())
        })
        .collect()
}

/// What accepting `pick` does.
pub struct AcceptPlan<'a> {
    /// The pending hunks to accept, by file.
    pub pending: Vec<(&'a FileReview, Vec<&'a ReviewHunk>)>,
    /// Picked hunks skipped because they conflict with the user's edits.
    pub conflicted: usize,
    /// Files "Accept all" left out because they run code, with pending hunks.
    pub left_out: Vec<&'a str>,
}

impl<'a> AcceptPlan<'a> {
    pub fn of(reviews: &'a [FileReview], pick: &Pick) -> Self {
        let picked = chosen(reviews, pick);
        let pending = picked
            .iter()
            .map(|(r, hs)| {
                let pending: Vec<&ReviewHunk> = hs
                    .iter()
                    .copied()
                    .filter(|h| h.state == HunkState::Pending)
                    .collect();
                (*r, pending)
            })
            .filter(|(_, hs)| !hs.is_empty())
            .collect();
        let conflicted = picked
            .iter()
            .map(|(_, hs)| {
                hs.iter()
                    .filter(|h| h.state == HunkState::Conflicted)
                    .count()
            })
            .sum();
        let left_out = match pick {
            Pick::All => reviews
                .iter()
                .filter(|r| r.runs_code && r.pending().next().is_some())
                .map(|r| r.path.as_str())
                .collect(),
            _ => Vec::new(),
        };
        AcceptPlan {
            pending,
            conflicted,
            left_out,
        }
    }

    /// Why nothing is accepted, when nothing is.
    pub fn nothing_because(&self) -> Option<&'static str> {
        if !self.pending.is_empty() {
            None
        } else if self.conflicted > 0 {
            Some("it conflicts with your edits: re-run or reject it")
        } else if !self.left_out.is_empty() {
            Some("the files left run code on your machine: accept each one by itself")
        } else {
            Some("there is no such pending change")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::changes::{ChangeKind, Hunk};

    fn hunk(id: &str, state: HunkState) -> ReviewHunk {
        ReviewHunk {
            id: id.into(),
            hunk: Hunk {
                old_start: 0,
                old_len: 1,
                new_start: 0,
                new_len: 1,
                old_text: "old\n".into(),
                new_text: "new\n".into(),
            },
            start: 0,
            len: 1,
            state,
        }
    }

    fn file(path: &str, runs_code: bool, hunks: Vec<ReviewHunk>) -> FileReview {
        FileReview {
            path: path.into(),
            kind: ChangeKind::Modified,
            moved_from: None,
            hunks,
            settled: Vec::new(),
            current: Some("old\n".into()),
            runs_code,
        }
    }

    fn reviews() -> Vec<FileReview> {
        vec![
            file(
                "src/a.rs",
                false,
                vec![
                    hunk("a1", HunkState::Pending),
                    hunk("a2", HunkState::Conflicted),
                ],
            ),
            file("build.rs", true, vec![hunk("b1", HunkState::Pending)]),
        ]
    }

    fn accepted(plan: &AcceptPlan) -> Vec<(String, Vec<String>)> {
        plan.pending
            .iter()
            .map(|(r, hs)| (r.path.clone(), hs.iter().map(|h| h.id.clone()).collect()))
            .collect()
    }

    #[test]
    fn accept_all_leaves_out_files_that_run_code_and_names_them() {
        let reviews = reviews();
        let plan = AcceptPlan::of(&reviews, &Pick::All);
        assert_eq!(
            accepted(&plan),
            vec![("src/a.rs".into(), vec!["a1".into()])]
        );
        assert_eq!(plan.conflicted, 1);
        assert_eq!(plan.left_out, vec!["build.rs"]);
        assert_eq!(plan.nothing_because(), None);
    }

    #[test]
    fn a_file_that_runs_code_is_accepted_by_name() {
        let reviews = reviews();
        let plan = AcceptPlan::of(&reviews, &Pick::File("build.rs".into()));
        assert_eq!(
            accepted(&plan),
            vec![("build.rs".into(), vec!["b1".into()])]
        );
        assert!(plan.left_out.is_empty());
        let hunk = AcceptPlan::of(&reviews, &Pick::Hunk("build.rs".into(), "b1".into()));
        assert_eq!(accepted(&hunk).len(), 1);
    }

    #[test]
    fn a_conflicted_hunk_is_not_accepted_and_says_why() {
        let reviews = reviews();
        let plan = AcceptPlan::of(&reviews, &Pick::Hunk("src/a.rs".into(), "a2".into()));
        assert!(plan.pending.is_empty());
        assert_eq!(plan.conflicted, 1);
        assert_eq!(
            plan.nothing_because(),
            Some("it conflicts with your edits: re-run or reject it")
        );
    }

    #[test]
    fn nothing_pending_outside_code_files_says_so() {
        let reviews = vec![file("build.rs", true, vec![hunk("b1", HunkState::Pending)])];
        let plan = AcceptPlan::of(&reviews, &Pick::All);
        assert_eq!(
            plan.nothing_because(),
            Some("the files left run code on your machine: accept each one by itself")
        );
        let none = AcceptPlan::of(&reviews, &Pick::Hunk("build.rs".into(), "zz".into()));
        assert_eq!(
            none.nothing_because(),
            Some("there is no such pending change")
        );
    }

    #[test]
    fn reject_all_takes_every_hunk_but_those_of_code_files() {
        let reviews = reviews();
        let picked = chosen(&reviews, &Pick::All);
        assert_eq!(picked.len(), 1);
        assert_eq!(picked[0].1.len(), 2);
        assert!(chosen(&reviews, &Pick::File("nope.rs".into())).is_empty());
    }
}
