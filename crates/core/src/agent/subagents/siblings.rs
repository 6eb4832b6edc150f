//! Conflicts between writer sub-agents started in the same parent turn.
//!
//! Writers run one after another on the shared proposal, so each sees the
//! edits of those before it and nothing is overwritten unseen by the tools.
//! A conflict is a later writer changing lines an earlier sibling changed
//! (replaced, inserted or deleted at) in the same turn: line regions, not
//! whole files, so two writers working on different functions of one file
//! do not conflict. Nothing is undone: both edits stay in the proposal as
//! they are, the later writer's result says where they meet, and an event
//! is emitted.
//!
//! Regions are kept in the coordinates of the file's text as last seen and
//! carried through whatever changed it since (the parent's own edits too).

use crate::changes::hunks;
use similar::{DiffOp, TextDiff};
use std::collections::BTreeMap;
use std::ops::Range;

/// Lines `[start, end)` (0-based) a writer changed; empty where it only
/// deleted lines or inserted before `start`.
#[derive(Debug, Clone, PartialEq)]
struct Region {
    lines: Range<usize>,
    owner: String,
}

#[derive(Debug, Default)]
struct FileRegions {
    /// The text the regions are positioned in.
    text: String,
    regions: Vec<Region>,
}

/// A later writer's change meeting an earlier sibling's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub path: String,
    /// 1-based inclusive lines of the later writer's change, in the text as
    /// it is now (`start > end` when it only deleted lines before `start`).
    pub start: usize,
    pub end: usize,
    /// The earlier sibling.
    pub with: String,
}

impl Conflict {
    pub fn lines(&self) -> String {
        if self.start >= self.end {
            format!("line {}", self.start)
        } else {
            format!("lines {}-{}", self.start, self.end)
        }
    }
}

/// The writers of one parent turn.
#[derive(Debug, Default)]
pub struct Siblings {
    files: BTreeMap<String, FileRegions>,
}

impl Siblings {
    /// Record that writer `owner` changed each `(path, before, after)` file
    /// (a missing file is empty text); returns its conflicts with earlier
    /// writers of the turn, one per file and sibling.
    pub fn record(&mut self, owner: &str, changes: &[(String, String, String)]) -> Vec<Conflict> {
        let mut conflicts: Vec<Conflict> = Vec::new();
        for (path, before, after) in changes {
            if before == after {
                continue;
            }
            let file = self.files.entry(path.clone()).or_default();
            // Bring earlier regions to `before` (the file may have changed
            // since, by the parent), then check this writer's hunks.
            if !file.regions.is_empty() && file.text != *before {
                remap(&mut file.regions, &file.text, before);
            }
            let hunks = hunks(before, after);
            for h in &hunks {
                let old = h.old_start..h.old_start + h.old_len;
                for r in &file.regions {
                    if r.owner != owner
                        && overlaps(&old, &r.lines)
                        && !conflicts
                            .iter()
                            .any(|c| c.path == *path && c.with == r.owner)
                    {
                        conflicts.push(Conflict {
                            path: path.clone(),
                            start: h.new_start + 1,
                            end: h.new_start + h.new_len,
                            with: r.owner.clone(),
                        });
                    }
                }
            }
            remap(&mut file.regions, before, after);
            file.regions.extend(hunks.iter().map(|h| Region {
                lines: h.new_start..h.new_start + h.new_len,
                owner: owner.to_string(),
            }));
            file.text = after.clone();
        }
        conflicts
    }
}

/// Whether a change of lines `a` touches region `b`. Two non-empty ranges
/// overlap when they share a line; an empty one (an insertion point or a
/// deletion) touches a range it falls strictly inside, or an empty one at
/// the same point.
fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    match (a.is_empty(), b.is_empty()) {
        (false, false) => a.start < b.end && b.start < a.end,
        (true, false) => b.start < a.start && a.start < b.end,
        (false, true) => a.start < b.start && b.start < a.end,
        (true, true) => a.start == b.start,
    }
}

/// Move regions positioned in `old` to where they are in `new`. A region
/// whose lines were rewritten grows to cover the rewrite.
fn remap(regions: &mut [Region], old: &str, new: &str) {
    let diff = TextDiff::from_lines(old, new);
    let ops = diff.ops();
    let new_len = diff.iter_new_slices().count();
    // Where old line position `p` (a boundary before line p) lands.
    let point = |p: usize, end: bool| -> usize {
        for op in ops {
            let (o, n) = (op.old_range(), op.new_range());
            let inside = if end {
                o.start < p && p <= o.end
            } else {
                o.start <= p && p < o.end
            };
            if !inside {
                continue;
            }
            return match op {
                DiffOp::Equal { .. } => n.start + (p - o.start),
                _ if end => n.end,
                _ => n.start,
            };
        }
        new_len
    };
    for r in regions.iter_mut() {
        let start = point(r.lines.start, false);
        let end = if r.lines.is_empty() {
            start
        } else {
            point(r.lines.end, true).max(start)
        };
        r.lines = start..end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    fn change(text: &str, line: usize, new: &str) -> String {
        text.lines()
            .enumerate()
            .map(|(i, l)| {
                if i + 1 == line {
                    format!("{new}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect()
    }

    fn rec(s: &mut Siblings, owner: &str, before: &str, after: &str) -> Vec<Conflict> {
        s.record(owner, &[("f.txt".into(), before.into(), after.into())])
    }

    #[test]
    fn different_regions_of_one_file_do_not_conflict() {
        let mut s = Siblings::default();
        let v0 = lines(20);
        let v1 = change(&v0, 3, "first writer");
        assert!(rec(&mut s, "a", &v0, &v1).is_empty());
        let v2 = change(&v1, 15, "second writer");
        assert!(rec(&mut s, "b", &v1, &v2).is_empty());
    }

    #[test]
    fn the_same_lines_conflict_and_name_the_earlier_writer() {
        let mut s = Siblings::default();
        let v0 = lines(20);
        let v1 = change(&v0, 10, "first writer");
        assert!(rec(&mut s, "a", &v0, &v1).is_empty());
        let v2 = change(&v1, 10, "second writer");
        let c = rec(&mut s, "b", &v1, &v2);
        assert_eq!(
            c,
            [Conflict {
                path: "f.txt".into(),
                start: 10,
                end: 10,
                with: "a".into()
            }]
        );
        assert_eq!(c[0].lines(), "line 10");
    }

    #[test]
    fn regions_follow_lines_inserted_above_them() {
        let mut s = Siblings::default();
        let v0 = lines(20);
        let v1 = change(&v0, 10, "first writer");
        rec(&mut s, "a", &v0, &v1);
        // The parent inserts three lines at the top between the writers.
        let v2 = format!("x\ny\nz\n{v1}");
        // Line 10 of v1 is now line 13.
        let moved = change(&v2, 13, "second writer");
        assert_eq!(rec(&mut s, "b", &v2, &moved).len(), 1);
        let mut s2 = Siblings::default();
        rec(&mut s2, "a", &v0, &v1);
        let elsewhere = change(&v2, 10, "second writer");
        assert!(rec(&mut s2, "b", &v2, &elsewhere).is_empty());
    }

    #[test]
    fn a_deletion_inside_a_siblings_region_and_new_files() {
        let mut s = Siblings::default();
        let v0 = lines(10);
        let v1 = v0.replace("line 4\nline 5\nline 6\n", "A\nB\nC\n");
        rec(&mut s, "a", &v0, &v1);
        let v2 = v1.replace("B\n", "");
        assert_eq!(rec(&mut s, "b", &v1, &v2).len(), 1);
        // A file one writer created and another rewrote.
        let mut s = Siblings::default();
        assert!(rec(&mut s, "a", "", "new\n").is_empty());
        assert_eq!(rec(&mut s, "b", "new\n", "newer\n").len(), 1);
    }

    #[test]
    fn overlap_rules() {
        assert!(overlaps(&(2..5), &(4..6)));
        assert!(!overlaps(&(2..4), &(4..6)));
        assert!(overlaps(&(3..3), &(2..5)));
        assert!(!overlaps(&(2..2), &(2..5)));
        assert!(overlaps(&(1..4), &(2..2)));
        assert!(overlaps(&(2..2), &(2..2)));
    }
}
