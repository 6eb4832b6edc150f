//! The terminal face: `tandem exec` and its output.

// First, so that `out!` and `outln!` are in scope in the modules below.
#[macro_use]
pub mod out;

mod apply;
pub mod approvals;
pub mod config;
pub mod exec;
pub mod human;
pub mod mcp;
mod overrides;
mod remote;
pub mod report;
pub mod sessions;
pub mod task;
pub mod trust;
pub mod worker;

/// The folder a command works in: `--cd`, else the current one.
fn workdir(cd: &Option<std::path::PathBuf>) -> Result<std::path::PathBuf, String> {
    match cd {
        Some(dir) => Ok(dir.clone()),
        None => std::env::current_dir().map_err(|e| e.to_string()),
    }
}
