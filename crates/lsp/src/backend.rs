//! The handle every handler and run shares: the client, the open
//! documents and the typed state (`state.rs`), and the helpers that redraw
//! the review and check settings files. It holds no lock of its own: the
//! state's parts lock inside their methods, never across an await.

use super::documents::{OpenDocuments, file_path};
use super::position::Encoding;
use super::proposal::{self, uri_of};
use super::review_marks::ReviewMarks;
use super::run_registry::Runs;
use super::settings_state::Settings;
use super::state::{State, TaskTokens};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_core::changes::FileReview;
use tandem_core::workspace::Workspace;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{MessageType, Uri};

pub use super::state::ClientCaps;

#[derive(Clone)]
pub struct Backend {
    pub client: Client,
    pub docs: OpenDocuments,
    state: Arc<State>,
    /// Other language servers' diagnostics, for the `diagnostics` tool.
    pub problems: Arc<super::problems::EditorProblems>,
    /// The workspace's MCP servers, shared by its runs.
    pub mcp: Arc<super::mcp_pool::McpPool>,
}

impl Backend {
    pub fn new(client: Client) -> Self {
        Backend {
            client,
            docs: OpenDocuments::default(),
            state: Arc::default(),
            problems: Arc::default(),
            mcp: Arc::default(),
        }
    }

    /// Set up the workspace at `root` (at `initialize`).
    pub fn open_workspace(&self, root: &Path) -> std::io::Result<PathBuf> {
        let ws = Workspace::new(root)?;
        let root = ws.root().to_path_buf();
        let ws = ws.with_buffers(Arc::new(self.docs.buffers(root.clone())));
        self.state.folder().open(ws);
        Ok(root)
    }

    /// What the client negotiated at `initialize`.
    pub fn negotiated(&self, encoding: Encoding, caps: ClientCaps) {
        self.state.negotiated().set(encoding, caps);
    }

    pub fn workspace(&self) -> Option<Arc<Workspace>> {
        self.state.folder().workspace()
    }

    pub fn root(&self) -> PathBuf {
        self.state.folder().root()
    }

    pub fn encoding(&self) -> Encoding {
        self.state.negotiated().encoding()
    }

    pub fn caps(&self) -> ClientCaps {
        self.state.negotiated().caps()
    }

    pub fn settings(&self) -> &Settings {
        self.state.settings()
    }

    pub fn runs(&self) -> &Runs {
        self.state.runs()
    }

    pub fn marks(&self) -> &ReviewMarks {
        self.state.marks()
    }

    pub fn task_tokens(&self) -> &TaskTokens {
        self.state.tasks()
    }

    /// `tandem/debug/panic`: panic while holding a lock of the state.
    #[cfg(debug_assertions)]
    pub fn panic_while_locked(&self) -> ! {
        self.state.folder().panic_while_locked()
    }

    /// The workspace-relative path of a document URI inside the workspace.
    pub fn relative(&self, uri: &Uri) -> Option<String> {
        let path = file_path(uri)?;
        let ws = self.workspace()?;
        let rel = path.strip_prefix(ws.root()).ok()?;
        ws.relative(rel.to_str()?).ok()
    }

    /// The proposal reviewed against the user's text now.
    pub fn reviews(&self) -> Vec<FileReview> {
        self.workspace().map(|ws| ws.review()).unwrap_or_default()
    }

    /// The review of one document, without reviewing the rest of the
    /// proposal (requests about a document are on the typing path).
    pub fn review_of(&self, uri: &Uri) -> Option<FileReview> {
        let path = self.relative(uri)?;
        self.workspace()?.review_one(&path)
    }

    /// Whether `rel` is part of the proposal (its review must be redrawn
    /// when the user edits it).
    pub fn in_proposal(&self, rel: &str) -> bool {
        self.marks().is_published(rel) || self.workspace().is_some_and(|ws| ws.has_change(rel))
    }

    /// Redraw the review: hunk diagnostics for every file of the proposal
    /// (and cleared ones for files that left it), then ask the editor to
    /// refresh code lenses.
    pub async fn publish_review(&self) {
        let reviews = self.reviews();
        let (gone, counts) = self.marks().publish_all(&reviews);
        let (root, enc) = (self.root(), self.encoding());
        for path in gone {
            self.client
                .publish_diagnostics(uri_of(&root, &path), Vec::new(), None)
                .await;
        }
        for review in &reviews {
            let diagnostics = proposal::diagnostics(&root, review, &counts, enc);
            self.client
                .publish_diagnostics(uri_of(&root, &review.path), diagnostics, None)
                .await;
        }
        self.refresh_lenses().await;
    }

    /// Redraw the review of one file the user is editing: the other files'
    /// reviews cannot have changed, and a proposal may hold many large
    /// files, so a keystroke re-diffs this one only.
    pub async fn publish_review_of(&self, rel: &str) {
        let review = self.workspace().and_then(|ws| ws.review_one(rel));
        let counts = self
            .marks()
            .publish_one(rel, review.as_ref().map(|r| r.hunks.len()));
        let (root, enc) = (self.root(), self.encoding());
        let diagnostics = review
            .as_ref()
            .map(|r| proposal::diagnostics(&root, r, &counts, enc))
            .unwrap_or_default();
        self.client
            .publish_diagnostics(uri_of(&root, rel), diagnostics, None)
            .await;
        self.refresh_lenses().await;
    }

    async fn refresh_lenses(&self) {
        if self.caps().code_lens_refresh {
            // The client may not answer if it is shutting down; nothing to do.
            let _ = self.client.code_lens_refresh().await;
        }
    }

    /// If `uri` is a settings file, show its problems in it (or clear them).
    pub async fn check_settings_file(&self, uri: &Uri) {
        let Some(path) = file_path(uri) else { return };
        let root = self.root();
        if !super::config_check::files(&root).contains(&path) {
            return;
        }
        let text = self
            .docs
            .text(&path)
            .or_else(|| std::fs::read_to_string(&path).ok());
        let diagnostics = match text {
            Some(text) => super::config_check::check(&root, &path, &text, self.encoding()),
            None => Vec::new(),
        };
        self.client
            .publish_diagnostics(uri.clone(), diagnostics, None)
            .await;
    }

    /// Check every settings file of the workspace (at start).
    pub async fn check_settings_files(&self) {
        for path in super::config_check::files(&self.root()) {
            if path.exists()
                && let Some(uri) = Uri::from_file_path(&path)
            {
                self.check_settings_file(&uri).await;
            }
        }
    }

    pub async fn tell(&self, typ: MessageType, message: impl Into<String>) {
        self.client.show_message(typ, message.into()).await;
    }
}
