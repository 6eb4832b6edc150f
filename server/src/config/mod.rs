//! Tandem's own settings, layered: built-in defaults < user
//! (`~/.config/tandem/config.toml`) < project (`.tandem/config.toml`) <
//! command-line flags. Each file is checked on its own first so an error
//! names the file, line and column; the layers are then merged table by table.

pub mod claude;
mod load;
mod settings;
pub mod sources;

pub use load::{
    ConfigError, Layer, check_file, load_settings, merge, project_config_path, read_layer,
    user_config_path,
};
pub use settings::{AgentSettings, PermissionSettings, Settings, TaskSettings};
