//! Three-way review of one file: the baseline the agent started from, the
//! text the agent proposes, and the text the user has now. The agent's hunks
//! (baseline → proposal) are carried through the user's own changes
//! (baseline → current): a hunk the user did not touch moves with the user's
//! edits and stays pending; a hunk the user's edit overlaps is conflicted and
//! never applied; a hunk the user's text already has is settled.
//!
//! Everything is line based and recomputed from the three texts, so there is
//! no incremental bookkeeping that could drift from what the user sees.

use super::diff::{Hunk, hunks};
use serde::{Deserialize, Serialize};
use std::hash::{DefaultHasher, Hash, Hasher};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HunkState {
    /// Can be accepted: the lines it replaces are as the agent saw them.
    Pending,
    /// The user changed lines this hunk also changes.
    Conflicted,
}

/// An agent hunk placed in the user's current text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewHunk {
    /// Stable while the hunk's own text does not change (not its position).
    pub id: String,
    /// The hunk between baseline and proposal (baseline coordinates).
    pub hunk: Hunk,
    /// First line of the current text it covers.
    pub start: usize,
    /// Lines of the current text it covers (the baseline lines it replaces
    /// when pending; the whole overlapping region when conflicted).
    pub len: usize,
    pub state: HunkState,
}

/// The review of one file's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextReview {
    /// Pending and conflicted hunks, in order.
    pub hunks: Vec<ReviewHunk>,
    /// Agent hunks the user's text already contains (accepted, or typed by
    /// the user identically): fold them into the baseline.
    pub settled: Vec<Hunk>,
}

/// Lines with their terminators, the way `similar` splits them.
pub fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

fn end(h: &Hunk) -> usize {
    h.old_start + h.old_len
}

/// Whether two hunks (baseline coordinates) change the same lines. Changes
/// that only touch at a boundary do not overlap; two insertions at the same
/// point do (their order would be a guess).
fn overlaps(a: &Hunk, u: &Hunk) -> bool {
    let proper = a.old_start < end(u) && u.old_start < end(a);
    let same_point = a.old_len == 0 && u.old_len == 0 && a.old_start == u.old_start;
    proper || same_point
}

fn same_change(a: &Hunk, u: &Hunk) -> bool {
    a.old_start == u.old_start && a.old_len == u.old_len && a.new_text == u.new_text
}

/// Lines the user's change adds (negative when it removes).
fn delta(u: &Hunk) -> isize {
    u.new_len as isize - u.old_len as isize
}

fn shift(line: usize, by: isize) -> usize {
    (line as isize + by).max(0) as usize
}

/// Review `proposed` against `baseline` as seen from `current`.
pub fn review_text(baseline: &str, proposed: &str, current: &str) -> TextReview {
    let agent = hunks(baseline, proposed);
    let user = if current == baseline {
        Vec::new()
    } else {
        hunks(baseline, current)
    };
    let mut out = TextReview::default();
    let mut seen: Vec<u64> = Vec::new();
    for a in agent {
        let before: isize = user
            .iter()
            .filter(|u| end(u) <= a.old_start && !overlaps(&a, u))
            .map(delta)
            .sum();
        let touching: Vec<&Hunk> = user.iter().filter(|u| overlaps(&a, u)).collect();
        let (state, start, len) = match touching.as_slice() {
            [] => (HunkState::Pending, shift(a.old_start, before), a.old_len),
            [u] if same_change(&a, u) => {
                out.settled.push(a);
                continue;
            }
            many => {
                let lo = many.iter().map(|u| u.old_start).min().unwrap();
                let hi = many.iter().map(|u| end(u)).max().unwrap();
                let (lo, hi) = (lo.min(a.old_start), hi.max(end(&a)));
                let grown: isize = many.iter().map(|u| delta(u)).sum();
                let len = shift(hi - lo, grown);
                (HunkState::Conflicted, shift(lo, before), len)
            }
        };
        let key = text_hash(&a);
        let nth = seen.iter().filter(|k| **k == key).count();
        seen.push(key);
        out.hunks.push(ReviewHunk {
            id: format!("{key:016x}-{nth}"),
            hunk: a,
            start,
            len,
            state,
        });
    }
    out
}

fn text_hash(h: &Hunk) -> u64 {
    let mut s = DefaultHasher::new();
    h.old_text.hash(&mut s);
    h.new_text.hash(&mut s);
    s.finish()
}

/// Apply agent hunks (baseline coordinates, any order) to `baseline`: used to
/// fold accepted hunks into the baseline and to rebuild a proposal without
/// rejected ones.
pub fn apply_hunks(baseline: &str, chosen: &[&Hunk]) -> String {
    let mut chosen: Vec<&Hunk> = chosen.to_vec();
    chosen.sort_by_key(|h| (h.old_start, h.old_len));
    let base = lines(baseline);
    let mut out = String::with_capacity(baseline.len());
    let mut at = 0;
    for h in chosen {
        let start = h.old_start.min(base.len());
        if start < at {
            continue; // overlapping hunks cannot come from one diff
        }
        out.extend(base[at..start].iter().copied());
        out.push_str(&h.new_text);
        at = (start + h.old_len).min(base.len());
    }
    out.extend(base[at..].iter().copied());
    out
}

/// Replace `len` lines of `text` from line `start` with `with`: what an
/// editor does when it applies an accepted hunk.
pub fn replace_lines(text: &str, start: usize, len: usize, with: &str) -> String {
    let ls = lines(text);
    let start = start.min(ls.len());
    let stop = (start + len).min(ls.len());
    let mut out: String = ls[..start].concat();
    out.push_str(with);
    out.push_str(&ls[stop..].concat());
    out
}

/// What the user's text becomes when every pending hunk is accepted.
pub fn merged_text(current: &str, review: &TextReview) -> String {
    let mut out = current.to_string();
    // From the bottom up so earlier line numbers stay valid.
    for h in review.hunks.iter().rev() {
        if h.state == HunkState::Pending {
            out = replace_lines(&out, h.start, h.len, &h.hunk.new_text);
        }
    }
    out
}

#[cfg(test)]
mod tests;
