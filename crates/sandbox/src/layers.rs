//! Set-up layers: what a task's set-up script wrote into the workspace (a
//! virtualenv, `node_modules`, vendored sources), kept as a read-only
//! overlay layer that later tasks of the same repository stack below their
//! own writes instead of running the set-up again.
//!
//! The cache is one folder per repository: `<key>/` is a layer (the
//! set-up's upper directory, whiteouts and all, renamed in whole),
//! `<key>.used` a marker whose mtime says when a task last started from it,
//! and `.build-*` the layers being made. The key (the set-up's text and the
//! lockfiles it depends on) is the caller's; here it is only a name.
//!
//! Bounded by use: `prune` keeps the `keep` most recently used layers and
//! removes the rest, except a layer used within `grace` (a task still
//! running on it would lose its files mid-run).

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The folder inside a build whose contents become the layer.
pub const UPPER: &str = "upper";

const BUILD_PREFIX: &str = ".build-";
const USED: &str = ".used";

pub struct Layers {
    dir: PathBuf,
}

impl Layers {
    pub fn new(dir: PathBuf) -> Layers {
        Layers { dir }
    }

    /// The layer stored under `key`, marked as used now.
    pub fn find(&self, key: &str) -> Option<PathBuf> {
        let layer = self.dir.join(key);
        if !layer.is_dir() {
            return None;
        }
        self.touch(key);
        Some(layer)
    }

    /// A fresh folder to run a set-up in, beside the layers so keeping its
    /// result is a rename.
    pub fn building(&self) -> io::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        let dir = tempfile::Builder::new()
            .prefix(BUILD_PREFIX)
            .tempdir_in(&self.dir)?;
        Ok(dir.keep())
    }

    /// Keep what the set-up run in `build` wrote as the layer of `key`, and
    /// throw the rest of the build away. When another task stored the same
    /// key meanwhile, its layer is kept and this one dropped: they hold the
    /// result of the same set-up.
    pub fn adopt(&self, key: &str, build: &Path) -> io::Result<PathBuf> {
        let layer = self.dir.join(key);
        let renamed = std::fs::rename(build.join(UPPER), &layer);
        remove_build(build);
        match renamed {
            Ok(()) => {}
            Err(_) if layer.is_dir() => {}
            Err(e) => return Err(e),
        }
        self.touch(key);
        Ok(layer)
    }

    /// Forget a build that failed.
    pub fn discard(&self, build: &Path) {
        remove_build(build);
    }

    /// Remove every layer but the `keep` most recently used, sparing those
    /// used within `grace`, and builds older than `grace` (a crashed set-up).
    /// Returns the keys removed.
    pub fn prune(&self, keep: usize, grace: Duration) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let now = SystemTime::now();
        let age = |path: &Path| {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .unwrap_or_default()
        };
        let mut layers = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with(BUILD_PREFIX) {
                if age(&path) > grace {
                    remove_build(&path);
                }
            } else if path.is_dir() {
                let used = age(&self.dir.join(format!("{name}{USED}")));
                layers.push((used, name));
            }
        }
        layers.sort();
        let mut removed = Vec::new();
        for (used, key) in layers.into_iter().skip(keep) {
            if used > grace {
                let _ = std::fs::remove_dir_all(self.dir.join(&key));
                let _ = std::fs::remove_file(self.dir.join(format!("{key}{USED}")));
                removed.push(key);
            }
        }
        removed
    }

    fn touch(&self, key: &str) {
        let marker = self.dir.join(format!("{key}{USED}"));
        let _ = std::fs::File::create(&marker).and_then(|f| f.set_modified(SystemTime::now()));
    }
}

/// overlayfs leaves a mode-000 folder in its work dir, which must be opened
/// up before the build can be removed.
fn remove_build(build: &Path) {
    let inner = build.join("work").join("work");
    if inner.exists() {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o700));
    }
    let _ = std::fs::remove_dir_all(build);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(layers: &Layers, key: &str, file: &str) -> PathBuf {
        let build = layers.building().unwrap();
        std::fs::create_dir_all(build.join(UPPER)).unwrap();
        std::fs::write(build.join(UPPER).join(file), key).unwrap();
        layers.adopt(key, &build).unwrap()
    }

    fn set_used(layers: &Layers, key: &str, ago: Duration) {
        let marker = layers.dir.join(format!("{key}{USED}"));
        let f = std::fs::File::options().write(true).open(marker).unwrap();
        f.set_modified(SystemTime::now() - ago).unwrap();
    }

    #[test]
    fn an_adopted_build_is_found_and_its_scaffolding_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let layers = Layers::new(dir.path().join("layers"));
        assert_eq!(layers.find("k1"), None);
        let layer = built(&layers, "k1", "dep.py");
        assert_eq!(layers.find("k1"), Some(layer.clone()));
        assert_eq!(std::fs::read_to_string(layer.join("dep.py")).unwrap(), "k1");
        let left: Vec<String> = std::fs::read_dir(dir.path().join("layers"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !left.iter().any(|n| n.starts_with(BUILD_PREFIX)),
            "{left:?}"
        );
    }

    #[test]
    fn a_second_build_of_the_same_key_keeps_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let layers = Layers::new(dir.path().to_path_buf());
        let first = built(&layers, "k", "a");
        let build = layers.building().unwrap();
        std::fs::create_dir_all(build.join(UPPER)).unwrap();
        std::fs::write(build.join(UPPER).join("b"), "").unwrap();
        assert_eq!(layers.adopt("k", &build).unwrap(), first);
        assert!(first.join("a").exists() && !first.join("b").exists());
        assert!(!build.exists());
    }

    #[test]
    fn pruning_keeps_the_most_recently_used_and_spares_recent_ones() {
        let dir = tempfile::tempdir().unwrap();
        let layers = Layers::new(dir.path().to_path_buf());
        let day = Duration::from_secs(86_400);
        for (key, days) in [("old", 10), ("older", 20), ("new", 1), ("recent", 0)] {
            built(&layers, key, "f");
            set_used(&layers, key, day * days + Duration::from_secs(60));
        }
        // Keep two: "recent" and "new"; "old" and "older" go.
        let mut removed = layers.prune(2, Duration::from_secs(3600));
        removed.sort();
        assert_eq!(removed, ["old", "older"]);
        assert!(layers.find("new").is_some() && layers.find("recent").is_some());
        // Control: within the grace nothing goes, however many there are.
        for key in ["a", "b", "c"] {
            built(&layers, key, "f");
        }
        assert!(layers.prune(1, Duration::from_secs(3600)).is_empty());
    }
}
