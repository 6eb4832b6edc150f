//! What a session is configured with, as plain values: everything the
//! outside (`tandem-config`) reads from the settings files, Claude Code's
//! files and the folder's trust. The core never reads those files itself;
//! every face hands it one of these.

use crate::agent::SaveRule;
use crate::hooks::Hooks;
use crate::mcp::{Problem, ServerSpec};
use crate::model::ModelTable;
use crate::policy::Rules;
use crate::settings::Settings;
use std::path::PathBuf;

#[derive(Clone)]
pub struct Setup {
    /// The workspace the settings are of.
    pub root: PathBuf,
    pub settings: Settings,
    pub table: ModelTable,
    /// Permission rules read from files other than Tandem's settings
    /// (Claude Code's settings files); the settings' own are parsed by the
    /// session builder, with a face's extra allow rules.
    pub file_rules: Rules,
    /// Every hook the session runs: the settings' and Claude's files'
    /// (the repository's only when its folder is trusted).
    pub hooks: Hooks,
    /// MCP servers to start (the repository's only when trusted), and the
    /// entries that cannot start.
    pub mcp_servers: Vec<ServerSpec>,
    pub mcp_problems: Vec<Problem>,
    /// What the folder's missing trust left out; reported at the start of
    /// every session so it is never silent.
    pub untrusted: Option<Untrusted>,
    /// Saves an "always allow" rule where the face's files keep them.
    pub save_rule: Option<SaveRule>,
    /// Folders outside the workspace the read tools may read (Claude
    /// Code's `permissions.additionalDirectories`).
    pub read_roots: Vec<PathBuf>,
    /// What the files held that this session will not act on (Claude Code
    /// settings without a meaning here, modes it lacks), shown at start.
    pub warnings: Vec<String>,
}

/// The repository's own commands, left out because `folder` is not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    pub folder: String,
    pub reason: String,
    pub commands: Vec<String>,
}

impl Setup {
    /// Settings with nothing read from files: defaults, no rules, no hooks,
    /// no MCP servers (tests, embedders).
    pub fn plain(root: PathBuf, settings: Settings) -> Result<Setup, String> {
        let table = ModelTable::with_overrides(&settings.models).map_err(|e| e.to_string())?;
        Ok(Setup {
            root,
            settings,
            table,
            file_rules: Rules::default(),
            hooks: Hooks::default(),
            mcp_servers: Vec::new(),
            mcp_problems: Vec::new(),
            untrusted: None,
            save_rule: None,
            read_roots: Vec::new(),
            warnings: Vec::new(),
        })
    }
}
