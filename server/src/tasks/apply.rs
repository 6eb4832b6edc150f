//! Writing a task's result to the user's files. The task worked on the
//! files as they were when it read them; a file the user has changed since
//! is a conflict, and then nothing is written (open the result in the
//! editor to merge it hunk by hunk instead).

use crate::changes::ChangeSet;
use std::path::Path;

#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Written(Vec<String>),
    /// Files changed on disk since the task read them; nothing was written.
    Conflicts(Vec<String>),
}

pub fn apply(root: &Path, changes: &ChangeSet) -> std::io::Result<Applied> {
    let ws = crate::workspace::Workspace::new(root)?;
    let current = |rel: &str| ws.base_text(rel);
    let mut conflicts = Vec::new();
    for (path, change) in changes.files() {
        if current(path)? != change.baseline {
            conflicts.push(path.clone());
        }
        if let Some(from) = &change.moved_from
            && current(from)?.is_none()
        {
            conflicts.push(from.clone());
        }
    }
    if !conflicts.is_empty() {
        return Ok(Applied::Conflicts(conflicts));
    }
    ws.restore(changes.clone(), Default::default());
    ws.apply_to_disk()?;
    Ok(Applied::Written(
        changes.files().map(|(p, _)| p.clone()).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changed_since_the_task_read_it_stops_the_whole_apply() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.txt"), "a\n").unwrap();
        std::fs::write(d.path().join("b.txt"), "b\n").unwrap();
        let mut changes = ChangeSet::new();
        changes.propose("a.txt", Some("a\n".into()), Some("A\n".into()));
        changes.propose("b.txt", Some("b\n".into()), Some("B\n".into()));
        changes.propose("new.txt", None, Some("new\n".into()));
        std::fs::write(d.path().join("b.txt"), "b edited by the user\n").unwrap();
        assert_eq!(
            apply(d.path(), &changes).unwrap(),
            Applied::Conflicts(vec!["b.txt".into()])
        );
        assert_eq!(
            std::fs::read_to_string(d.path().join("a.txt")).unwrap(),
            "a\n"
        );
        assert!(!d.path().join("new.txt").exists());
        std::fs::write(d.path().join("b.txt"), "b\n").unwrap();
        assert!(matches!(apply(d.path(), &changes).unwrap(), Applied::Written(f) if f.len() == 3));
        assert_eq!(
            std::fs::read_to_string(d.path().join("b.txt")).unwrap(),
            "B\n"
        );
        assert_eq!(
            std::fs::read_to_string(d.path().join("new.txt")).unwrap(),
            "new\n"
        );
    }
}
