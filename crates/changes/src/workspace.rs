//! The agent's view of the files it works on. Reads see the proposal first,
//! then the user's open buffers, then the disk; writes only ever go into the
//! proposal. Every path is confined to the workspace root.

use crate::{ChangeSet, Citations, FileReview, Hunk, RelPath, protected, review_file, reviewable};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use tandem_sync::Mutex;

/// Text of files the user has open in an editor, which may differ from disk.
pub trait OpenBuffers: Send + Sync {
    fn text(&self, path: &str) -> Option<String>;
    /// Workspace-relative paths of every open buffer.
    fn paths(&self) -> Vec<String> {
        Vec::new()
    }
}

#[derive(Default)]
struct State {
    changes: ChangeSet,
    citations: Citations,
}

pub struct Workspace {
    root: PathBuf,
    state: Mutex<State>,
    buffers: Option<Arc<dyn OpenBuffers>>,
}

/// A path given by the model that is not inside the workspace.
#[derive(Debug, thiserror::Error)]
#[error("path `{path}` is outside the workspace {root}")]
pub struct OutsideWorkspace {
    pub path: String,
    pub root: String,
}

impl Workspace {
    pub fn new(root: impl AsRef<Path>) -> io::Result<Self> {
        Ok(Workspace {
            root: root.as_ref().canonicalize()?,
            state: Mutex::new(State::default()),
            buffers: None,
        })
    }

    pub fn with_buffers(mut self, buffers: Arc<dyn OpenBuffers>) -> Self {
        self.buffers = Some(buffers);
        self
    }

    /// Another proposal over the same folder and open buffers, empty: a
    /// task's result opened for review beside this one, reviewed against
    /// the same text the user has.
    pub fn view(&self) -> Workspace {
        Workspace {
            root: self.root.clone(),
            state: Mutex::new(State::default()),
            buffers: self.buffers.clone(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Turn a model-supplied path (relative to the root, or absolute inside
    /// it) into a normalised relative path. `..` may not climb out, and an
    /// existing path may not lead out through a symlink.
    pub fn relative(&self, path: &str) -> Result<RelPath, OutsideWorkspace> {
        let outside = || OutsideWorkspace {
            path: path.to_string(),
            root: self.root.display().to_string(),
        };
        let p = Path::new(path);
        let rel = if p.is_absolute() {
            p.strip_prefix(&self.root).map_err(|_| outside())?
        } else {
            p
        };
        let mut parts: Vec<String> = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                Component::CurDir => {}
                Component::ParentDir => {
                    parts.pop().ok_or_else(outside)?;
                }
                Component::RootDir | Component::Prefix(_) => return Err(outside()),
            }
        }
        let rel = parts.join("/");
        // Follow symlinks of whatever part of the path exists already.
        let mut probe = self.root.join(&rel);
        loop {
            if let Ok(real) = probe.canonicalize() {
                if !real.starts_with(&self.root) {
                    return Err(outside());
                }
                break;
            }
            if !probe.pop() {
                break;
            }
        }
        Ok(rel)
    }

    pub fn absolute(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// Paths of the files open in an editor.
    pub fn open_buffer_paths(&self) -> Vec<String> {
        self.buffers.as_ref().map(|b| b.paths()).unwrap_or_default()
    }

    /// Text outside the proposal: the open buffer, else the file on disk.
    /// `Ok(None)` when the file does not exist; `InvalidData` when not UTF-8.
    pub fn base_text(&self, rel: &str) -> io::Result<Option<String>> {
        if let Some(text) = self.buffers.as_ref().and_then(|b| b.text(rel)) {
            return Ok(Some(text));
        }
        let abs = self.absolute(rel);
        match std::fs::read(&abs) {
            Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{rel} is not UTF-8 text"),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::IsADirectory => Err(e),
            Err(e) => Err(e),
        }
    }

    /// Current text as the agent sees it: proposal first, then `base_text`.
    pub fn read(&self, rel: &str) -> io::Result<Option<String>> {
        if let Some(proposed) = self.state.lock().changes.proposed(rel) {
            return Ok(proposed.map(str::to_owned));
        }
        self.base_text(rel)
    }

    pub fn exists(&self, rel: &str) -> bool {
        match self.state.lock().changes.proposed(rel) {
            Some(p) => p.is_some(),
            None => self.absolute(rel).exists(),
        }
    }

    /// Whether a tool may change `rel`: never inside `.git` (its config and
    /// hooks are commands git runs). The error is what the model is told.
    pub fn writable(&self, rel: &str) -> io::Result<()> {
        if protected::is_git_internal(rel) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                protected::git_refusal(rel),
            ));
        }
        Ok(())
    }

    /// Propose new text for a file (`None` deletes it).
    pub fn write(&self, rel: &str, text: Option<String>) -> io::Result<()> {
        self.writable(rel)?;
        let baseline = self.base_text(rel)?;
        self.state.lock().changes.propose(rel, baseline, text);
        Ok(())
    }

    /// Propose moving `from` to `to`, with `text` as the moved file's content.
    pub fn move_file(&self, from: &str, to: &str, text: String) -> io::Result<()> {
        self.writable(from)?;
        self.writable(to)?;
        let from_base = self.base_text(from)?;
        let to_base = self.base_text(to)?;
        self.state
            .lock()
            .changes
            .propose_move(from, from_base, to, to_base, text);
        Ok(())
    }

    /// Record that lines `start..=end` (1-based) of `rel` were read.
    pub fn cite(&self, rel: &str, start: usize, end: usize) {
        self.state.lock().citations.record(rel, start, end);
    }

    /// Whether the proposal changes `rel` (without copying the proposal).
    pub fn has_change(&self, rel: &str) -> bool {
        self.state.lock().changes.get(rel).is_some()
    }

    pub fn changes(&self) -> ChangeSet {
        self.state.lock().changes.clone()
    }

    pub fn citations(&self) -> Citations {
        self.state.lock().citations.clone()
    }

    /// Start from a saved proposal and citations (a task resumed or
    /// followed up).
    pub fn restore(&self, changes: ChangeSet, citations: Citations) {
        let mut state = self.state.lock();
        state.changes = changes;
        state.citations = citations;
    }

    /// Paths that exist only in the proposal, for listings and searches.
    pub fn added_paths(&self) -> Vec<RelPath> {
        let state = self.state.lock();
        state.changes.added_paths().cloned().collect()
    }

    /// Whether the proposal deletes `rel` (listings must hide it).
    pub fn is_deleted(&self, rel: &str) -> bool {
        matches!(self.state.lock().changes.proposed(rel), Some(None))
    }

    /// The proposal reviewed against what the user has now (open buffer,
    /// else disk). Hunks the user's text already has are folded first.
    pub fn review(&self) -> Vec<FileReview> {
        let paths: Vec<RelPath> = {
            let state = self.state.lock();
            state.changes.files().map(|(p, _)| p.clone()).collect()
        };
        paths.iter().filter_map(|p| self.review_one(p)).collect()
    }

    /// One file of `review()`, without reviewing the others: what a request
    /// about one document needs (a proposal may hold many large files).
    /// `None` when the file has nothing left to review, or it is the source
    /// of a move (reviewed as part of the move).
    pub fn review_one(&self, path: &str) -> Option<FileReview> {
        // The file's change is copied out: no lock held while diffing or
        // reading the user's text.
        let change = || {
            let state = self.state.lock();
            reviewable(&state.changes, path).cloned()
        };
        let current = self.base_text(path).ok().flatten();
        let mut r = review_file(path, &change()?, current.clone());
        if !r.settled.is_empty() {
            self.accept(path, &r.settled.iter().collect::<Vec<_>>());
            r = review_file(path, &change()?, current);
        }
        // A script a settings file runs is known only with the settings.
        if !r.runs_code {
            let rc = self.runs_code();
            r.runs_code = rc.path(path) || r.moved_from.as_deref().is_some_and(|p| rc.path(p));
        }
        (!r.hunks.is_empty() || !r.settled.is_empty()).then_some(r)
    }

    /// Files of the proposal whose change can make code run on the user's
    /// machine: an "accept all" leaves them out.
    pub fn runs_code_paths(&self) -> Vec<RelPath> {
        let rc = self.runs_code();
        let state = self.state.lock();
        state
            .changes
            .files()
            .filter(|(p, c)| rc.change(p, c))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Which files run code for this proposal: the fixed list, and the
    /// scripts its settings files name, as on disk and as proposed.
    pub fn runs_code(&self) -> protected::RunsCode {
        // Copied out, so no lock is held while reading the disk.
        let proposed: Vec<String> = {
            let state = self.state.lock();
            protected::NAMING_SCRIPTS
                .iter()
                .filter_map(|f| state.changes.get(f)?.proposed.clone())
                .collect()
        };
        let on_disk = protected::NAMING_SCRIPTS
            .iter()
            .filter_map(|f| std::fs::read_to_string(self.absolute(f)).ok());
        protected::RunsCode::from_texts(proposed.into_iter().chain(on_disk))
    }

    /// How many files the proposal holds.
    pub fn proposal_files(&self) -> usize {
        self.state.lock().changes.files().count()
    }

    /// The user's text now has these hunks of `path` (see `ChangeSet::accept`).
    pub fn accept(&self, path: &str, hunks: &[&Hunk]) {
        self.state.lock().changes.accept(path, hunks);
    }

    /// Take these hunks of `path` out of the proposal.
    pub fn reject(&self, path: &str, hunks: &[&Hunk]) {
        self.state.lock().changes.reject(path, hunks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "disk\n").unwrap();
        let ws = Workspace::new(dir.path()).unwrap();
        (dir, ws)
    }

    #[test]
    fn paths_cannot_climb_out() {
        let (_d, ws) = ws();
        assert_eq!(ws.relative("./src/../a.txt").unwrap(), "a.txt");
        assert!(ws.relative("../etc/passwd").is_err());
        assert!(ws.relative("/etc/passwd").is_err());
        let abs = ws.root().join("a.txt");
        assert_eq!(ws.relative(abs.to_str().unwrap()).unwrap(), "a.txt");
    }

    #[test]
    fn symlink_out_of_root_is_refused() {
        let (d, ws) = ws();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), d.path().join("link")).unwrap();
        assert!(ws.relative("link/secret").is_err());
    }

    #[test]
    fn writes_stay_in_the_proposal() {
        let (d, ws) = ws();
        ws.write("a.txt", Some("agent\n".into())).unwrap();
        assert_eq!(ws.read("a.txt").unwrap().as_deref(), Some("agent\n"));
        assert_eq!(
            std::fs::read_to_string(d.path().join("a.txt")).unwrap(),
            "disk\n"
        );
    }

    #[test]
    fn open_buffer_wins_over_disk() {
        struct One;
        impl OpenBuffers for One {
            fn text(&self, path: &str) -> Option<String> {
                (path == "a.txt").then(|| "unsaved\n".to_string())
            }
        }
        let (_d, ws) = ws();
        let ws = ws.with_buffers(Arc::new(One));
        assert_eq!(ws.read("a.txt").unwrap().as_deref(), Some("unsaved\n"));
    }
}
