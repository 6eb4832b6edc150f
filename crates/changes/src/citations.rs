//! The citation log: which files and line ranges the agent read, so a
//! reviewer can see what a change was based on.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Inclusive 1-based line range read from `path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    pub path: String,
    pub start_line: usize,
    pub end_line: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citations {
    /// Per path, sorted disjoint ranges.
    ranges: BTreeMap<String, Vec<(usize, usize)>>,
}

impl Citations {
    /// Record a read of lines `start..=end`; overlapping and adjacent ranges merge.
    pub fn record(&mut self, path: &str, start: usize, end: usize) {
        if end < start {
            return;
        }
        let ranges = self.ranges.entry(path.to_string()).or_default();
        ranges.push((start, end));
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for &(s, e) in ranges.iter() {
            match merged.last_mut() {
                Some(last) if s <= last.1 + 1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        *ranges = merged;
    }

    pub fn iter(&self) -> impl Iterator<Item = Citation> + '_ {
        self.ranges.iter().flat_map(|(path, rs)| {
            rs.iter().map(move |&(s, e)| Citation {
                path: path.clone(),
                start_line: s,
                end_line: e,
            })
        })
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_and_adjacent_reads_merge() {
        let mut c = Citations::default();
        c.record("a.rs", 10, 20);
        c.record("a.rs", 1, 5);
        c.record("a.rs", 6, 9);
        c.record("a.rs", 30, 40);
        c.record("b.rs", 1, 1);
        let got: Vec<_> = c
            .iter()
            .map(|c| (c.path, c.start_line, c.end_line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.rs".into(), 1, 20),
                ("a.rs".into(), 30, 40),
                ("b.rs".into(), 1, 1)
            ]
        );
    }
}
