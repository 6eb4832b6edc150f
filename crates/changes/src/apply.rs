//! Writing a proposal to the user's files, for `tandem exec --apply` and
//! `tandem task apply` alike.
//!
//! Like a database commit: every file is decided before any is written,
//! each is replaced through a synced temporary file and a rename (a kill at
//! any moment leaves each file old or new, never half-written), and a file
//! the user changed since the run read it is merged three-way as the editor
//! would (`changes::merge`), or refused when their edits overlap the
//! agent's. `.git` is never written, and files that make code run on the
//! user's machine (`changes::protected`) are left out unless named.

use crate::merge::{HunkState, merged_text, review_text};
use crate::protected::{RunsCode, is_git_internal};
use crate::workspace::Workspace;
use crate::{ChangeKind, ChangeSet, FileChange, RelPath};
use serde::Serialize;
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use tandem_state_files::replace_file;

/// Which files that run code the user asked to apply too.
#[derive(Debug, Clone, Default)]
pub struct Include {
    /// Named one by one (`--apply-path`), workspace-relative.
    pub paths: Vec<RelPath>,
    /// All of them (`--apply-protected`).
    pub all_protected: bool,
}

impl Include {
    fn takes(&self, path: &str) -> bool {
        self.all_protected || self.paths.iter().any(|p| p == path)
    }
}

/// What an apply did, file by file: what a face lists for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Files now as proposed (written, deleted, moved; or already so).
    pub written: Vec<RelPath>,
    /// Those of `written` the user had changed since the run read them:
    /// their edits were kept and the agent's changes put in around them.
    pub merged: Vec<RelPath>,
    /// Files not written, and why.
    pub refused: Vec<Refused>,
    /// Files that run code on the user's machine, not named to be applied.
    pub left_out: Vec<RelPath>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub path: RelPath,
    pub reason: String,
}

impl Applied {
    /// Whether every file of the proposal is now in the user's files.
    pub fn complete(&self) -> bool {
        self.refused.is_empty() && self.left_out.is_empty()
    }

    fn refuse(&mut self, path: &str, reason: impl Into<String>) {
        self.refused.push(Refused {
            path: path.to_string(),
            reason: reason.into(),
        });
    }
}

/// One file's part of the commit.
struct Step {
    path: RelPath,
    /// New text to put at `path`; `None` deletes it.
    text: Option<String>,
    /// A move's source, deleted once the destination is written.
    delete_too: Option<RelPath>,
    merged: bool,
}

/// Write `changes` to the files under `root`. Per file: as proposed when the
/// file is still as the run read it, merged when the user's edits since do
/// not overlap the agent's, refused otherwise. `Err` only when the folder
/// cannot be opened.
pub fn apply(root: &Path, changes: &ChangeSet, include: &Include) -> io::Result<Applied> {
    let ws = Workspace::new(root)?;
    let sources: BTreeSet<&str> = changes
        .files()
        .filter_map(|(_, c)| c.moved_from.as_deref())
        .collect();
    let runs_code = RunsCode::of(changes, |p| disk(&ws, p).ok().flatten());
    let mut out = Applied::default();
    let mut steps = Vec::new();
    for (path, change) in changes.files() {
        if sources.contains(path.as_str()) {
            continue; // applied with its move
        }
        let touched: Vec<&str> = std::iter::once(path.as_str())
            .chain(change.moved_from.as_deref())
            .collect();
        if let Some(p) = touched.iter().find(|p| is_git_internal(p)) {
            out.refuse(p, "inside .git, which Tandem never writes");
            continue;
        }
        if let Some(p) = touched.iter().find(|p| ws.relative(p).is_err()) {
            out.refuse(p, "outside the workspace");
            continue;
        }
        if runs_code.change(path, change) && !touched.iter().any(|p| include.takes(p)) {
            out.left_out.push(path.clone());
            continue;
        }
        match decide(&ws, changes, path, change) {
            Ok(Some(step)) => steps.push(step),
            Ok(None) => out.written.push(path.clone()),
            Err(reason) => out.refuse(path, reason),
        }
    }
    commit(&ws, steps, &mut out);
    Ok(out)
}

/// The file's text on disk now (`Ok(None)`: absent).
fn disk(ws: &Workspace, rel: &str) -> Result<Option<String>, String> {
    match std::fs::read(ws.absolute(rel)) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| "it is no longer text".to_string()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read it: {e}")),
    }
}

/// What to do with one file, given what the user has now. `Ok(None)`: the
/// file already is as proposed.
fn decide(
    ws: &Workspace,
    changes: &ChangeSet,
    path: &str,
    change: &FileChange,
) -> Result<Option<Step>, String> {
    let now = disk(ws, path)?;
    let step = |text: Option<String>, merged| Step {
        path: path.to_string(),
        text,
        delete_too: None,
        merged,
    };
    if change.kind() == ChangeKind::Moved {
        let from = change.moved_from.clone().unwrap_or_default();
        let from_now = disk(ws, &from)?;
        let from_base = changes.get(&from).and_then(|c| c.baseline.clone());
        if now == change.proposed && from_now.is_none() {
            return Ok(None);
        }
        if now != change.baseline {
            return Err("a file is there now that was not when the run read it".into());
        }
        if from_now != from_base {
            return Err(format!(
                "you changed {from} since the run read it; not moved"
            ));
        }
        return Ok(Some(Step {
            delete_too: Some(from),
            ..step(change.proposed.clone(), false)
        }));
    }
    if now == change.proposed {
        return Ok(None);
    }
    if now == change.baseline {
        return Ok(Some(step(change.proposed.clone(), false)));
    }
    match (&change.baseline, &change.proposed, &now) {
        (Some(base), Some(proposed), Some(now)) => {
            let review = review_text(base, proposed, now);
            if let Some(h) = review
                .hunks
                .iter()
                .find(|h| h.state == HunkState::Conflicted)
            {
                return Err(format!(
                    "your edits since the run read it overlap its change at line {}",
                    h.start + 1
                ));
            }
            let merged = merged_text(now, &review);
            Ok((merged != *now).then(|| step(Some(merged), true)))
        }
        (None, _, Some(_)) => Err("you created it since the run started".into()),
        (_, None, Some(_)) => Err("you changed it since the run read it; not deleted".into()),
        (Some(_), _, None) => Err("you deleted it since the run read it".into()),
        (None, _, None) => Ok(None),
    }
}

/// The path to write for `rel`: a symlink inside the workspace is written
/// through (as an in-place write would), never replaced by a file.
fn target(ws: &Workspace, rel: &str) -> io::Result<PathBuf> {
    let abs = ws.absolute(rel);
    match std::fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_symlink() => {
            let real = abs.canonicalize()?;
            if real.starts_with(ws.root()) {
                Ok(real)
            } else {
                Err(io::Error::other("it links outside the workspace"))
            }
        }
        _ => Ok(abs),
    }
}

fn write(ws: &Workspace, rel: &str, text: &str) -> io::Result<()> {
    let path = target(ws, rel)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    replace_file(&path, text.as_bytes())
}

fn delete(ws: &Workspace, rel: &str) -> io::Result<()> {
    match std::fs::remove_file(ws.absolute(rel)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Every write before any delete: a kill in between leaves a moved file in
/// both places rather than in neither.
fn commit(ws: &Workspace, steps: Vec<Step>, out: &mut Applied) {
    let mut deletes = Vec::new();
    for s in steps {
        let Some(text) = &s.text else {
            deletes.push((s.path.clone(), s.path));
            continue;
        };
        if let Err(e) = write(ws, &s.path, text) {
            out.refuse(&s.path, format!("could not write it: {e}"));
            continue;
        }
        if s.merged {
            out.merged.push(s.path.clone());
        }
        match s.delete_too {
            Some(from) => deletes.push((s.path, from)),
            None => out.written.push(s.path),
        }
    }
    for (path, gone) in deletes {
        match delete(ws, &gone) {
            Ok(()) => out.written.push(path),
            Err(e) => out.refuse(&path, format!("could not delete {gone}: {e}")),
        }
    }
    out.written.sort();
    out.merged.sort();
}

#[cfg(test)]
mod tests;
