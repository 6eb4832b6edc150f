//! What a task's view of the workspace must hold, and folding what a command
//! changed in it back into the proposal. Shared by every backend.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::Path;
use tandem_changes::workspace::Workspace;

/// Files the view must show differently from disk: the proposal's text
/// (`Some`) or its deletions (`None`), then unsaved editor buffers.
pub fn desired(ws: &Workspace) -> Vec<(String, Option<String>)> {
    let changes = ws.changes();
    let mut out: Vec<(String, Option<String>)> = changes
        .files()
        .map(|(p, c)| (p.clone(), c.proposed.clone()))
        .collect();
    for path in ws.open_buffer_paths() {
        if changes.get(&path).is_some() {
            continue;
        }
        let on_disk = std::fs::read_to_string(ws.absolute(&path)).ok();
        if let Ok(Some(text)) = ws.base_text(&path)
            && on_disk.as_deref() != Some(text.as_str())
        {
            out.push((path, Some(text)));
        }
    }
    out
}

/// Build output and the like (anything `.gitignore`d, and `.git`) stays in
/// the task's layer where later commands see it, but is not proposed.
pub struct Ignored(Gitignore);

impl Ignored {
    pub fn new(root: &Path) -> Ignored {
        let mut b = GitignoreBuilder::new(root);
        let _ = b.add(root.join(".gitignore"));
        let _ = b.add_line(None, ".git/");
        Ignored(b.build().unwrap_or_else(|_| Gitignore::empty()))
    }

    pub fn matches(&self, rel: &str, is_dir: bool) -> bool {
        self.0.matched_path_or_any_parents(rel, is_dir).is_ignore()
    }
}

/// Record in the proposal that the view now has `content` at `rel` (`None`:
/// deleted). Returns whether the proposal changed. Binary files are not
/// proposed: a proposal is text the user reviews.
pub fn fold(ws: &Workspace, ignored: &Ignored, rel: &str, content: Option<Vec<u8>>) -> bool {
    if ignored.matches(rel, false) {
        return false;
    }
    match content {
        None => {
            if ws.exists(rel) {
                return ws.write(rel, None).is_ok();
            }
            false
        }
        Some(bytes) => {
            let Ok(text) = String::from_utf8(bytes) else {
                return false;
            };
            if ws.read(rel).ok().flatten().as_deref() == Some(text.as_str()) {
                return false;
            }
            ws.write(rel, Some(text)).is_ok()
        }
    }
}

/// Write `text` at `path` (creating folders) unless it already holds it, so
/// unchanged files keep their mtime and build tools do not redo work.
pub fn put(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if std::fs::read(path).ok().as_deref() != Some(text.as_bytes()) {
        std::fs::write(path, text)?;
    }
    Ok(())
}
