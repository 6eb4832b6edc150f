//! The server's state and the helpers every handler shares. Locks are
//! `tandem_core::sync::Mutex`es held only for short, synchronous work: never across
//! an await on the editor, the model or a tool.

use super::documents::{Documents, SharedDocuments, file_path};
use super::position::Encoding;
use super::proposal::{self, uri_of};
use super::runs::RunHandle;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_core::changes::FileReview;
use tandem_core::sync::Mutex;
use tandem_core::workspace::Workspace;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{MessageType, Uri};

/// What the client said it can do at `initialize`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientCaps {
    pub work_done_progress: bool,
    pub code_lens_refresh: bool,
    /// `tandem/event` notifications (`experimental.tandem.events`).
    pub events: bool,
    /// `tandem/approve` requests (`experimental.tandem.approvals`).
    pub approvals: bool,
}

#[derive(Default)]
pub struct State {
    pub root: PathBuf,
    pub encoding: Encoding,
    pub caps: ClientCaps,
    /// Settings from the editor (initialization options, configuration
    /// changes), in config-file shape.
    pub editor_settings: toml::Table,
    pub workspace: Option<Arc<Workspace>>,
    pub runs: BTreeMap<u64, RunHandle>,
    pub next_run: u64,
    /// Hunks accepted or rejected per file, for the `k of n hunks` lens.
    pub reviewed: HashMap<String, usize>,
    /// Files that have tandem diagnostics published (to clear them later),
    /// with their hunk counts (named in the other files' diagnostics).
    pub published: BTreeMap<String, usize>,
    /// Background tasks running in this process, by id.
    pub tasks: HashMap<String, tokio_util::sync::CancellationToken>,
    /// The last settings that loaded, used while a settings file is broken.
    pub last_good: Option<tandem_config::setup::Loaded>,
}

#[derive(Clone)]
pub struct Backend {
    pub client: Client,
    pub docs: Arc<Mutex<Documents>>,
    pub state: Arc<Mutex<State>>,
    /// Other language servers' diagnostics, for the `diagnostics` tool.
    pub problems: Arc<super::problems::EditorProblems>,
    /// The workspace's MCP servers, shared by its runs.
    pub mcp: Arc<super::mcp_pool::McpPool>,
}

impl Backend {
    pub fn new(client: Client) -> Self {
        Backend {
            client,
            docs: Arc::new(Mutex::new(Documents::default())),
            state: Arc::new(Mutex::new(State::default())),
            problems: Arc::default(),
            mcp: Arc::default(),
        }
    }

    /// Set up the workspace at `root` (at `initialize`).
    pub fn open_workspace(&self, root: &Path) -> std::io::Result<PathBuf> {
        let buffers = |root: PathBuf| SharedDocuments {
            docs: self.docs.clone(),
            root,
        };
        let ws = Workspace::new(root)?;
        let root = ws.root().to_path_buf();
        let ws = ws.with_buffers(Arc::new(buffers(root.clone())));
        let mut state = self.state.lock();
        state.root = root.clone();
        state.workspace = Some(Arc::new(ws));
        Ok(root)
    }

    pub fn workspace(&self) -> Option<Arc<Workspace>> {
        self.state.lock().workspace.clone()
    }

    pub fn root(&self) -> PathBuf {
        self.state.lock().root.clone()
    }

    pub fn encoding(&self) -> Encoding {
        self.state.lock().encoding
    }

    pub fn caps(&self) -> ClientCaps {
        self.state.lock().caps
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
        let state = self.state.lock();
        state.published.contains_key(rel)
            || state
                .workspace
                .as_ref()
                .is_some_and(|ws| ws.has_change(rel))
    }

    /// Redraw the review: hunk diagnostics for every file of the proposal
    /// (and cleared ones for files that left it), then ask the editor to
    /// refresh code lenses.
    pub async fn publish_review(&self) {
        let reviews = self.reviews();
        let (root, enc, gone, counts) = {
            let mut state = self.state.lock();
            let now: BTreeMap<String, usize> = reviews
                .iter()
                .map(|r| (r.path.clone(), r.hunks.len()))
                .collect();
            let gone: Vec<String> = state
                .published
                .keys()
                .filter(|p| !now.contains_key(*p))
                .cloned()
                .collect();
            state.published = now.clone();
            (state.root.clone(), state.encoding, gone, now)
        };
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
        let (root, enc, counts) = {
            let mut state = self.state.lock();
            match &review {
                Some(r) => state.published.insert(rel.to_string(), r.hunks.len()),
                None => state.published.remove(rel),
            };
            (state.root.clone(), state.encoding, state.published.clone())
        };
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
        let open = self.docs.lock().get(&path).map(|d| d.rope.to_string());
        let text = open.or_else(|| std::fs::read_to_string(&path).ok());
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
