//! Tandem's own settings, layered: built-in defaults < user
//! (`~/.config/tandem/config.toml`) < project (`.tandem/config.toml`) <
//! command-line flags. Each file is checked on its own first so an error
//! names the file, line and column; the layers are then merged table by table.
//!
//! This crate is where every file a session is configured from is read:
//! these layers, Claude Code's settings files (`claude`), `.mcp.json`, and
//! the folder's trust (`trust`); `setup::load` turns them into the core's
//! plain `session::Setup`. The core itself reads none of them.

pub mod claude;
mod claude_keys;
pub mod codex;
mod load;
pub mod mcp_files;
pub mod setup;
pub mod sources;
pub mod trust;

pub use load::{
    ConfigError, Layer, check_file, load_settings, merge, project_config_path, read_layer,
    user_config_path,
};
// The shape of the settings is the core's; this crate reads the files.
pub use tandem_core::settings::{AgentSettings, PermissionSettings, Settings, TaskSettings};
