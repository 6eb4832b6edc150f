//! Hunks and unified diffs of a file change, computed with `similar`.

use super::{ChangeKind, FileChange};
use serde::{Deserialize, Serialize};
use similar::{DiffOp, TextDiff};

/// One contiguous region of change. Lines are 0-based; `old_len == 0` is a
/// pure insertion before `old_start`, `new_len == 0` a pure deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hunk {
    pub old_start: usize,
    pub old_len: usize,
    pub new_start: usize,
    pub new_len: usize,
    /// The baseline lines this hunk replaces, with their line endings.
    pub old_text: String,
    /// The lines it puts in their place, with their line endings.
    pub new_text: String,
}

/// The review hunks between two texts: maximal runs of changed lines, with no
/// context, so each can be accepted on its own.
pub fn hunks(old: &str, new: &str) -> Vec<Hunk> {
    let diff = TextDiff::from_lines(old, new);
    let old_lines: Vec<&str> = diff.iter_old_slices().collect();
    let new_lines: Vec<&str> = diff.iter_new_slices().collect();
    let mut out: Vec<Hunk> = Vec::new();
    for op in diff.ops() {
        let (old_range, new_range) = match *op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete {
                old_index,
                old_len,
                new_index,
            } => (old_index..old_index + old_len, new_index..new_index),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => (old_index..old_index, new_index..new_index + new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (
                old_index..old_index + old_len,
                new_index..new_index + new_len,
            ),
        };
        // similar may emit a delete directly followed by an insert: one hunk.
        if let Some(last) = out.last_mut()
            && last.old_start + last.old_len == old_range.start
            && last.new_start + last.new_len == new_range.start
        {
            last.old_len += old_range.len();
            last.new_len += new_range.len();
            last.old_text.push_str(&old_lines[old_range].concat());
            last.new_text.push_str(&new_lines[new_range].concat());
            continue;
        }
        out.push(Hunk {
            old_start: old_range.start,
            old_len: old_range.len(),
            new_start: new_range.start,
            new_len: new_range.len(),
            old_text: old_lines[old_range].concat(),
            new_text: new_lines[new_range].concat(),
        });
    }
    out
}

/// A git-style unified diff of one file (3 lines of context).
pub fn unified_diff(path: &str, change: &FileChange) -> String {
    let old = change.baseline.as_deref().unwrap_or("");
    let new = change.proposed.as_deref().unwrap_or("");
    let from = change.moved_from.as_deref().unwrap_or(path);
    let mut out = format!("diff --git a/{from} b/{path}\n");
    match change.kind() {
        ChangeKind::Added => out.push_str("new file mode 100644\n"),
        ChangeKind::Deleted => out.push_str("deleted file mode 100644\n"),
        ChangeKind::Moved => out.push_str(&format!("rename from {from}\nrename to {path}\n")),
        ChangeKind::Modified => {}
    }
    if old == new {
        return out;
    }
    let a = if change.baseline.is_some() {
        format!("a/{from}")
    } else {
        "/dev/null".to_string()
    };
    let b = if change.proposed.is_some() {
        format!("b/{path}")
    } else {
        "/dev/null".to_string()
    };
    let diff = TextDiff::from_lines(old, new);
    out.push_str(
        &diff
            .unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header(&a, &b)
            .to_string(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separate_regions_are_separate_hunks() {
        let old = "a\nb\nc\nd\ne\n";
        let new = "a\nB\nc\nd\nE\nf\n";
        let h = hunks(old, new);
        assert_eq!(h.len(), 2);
        assert_eq!((h[0].old_start, h[0].old_len, h[0].new_len), (1, 1, 1));
        assert_eq!(h[0].old_text, "b\n");
        assert_eq!(h[0].new_text, "B\n");
        assert_eq!((h[1].old_start, h[1].old_len, h[1].new_len), (4, 1, 2));
        assert_eq!(h[1].new_text, "E\nf\n");
    }

    #[test]
    fn unified_diff_of_new_file_uses_dev_null() {
        let c = FileChange {
            baseline: None,
            proposed: Some("hello\n".into()),
            moved_from: None,
        };
        let d = unified_diff("x.txt", &c);
        assert!(d.contains("new file mode"));
        assert!(d.contains("--- /dev/null\n+++ b/x.txt\n"));
        assert!(d.contains("+hello\n"));
    }
}
