//! The user's trust answers, one per canonical folder, in
//! `$XDG_STATE_HOME/tandem/trust.json`: outside every repository, so a
//! repository can never trust itself. Each answer keeps the commands it
//! was given for; a different set is a new question.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use tandem_core::state_files::lock::lock_dir;
use tandem_core::state_files::write_atomic;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub trusted: bool,
    /// The inventory's lines when the user answered.
    pub commands: Vec<String>,
    /// Seconds since the epoch.
    pub at: u64,
}

#[derive(Default, Serialize, Deserialize)]
struct File {
    #[serde(default)]
    folders: BTreeMap<PathBuf, Entry>,
}

pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The user's store (`None` without a state folder).
    pub fn open() -> Option<Store> {
        let base = dirs::state_dir().or_else(dirs::data_local_dir)?;
        Some(Store::at(base.join("tandem")))
    }

    pub fn at(dir: PathBuf) -> Store {
        Store { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.join("trust.json")
    }

    /// A file that cannot be read counts as no answers: every folder is
    /// asked about again, which errs on the safe side.
    fn read(&self) -> File {
        std::fs::read_to_string(self.path())
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    pub fn get(&self, folder: &Path) -> Option<Entry> {
        self.read().folders.remove(folder)
    }

    pub fn list(&self) -> Vec<(PathBuf, Entry)> {
        self.read().folders.into_iter().collect()
    }

    pub fn set(&self, folder: &Path, trusted: bool, commands: Vec<String>) -> io::Result<()> {
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.change(|f| {
            f.folders.insert(
                folder.to_path_buf(),
                Entry {
                    trusted,
                    commands,
                    at,
                },
            );
        })
        .map(|_| ())
    }

    /// Forget the answer for `folder`; whether there was one.
    pub fn remove(&self, folder: &Path) -> io::Result<bool> {
        self.change(|f| f.folders.remove(folder).is_some())
    }

    /// One read-modify-write at a time: two editors answering at once
    /// must not lose an answer.
    fn change<T>(&self, edit: impl FnOnce(&mut File) -> T) -> io::Result<T> {
        std::fs::create_dir_all(&self.dir)?;
        let _lock = lock_dir(&self.dir)?;
        let mut file = self.read();
        let out = edit(&mut file);
        write_atomic(&self.path(), &file)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_per_folder_and_can_be_revoked() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::at(d.path().join("tandem"));
        store.set(Path::new("/a"), true, vec!["x".into()]).unwrap();
        store.set(Path::new("/b"), false, vec![]).unwrap();
        let a = store.get(Path::new("/a")).unwrap();
        assert!(a.trusted && a.commands == ["x"]);
        assert_eq!(store.list().len(), 2);
        assert!(store.remove(Path::new("/a")).unwrap());
        assert!(!store.remove(Path::new("/a")).unwrap());
        assert!(store.get(Path::new("/a")).is_none());
    }
}
