//! The fallback backend, for machines without user namespaces or overlayfs:
//! a private copy of the workspace (a `git worktree` of HEAD plus the dirty
//! and untracked files, or a plain copy outside git). Same files contract
//! as the overlay (commands see the proposal and unsaved buffers, their
//! writes come back as proposal, the user's files are untouched, symlinks
//! leading out of the workspace are not reproduced, secrets are stripped),
//! but no network isolation and no read-only system: it says so.

use super::view::{Ignored, desired, fold, put};
use super::{Launch, Sandbox};
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;
use tandem_changes::workspace::Workspace;
use tandem_sync::Mutex;

type Stamp = (u64, Option<SystemTime>);

pub struct Copy {
    root: PathBuf,
    tree: PathBuf,
    git_worktree: bool,
    env: Vec<(String, String)>,
    ignored: Ignored,
    /// Size and mtime of every file after the last `prepare`.
    snapshot: Mutex<HashMap<String, Stamp>>,
    synced: Mutex<HashSet<String>>,
}

fn git(root: &Path, args: &[&str]) -> io::Result<std::process::Output> {
    Command::new("git").arg("-C").arg(root).args(args).output()
}

impl Copy {
    pub fn new(root: &Path, task_dir: &Path, env: Vec<(String, String)>) -> io::Result<Copy> {
        let tree = task_dir.join("tree");
        let top = git(root, &["rev-parse", "--show-toplevel"])
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        let is_repo_root = top
            .as_deref()
            .is_some_and(|t| t.canonicalize().ok().as_deref() == Some(root));
        let has_head =
            git(root, &["rev-parse", "--verify", "HEAD"]).is_ok_and(|o| o.status.success());
        let git_worktree = is_repo_root && has_head;
        if git_worktree {
            let out = git(
                root,
                &[
                    "worktree",
                    "add",
                    "--detach",
                    "--quiet",
                    tree.to_str().unwrap_or_default(),
                    "HEAD",
                ],
            )?;
            if !out.status.success() {
                return Err(io::Error::other(format!(
                    "git worktree add failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            copy_dirty(root, &tree)?;
        } else {
            copy_tree(root, &tree, "")?;
        }
        remove_escaping_links(&tree, &tree)?;
        Ok(Copy {
            root: root.to_path_buf(),
            tree,
            git_worktree,
            env,
            ignored: Ignored::new(root),
            snapshot: Mutex::new(HashMap::new()),
            synced: Mutex::new(HashSet::new()),
        })
    }
}

/// Bring the worktree to the state of the user's files: modified, added and
/// untracked files copied, deleted ones removed.
fn copy_dirty(root: &Path, tree: &Path) -> io::Result<()> {
    let out = git(
        root,
        &["status", "--porcelain=v1", "-z", "--untracked-files=all"],
    )?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut entries = text.split('\0').filter(|e| e.len() > 3);
    while let Some(entry) = entries.next() {
        let (code, path) = entry.split_at(3);
        if code.starts_with('R') || code.starts_with('C') {
            entries.next(); // the source path of a rename
        }
        let from = root.join(path);
        let to = tree.join(path);
        if from.is_file() {
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(&from, &to)?;
        } else if !from.exists() {
            let _ = std::fs::remove_file(&to);
        }
    }
    Ok(())
}

fn copy_tree(from_root: &Path, to_root: &Path, rel: &str) -> io::Result<()> {
    let walker = ignore::WalkBuilder::new(from_root.join(rel))
        .hidden(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker.flatten() {
        let Ok(rel) = entry.path().strip_prefix(from_root) else {
            continue;
        };
        let to = to_root.join(rel);
        let kind = entry.file_type();
        if kind.is_some_and(|k| k.is_dir()) {
            std::fs::create_dir_all(&to)?;
        } else if kind.is_some_and(|k| k.is_symlink()) {
            if let Ok(target) = std::fs::read_link(entry.path()) {
                let _ = std::os::unix::fs::symlink(target, &to);
            }
        } else {
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(entry.path(), &to)?;
        }
    }
    Ok(())
}

/// A symlink in the copy that resolves outside the workspace and the copy
/// would let a command write the user's files: it is not reproduced.
fn remove_escaping_links(tree: &Path, dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_symlink() {
            let target = std::fs::read_link(&path)?;
            let resolved = if target.is_absolute() {
                target
            } else {
                dir.join(target)
            };
            // A link into the workspace itself is also outside the copy.
            if !normalize(&resolved).starts_with(tree) {
                std::fs::remove_file(&path)?;
            }
        } else if kind.is_dir() && entry.file_name() != ".git" {
            remove_escaping_links(tree, &path)?;
        }
    }
    Ok(())
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

impl Copy {
    fn stamps(&self) -> HashMap<String, Stamp> {
        let mut out = HashMap::new();
        let walker = ignore::WalkBuilder::new(&self.tree)
            .hidden(false)
            .git_ignore(false)
            .ignore(false)
            .parents(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker.flatten() {
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&self.tree) else {
                continue;
            };
            let Some(rel) = rel.to_str() else { continue };
            if let Ok(m) = entry.metadata() {
                out.insert(rel.to_string(), (m.len(), m.modified().ok()));
            }
        }
        out
    }
}

impl Sandbox for Copy {
    fn name(&self) -> &'static str {
        "copy"
    }

    fn describe(&self) -> String {
        let how = if self.git_worktree {
            "git worktree plus your dirty files"
        } else {
            "a copy of the workspace"
        };
        format!(
            "copy: commands run in {how}; secrets stripped; NO network isolation \
             (user namespaces or overlayfs are not available here)"
        )
    }

    fn prepare(
        &self,
        ws: &Workspace,
        shell: &str,
        script: &str,
        workdir: &str,
    ) -> io::Result<Launch> {
        let mut now = HashSet::new();
        for (rel, text) in desired(ws) {
            let path = self.tree.join(&rel);
            match text {
                Some(text) => {
                    put(&path, &text)?;
                    now.insert(rel);
                }
                None => {
                    let _ = std::fs::remove_file(&path);
                    now.insert(rel);
                }
            }
        }
        // Undo what an earlier sync put there and nothing wants any more.
        let mut synced = self.synced.lock();
        for gone in synced.difference(&now) {
            let from = self.root.join(gone);
            let to = self.tree.join(gone);
            if from.is_file() {
                std::fs::copy(&from, &to)?;
            } else {
                let _ = std::fs::remove_file(&to);
            }
        }
        *synced = now;
        *self.snapshot.lock() = self.stamps();
        Ok(Launch::shell(
            shell,
            script,
            self.tree.join(workdir),
            &self.env,
        ))
    }

    fn collect(&self, ws: &Workspace) -> io::Result<Vec<String>> {
        let before = self.snapshot.lock().clone();
        let after = self.stamps();
        let mut changed = Vec::new();
        for (rel, stamp) in &after {
            if before.get(rel) != Some(stamp) {
                let bytes = std::fs::read(self.tree.join(rel))?;
                if fold(ws, &self.ignored, rel, Some(bytes)) {
                    changed.push(rel.clone());
                }
            }
        }
        for rel in before.keys().filter(|r| !after.contains_key(*r)) {
            if fold(ws, &self.ignored, rel, None) {
                changed.push(rel.clone());
            }
        }
        *self.snapshot.lock() = after;
        changed.sort();
        Ok(changed)
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        if self.git_worktree {
            let _ = git(
                &self.root,
                &[
                    "worktree",
                    "remove",
                    "--force",
                    self.tree.to_str().unwrap_or_default(),
                ],
            );
        }
        if let Some(task) = self.tree.parent() {
            let _ = std::fs::remove_dir_all(task);
        }
    }
}
