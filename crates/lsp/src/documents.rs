//! The documents the editor has open, as ropes kept in sync incrementally.
//! Open buffers are the truth: the agent reads these, unsaved edits included.

use super::position::{Encoding, to_char};
use ropey::Rope;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_core::sync::Mutex;
use tandem_core::workspace::OpenBuffers;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

pub struct Document {
    pub uri: Uri,
    pub rope: Rope,
    /// The version of the last change the server applied.
    pub version: i32,
}

/// Open documents by absolute file path (documents that are not files, like
/// unsaved "untitled" buffers, are not part of the workspace).
#[derive(Default)]
pub struct Documents {
    by_path: HashMap<PathBuf, Document>,
}

impl Documents {
    pub fn open(&mut self, uri: Uri, text: &str, version: i32) {
        if let Some(path) = file_path(&uri) {
            let rope = Rope::from_str(text);
            self.by_path.insert(path, Document { uri, rope, version });
        }
    }

    pub fn close(&mut self, uri: &Uri) {
        if let Some(path) = file_path(uri) {
            self.by_path.remove(&path);
        }
    }

    /// Apply an editor's changes in order. A change without a range replaces
    /// the whole text; ranges are in the negotiated encoding.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        enc: Encoding,
    ) -> bool {
        let Some(doc) = file_path(uri).and_then(|p| self.by_path.get_mut(&p)) else {
            return false;
        };
        for change in changes {
            match change.range {
                Some(range) => {
                    let start = to_char(&doc.rope, range.start, enc);
                    let end = to_char(&doc.rope, range.end, enc).max(start);
                    doc.rope.remove(start..end);
                    doc.rope.insert(start, &change.text);
                }
                None => doc.rope = Rope::from_str(&change.text),
            }
        }
        doc.version = version;
        true
    }

    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.by_path.get(path)
    }

    pub fn by_uri(&self, uri: &Uri) -> Option<&Document> {
        file_path(uri).and_then(|p| self.by_path.get(&p))
    }
}

pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

/// The open documents, shared by the handlers and the agent's workspace.
/// The lock is taken only inside these methods.
#[derive(Clone, Default)]
pub struct OpenDocuments(Arc<Mutex<Documents>>);

impl OpenDocuments {
    pub fn open(&self, uri: Uri, text: &str, version: i32) {
        self.0.lock().open(uri, text, version);
    }

    pub fn close(&self, uri: &Uri) {
        self.0.lock().close(uri);
    }

    /// See `Documents::change`.
    pub fn change(
        &self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        enc: Encoding,
    ) -> bool {
        self.0.lock().change(uri, version, changes, enc)
    }

    /// The text of the open document at `path`.
    pub fn text(&self, path: &Path) -> Option<String> {
        // Clone the rope (cheap, shared) so the lock is not held while copying.
        let rope = self.0.lock().get(path)?.rope.clone();
        Some(rope.to_string())
    }

    /// The text of the open document `uri`.
    pub fn text_of(&self, uri: &Uri) -> Option<String> {
        self.text(&file_path(uri)?)
    }

    pub fn is_open(&self, path: &Path) -> bool {
        self.0.lock().get(path).is_some()
    }

    /// The version of the open document `uri`.
    pub fn version_of(&self, uri: &Uri) -> Option<i32> {
        self.0.lock().by_uri(uri).map(|d| d.version)
    }

    /// Line `line` of the open document `uri`, with its line ending.
    pub fn line(&self, uri: &Uri, line: u32) -> Option<String> {
        let docs = self.0.lock();
        let doc = docs.by_uri(uri)?;
        let line = line as usize;
        (line < doc.rope.len_lines()).then(|| doc.rope.line(line).to_string())
    }

    /// Work on every open document at once (building an edit across files).
    pub fn with<R>(&self, f: impl FnOnce(&Documents) -> R) -> R {
        f(&self.0.lock())
    }

    /// The documents as the agent's workspace at `root` sees them.
    pub fn buffers(&self, root: PathBuf) -> SharedDocuments {
        SharedDocuments {
            docs: self.0.clone(),
            root,
        }
    }
}

/// The open documents as the agent's workspace sees them.
pub struct SharedDocuments {
    pub docs: Arc<Mutex<Documents>>,
    pub root: PathBuf,
}

impl OpenBuffers for SharedDocuments {
    fn text(&self, rel: &str) -> Option<String> {
        let path = self.root.join(rel);
        // Clone the rope (cheap, shared) so the lock is not held while copying.
        let rope = self.docs.lock().get(&path)?.rope.clone();
        Some(rope.to_string())
    }

    fn paths(&self) -> Vec<String> {
        let docs = self.docs.lock();
        docs.by_path
            .keys()
            .filter_map(|p| p.strip_prefix(&self.root).ok())
            .filter_map(|p| p.to_str().map(str::to_owned))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn uri() -> Uri {
        Uri::from_file_path("/w/a.txt").unwrap()
    }

    fn edit(l0: u32, c0: u32, l1: u32, c1: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l0, c0), Position::new(l1, c1))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn incremental_changes_apply_in_order_with_multibyte_text() {
        let mut docs = Documents::default();
        docs.open(uri(), "😀x\nsecond\n", 1);
        // After the emoji (2 UTF-16 units): replace "x" with "é", then join lines.
        docs.change(
            &uri(),
            2,
            vec![edit(0, 2, 0, 3, "é"), edit(0, 3, 1, 0, " ")],
            Encoding::Utf16,
        );
        let doc = docs.by_uri(&uri()).unwrap();
        assert_eq!(doc.rope.to_string(), "😀é second\n");
        assert_eq!(doc.version, 2);
    }

    #[test]
    fn utf8_offsets_are_bytes() {
        let mut docs = Documents::default();
        docs.open(uri(), "é😀x\n", 1);
        docs.change(&uri(), 2, vec![edit(0, 6, 0, 7, "y")], Encoding::Utf8);
        assert_eq!(docs.by_uri(&uri()).unwrap().rope.to_string(), "é😀y\n");
    }

    #[test]
    fn the_agent_reads_the_unsaved_text() {
        let docs = Arc::new(Mutex::new(Documents::default()));
        docs.lock().open(uri(), "unsaved\n", 1);
        let shared = SharedDocuments {
            docs,
            root: "/w".into(),
        };
        assert_eq!(shared.text("a.txt").as_deref(), Some("unsaved\n"));
        assert_eq!(shared.text("b.txt"), None);
    }
}
