//! Where commands run. Each task gets its own view of the workspace: the
//! agent's file tools and its shell commands see the same files (the
//! proposal, and the user's unsaved buffers), every write a command makes
//! lands in the task's own layer and comes back as part of the proposal,
//! and the user's files are never touched.
//!
//! Backends: `overlay` (Linux namespaces: overlayfs, read-only system, no
//! network, a private PID space, private /tmp and /run, credentials hidden,
//! and a lockdown the command cannot undo: see `lockdown`), `copy` (a `git worktree` plus the dirty
//! files, where namespaces are unavailable: same files contract, no network
//! isolation) and `local` (commands run in the workspace itself: the
//! pair-programming end, with approvals).

pub mod copy;
pub mod credentials;
pub mod env;
pub mod layers;
pub mod lockdown;
pub mod mounts;
pub mod namespaces;
pub mod overlay;
pub mod pids;
pub mod ports;
pub mod view;

use serde::Deserialize;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_changes::workspace::Workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    #[default]
    Auto,
    Overlay,
    Copy,
    Local,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxSettings {
    #[serde(default)]
    pub backend: BackendChoice,
    /// Let commands reach the network (the host's loopback included).
    #[serde(default)]
    pub network: bool,
    /// Environment variables passed through even though they look secret.
    #[serde(default)]
    pub allow_env: Vec<String>,
    /// More variable names to strip, besides the built-in patterns.
    #[serde(default)]
    pub secret_env: Vec<String>,
    /// `filter` (everything but secrets) or `allowlist` (ordinary
    /// variables and `allow_env` only).
    #[serde(default)]
    pub env: env::EnvMode,
    /// More paths hidden from commands, besides the usual credential
    /// places (`~/` is the home).
    #[serde(default)]
    pub deny_read: Vec<String>,
    /// Credential places that commands may read after all.
    #[serde(default)]
    pub allow_read: Vec<String>,
    /// Processes and threads a command may have at once (overlay; default
    /// `DEFAULT_MAX_PROCESSES`).
    pub max_processes: Option<u64>,
    /// Ports on the host's loopback that commands may reach even without
    /// network (a local database); overlay backend.
    #[serde(default)]
    pub loopback_ports: Vec<u16>,
}

/// Enough for a parallel build (threads count too), few enough that a fork
/// bomb stops there.
pub const DEFAULT_MAX_PROCESSES: u64 = 1024;

/// How one command is to be started, prepared by a sandbox.
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Launch {
    /// `shell -c script` in `cwd`.
    pub fn shell(shell: &str, script: &str, cwd: PathBuf, env: &[(String, String)]) -> Launch {
        Launch {
            program: shell.into(),
            args: vec!["-c".into(), script.into()],
            cwd,
            env: env.to_vec(),
        }
    }
}

pub trait Sandbox: Send + Sync {
    /// Which backend this is, for the user ("overlay", "copy", "local").
    fn name(&self) -> &'static str;
    /// A line for the user on what it isolates.
    fn describe(&self) -> String;
    /// Bring the view up to date with the proposal and open buffers, and
    /// say how to start `script` in workspace-relative `workdir`.
    fn prepare(
        &self,
        ws: &Workspace,
        shell: &str,
        script: &str,
        workdir: &str,
    ) -> io::Result<Launch>;
    /// Fold what the command changed into the proposal; returns changed paths.
    fn collect(&self, ws: &Workspace) -> io::Result<Vec<String>>;
    /// Let commands read `path` although it lies in a hidden place (a
    /// task's own transcript, which its hooks read, in Tandem's state).
    fn reveal(&self, _path: &Path) {}
    /// Say how to start a task's set-up `script`: with the network, on the
    /// workspace as it is on disk (no proposal), its writes landing in the
    /// fresh folder `layer` (see `layers`) rather than in the task's view.
    fn prepare_setup(&self, _shell: &str, _script: &str, _layer: &Path) -> io::Result<Launch> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "the {} sandbox cannot keep a set-up layer (task set-up needs the overlay)",
                self.name()
            ),
        ))
    }
    /// Show a set-up layer's files (read-only, below the task's own writes,
    /// above the workspace) to every later command.
    fn stack(&self, _layer: &Path) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("the {} sandbox cannot stack a layer", self.name()),
        ))
    }
}

/// The environment for commands: the server's, without secrets.
pub fn command_env(settings: &SandboxSettings) -> Vec<(String, String)> {
    env::strip(
        std::env::vars(),
        settings.env,
        &settings.secret_env,
        &settings.allow_env,
    )
}

/// Commands run directly in the workspace (no isolation).
pub struct Local {
    root: PathBuf,
    env: Vec<(String, String)>,
}

impl Sandbox for Local {
    fn name(&self) -> &'static str {
        "local"
    }

    fn describe(&self) -> String {
        "local: commands run in the workspace itself, with your permissions".into()
    }

    fn prepare(
        &self,
        _: &Workspace,
        shell: &str,
        script: &str,
        workdir: &str,
    ) -> io::Result<Launch> {
        Ok(Launch::shell(
            shell,
            script,
            self.root.join(workdir),
            &self.env,
        ))
    }

    fn collect(&self, _: &Workspace) -> io::Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// Why a background task may not run here: with nobody to approve each
/// command, `auto` must not fall back to a copy that isolates nothing
/// unless the user chose `copy` by name.
pub fn refuse_unattended(settings: &SandboxSettings, helper: &Path) -> Result<(), String> {
    if settings.backend != BackendChoice::Auto {
        return Ok(());
    }
    match overlay::unavailable(helper) {
        None => Ok(()),
        Some(why) => Err(format!(
            "background tasks run commands only in the overlay sandbox, which this machine \
             cannot start ({why}); set sandbox.backend = \"copy\" to run them in a copy \
             without network or process isolation"
        )),
    }
}

/// The sandbox for a task in `root`, its layers kept under `task_dir`.
/// `helper` is the `tandem` binary (it runs the inside of the overlay).
pub fn create(
    settings: &SandboxSettings,
    root: &Path,
    task_dir: &Path,
    helper: &Path,
) -> io::Result<Arc<dyn Sandbox>> {
    let env = command_env(settings);
    match settings.backend {
        BackendChoice::Local => Ok(Arc::new(Local {
            root: root.to_path_buf(),
            env,
        })),
        BackendChoice::Overlay => Ok(Arc::new(overlay::Overlay::new(
            settings, root, task_dir, helper, env,
        )?)),
        BackendChoice::Copy => Ok(Arc::new(copy::Copy::new(root, task_dir, env)?)),
        BackendChoice::Auto => {
            if overlay::unavailable(helper).is_none() {
                Ok(Arc::new(overlay::Overlay::new(
                    settings, root, task_dir, helper, env,
                )?))
            } else {
                Ok(Arc::new(copy::Copy::new(root, task_dir, env)?))
            }
        }
    }
}

/// A fresh folder for a task's layers under the platform state directory.
pub fn task_dir(root: &Path) -> io::Result<PathBuf> {
    let base = dirs::state_dir()
        .or_else(dirs::cache_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("tandem")
        .join("sandboxes");
    std::fs::create_dir_all(&base)?;
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "root".into());
    let dir = tempfile::Builder::new()
        .prefix(&format!("{name}-"))
        .tempdir_in(&base)?;
    Ok(dir.keep())
}
