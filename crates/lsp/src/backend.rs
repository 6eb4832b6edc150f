//! The handle every handler and run shares: the client, the open
//! documents and the typed state (`state.rs`), and the helpers that redraw
//! the review and check settings files. It holds no lock of its own: the
//! state's parts lock inside their methods, never across an await.

use super::documents::{OpenDocuments, file_path};
use super::groups::{Group, GroupId, TaskGroups};
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

    /// The conversation the next run goes on with.
    pub fn conversation(&self) -> &super::conversation::Conversation {
        self.state.conversation()
    }

    /// The tasks opened for review.
    pub fn task_groups(&self) -> &TaskGroups {
        self.state.task_groups()
    }

    /// Every proposal under review: the foreground run's first, then the
    /// tasks opened for review, in the order they were opened.
    pub fn groups(&self) -> Vec<Group> {
        let mut out = Vec::new();
        if let Some(ws) = self.workspace() {
            out.push(Group {
                id: GroupId::Run,
                title: "Runs in this editor".to_string(),
                ws,
            });
        }
        out.extend(self.task_groups().all());
        out
    }

    /// The proposal of `group`, if it is under review.
    pub fn group(&self, group: &GroupId) -> Option<Arc<Workspace>> {
        match group {
            GroupId::Run => self.workspace(),
            GroupId::Task(id) => self.task_groups().get(id),
        }
    }

    /// `group`'s proposal reviewed against the user's text now.
    pub fn reviews(&self, group: &GroupId) -> Vec<FileReview> {
        self.group(group).map(|ws| ws.review()).unwrap_or_default()
    }

    /// Every proposal's review, by group.
    pub fn all_reviews(&self) -> Vec<(GroupId, FileReview)> {
        self.groups()
            .into_iter()
            .flat_map(|g| {
                let id = g.id;
                g.ws.review().into_iter().map(move |r| (id.clone(), r))
            })
            .collect()
    }

    /// The reviews of one document, one per proposal that changes it,
    /// without reviewing the rest (requests about a document are on the
    /// typing path).
    pub fn reviews_of(&self, uri: &Uri) -> Vec<(GroupId, FileReview)> {
        match self.relative(uri) {
            Some(path) => self.reviews_of_path(&path),
            None => Vec::new(),
        }
    }

    fn reviews_of_path(&self, path: &str) -> Vec<(GroupId, FileReview)> {
        self.groups()
            .into_iter()
            .filter_map(|g| Some((g.id, g.ws.review_one(path)?)))
            .collect()
    }

    /// The review of one document in `group`.
    pub fn review_of(&self, uri: &Uri, group: &GroupId) -> Option<FileReview> {
        let path = self.relative(uri)?;
        self.group(group)?.review_one(&path)
    }

    /// Whether `rel` is part of a proposal (its review must be redrawn
    /// when the user edits it).
    pub fn in_proposal(&self, rel: &str) -> bool {
        self.marks().is_published(rel) || self.groups().iter().any(|g| g.ws.has_change(rel))
    }

    /// Redraw the review: hunk diagnostics for every file of every
    /// proposal (and cleared ones for files that left them all), then ask
    /// the editor to refresh code lenses.
    pub async fn publish_review(&self) {
        let reviews = self.all_reviews();
        let (gone, counts) = self.marks().publish_all(&reviews);
        let (root, enc) = (self.root(), self.encoding());
        for path in gone {
            self.client
                .publish_diagnostics(uri_of(&root, &path), Vec::new(), None)
                .await;
        }
        let mut by_path: std::collections::BTreeMap<&str, Vec<_>> = Default::default();
        for (group, review) in &reviews {
            by_path
                .entry(review.path.as_str())
                .or_default()
                .extend(proposal::diagnostics(&root, group, review, &counts, enc));
        }
        for (path, diagnostics) in by_path {
            self.client
                .publish_diagnostics(uri_of(&root, path), diagnostics, None)
                .await;
        }
        self.refresh_lenses().await;
    }

    /// Redraw the review of one file the user is editing: the other files'
    /// reviews cannot have changed, and a proposal may hold many large
    /// files, so a keystroke re-diffs this one only.
    pub async fn publish_review_of(&self, rel: &str) {
        let reviews = self.reviews_of_path(rel);
        let counts = self.marks().publish_one(rel, &reviews);
        let (root, enc) = (self.root(), self.encoding());
        let diagnostics = reviews
            .iter()
            .flat_map(|(g, r)| proposal::diagnostics(&root, g, r, &counts, enc))
            .collect();
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
