//! A task's environment: the set-up command (`[tasks] setup`, or the
//! repository's `.tandem/setup.sh` when its folder is trusted: chosen in
//! `tandem-config`) runs in the task's sandbox with the network, before
//! the agent starts, on the workspace as it is on disk. What it writes
//! there (a virtualenv, `node_modules`, vendored packages) is kept as a
//! read-only layer (`sandbox::layers`) keyed by the set-up's text and the
//! repository's lockfiles; a later task with the same key stacks that layer
//! and skips the set-up. The agent's own commands then run without network,
//! as always.
//!
//! Only writes inside the workspace are kept: the rest of the machine is
//! read-only in the sandbox and its `/tmp` is the set-up's own, so a set-up
//! installs into the repository (`python -m venv .venv`, `npm ci`,
//! `pip install --target vendor`).

use crate::sandbox::Sandbox;
use crate::sandbox::layers::Layers;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The repository's own set-up script, run when no setting names one.
pub const SETUP_SCRIPT: &str = ".tandem/setup.sh";

/// Files whose contents decide what a set-up installs: a change to any of
/// them makes a new layer. Looked for in the workspace and the folders
/// below it (what `.gitignore` leaves, `MAX_DEPTH` deep), plus
/// `requirements*.txt` anywhere there and `SETUP_SCRIPT` itself.
pub const LOCKFILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "pdm.lock",
    "go.sum",
    "Gemfile.lock",
    "composer.lock",
    "mix.lock",
    "flake.lock",
    "packages.lock.json",
];
const MAX_DEPTH: usize = 3;

/// Layers kept per repository, the most recently used; a layer used in the
/// last `GRACE` stays whatever the count (a running task may be on it).
pub const KEEP_LAYERS: usize = 3;
pub const GRACE: Duration = Duration::from_secs(24 * 3600);

/// How long a set-up may take before it is killed and the task fails.
pub const TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// Bytes of the set-up's output kept in the task's record.
const OUTPUT_LIMIT: usize = 16 * 1024;

/// What a task's set-up did, kept in its `meta.json` (`tandem task show`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetupRecord {
    pub command: String,
    /// The layer's key (the set-up and the lockfiles' hash).
    pub key: String,
    /// The layer of an earlier task was stacked: nothing ran.
    pub reused: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Killed at `TIMEOUT`.
    #[serde(default)]
    pub timed_out: bool,
    /// Its combined stdout and stderr, cut in the middle when long.
    #[serde(default)]
    pub output: String,
    pub seconds: f64,
}

impl SetupRecord {
    /// Why the task cannot go on, when the set-up failed.
    pub fn failure(&self) -> Option<String> {
        if self.reused || self.exit_code == Some(0) {
            return None;
        }
        let how = if self.timed_out {
            format!("timed out after {} s", TIMEOUT.as_secs())
        } else {
            match self.exit_code {
                Some(code) => format!("exit code {code}"),
                None => "killed".to_string(),
            }
        };
        let last = self
            .output
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("(no output)");
        Some(format!(
            "the environment set-up `{}` failed ({how}): {}",
            self.command,
            last.trim()
        ))
    }

    /// One line for the terminal.
    pub fn line(&self) -> String {
        let key = &self.key[..self.key.len().min(12)];
        if self.reused {
            format!(
                "setup: reused the environment layer {key} of an earlier task (`{}` not run)",
                self.command
            )
        } else {
            let end = match (self.timed_out, self.exit_code) {
                (true, _) => "timed out".to_string(),
                (false, Some(code)) => format!("exit code {code}"),
                (false, None) => "killed".to_string(),
            };
            format!(
                "setup: ran `{}` ({end}, {:.1} s), layer {key}",
                self.command, self.seconds
            )
        }
    }
}

/// The set-up command of these settings, if any (`""` turns it off).
pub fn command(settings: &crate::settings::Settings) -> Option<String> {
    settings
        .tasks
        .setup
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

/// The command that runs the repository's own script.
pub fn script_command() -> String {
    format!("sh {SETUP_SCRIPT}")
}

/// A short hash of the repository's own set-up script, when it has one:
/// part of the folder's trust fingerprint, so a changed script asks again.
pub fn script_fingerprint(root: &Path) -> Option<String> {
    let bytes = std::fs::read(root.join(SETUP_SCRIPT)).ok()?;
    Some(hex(&Sha256::digest(&bytes), 8))
}

fn hex(bytes: &[u8], n: usize) -> String {
    bytes.iter().take(n).map(|b| format!("{b:02x}")).collect()
}

/// The layer key of `command` in the workspace `root`: its text and the
/// contents of every lockfile present, so that anything that would change
/// what the set-up installs makes a new layer.
pub fn key(root: &Path, command: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"tandem-setup-layer-1\0");
    hash.update(command.as_bytes());
    for rel in lockfiles(root) {
        let Ok(bytes) = std::fs::read(root.join(&rel)) else {
            continue;
        };
        hash.update([0]);
        hash.update(rel.as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    hex(&hash.finalize(), 16)
}

/// Workspace-relative paths of the lockfiles present, sorted.
pub fn lockfiles(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if root.join(SETUP_SCRIPT).is_file() {
        found.push(SETUP_SCRIPT.to_string());
    }
    let walk = ignore::WalkBuilder::new(root)
        .max_depth(Some(MAX_DEPTH))
        .require_git(false)
        .build();
    for entry in walk.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let is_lock = LOCKFILES.contains(&name.as_ref())
            || (name.starts_with("requirements") && name.ends_with(".txt"));
        if is_lock
            && let Ok(rel) = entry.path().strip_prefix(root)
            && let Some(rel) = rel.to_str()
        {
            found.push(rel.to_string());
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Give the task's sandbox its environment: stack the layer of an earlier
/// task with the same key, or run `command` and keep what it wrote as that
/// layer. A failed set-up keeps nothing; its record says why
/// (`SetupRecord::failure`). `Err` when the set-up could not start at all.
pub async fn prepare(
    sandbox: &dyn Sandbox,
    layers: &Layers,
    root: &Path,
    command: &str,
    cancel: &CancellationToken,
) -> Result<SetupRecord, String> {
    let started = Instant::now();
    let key = key(root, command);
    let record = |reused, exit_code, timed_out, output| SetupRecord {
        command: command.to_string(),
        key: key.clone(),
        reused,
        exit_code,
        timed_out,
        output,
        seconds: started.elapsed().as_secs_f64(),
    };
    let stack = |layer: &Path| {
        sandbox
            .stack(layer)
            .map_err(|e| format!("cannot use the environment layer: {e}"))
    };
    if let Some(layer) = layers.find(&key) {
        stack(&layer)?;
        layers.prune(KEEP_LAYERS, GRACE);
        return Ok(record(true, None, false, String::new()));
    }
    let build = layers
        .building()
        .map_err(|e| format!("cannot make a folder for the environment layer: {e}"))?;
    let launch = match sandbox.prepare_setup(crate::tools::shell::program(), command, &build) {
        Ok(l) => l,
        Err(e) => {
            layers.discard(&build);
            return Err(format!("the environment set-up cannot run: {e}"));
        }
    };
    let ran = run(&launch, cancel).await;
    let (code, timed_out, output) = match ran {
        Ok(r) => r,
        Err(e) => {
            layers.discard(&build);
            return Err(format!("cannot start the environment set-up: {e}"));
        }
    };
    let output = crate::tools::truncate::truncate_middle(&output, OUTPUT_LIMIT);
    let done = record(false, code, timed_out, output);
    if done.failure().is_some() {
        layers.discard(&build);
        return Ok(done);
    }
    let layer = layers
        .adopt(&key, &build)
        .map_err(|e| format!("cannot keep the environment layer: {e}"))?;
    stack(&layer)?;
    layers.prune(KEEP_LAYERS, GRACE);
    Ok(done)
}

/// Run the set-up to its end (or `TIMEOUT`, or a cancel), killing its
/// process group; returns its exit code, whether it timed out, its output.
async fn run(
    launch: &crate::sandbox::Launch,
    cancel: &CancellationToken,
) -> std::io::Result<(Option<i32>, bool, String)> {
    let (reader, writer) = std::io::pipe()?;
    let stderr = writer.try_clone()?;
    let mut command = tokio::process::Command::new(&launch.program);
    command
        .args(&launch.args)
        .current_dir(&launch.cwd)
        .env_clear()
        .envs(launch.env.iter().cloned())
        .env("TERM", "dumb")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(stderr)
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command.spawn()?;
    drop(command);
    let pgid = child.id().map(|p| p as i32);
    let collector = std::thread::spawn(move || tail(reader));
    let (code, timed_out) = tokio::select! {
        status = child.wait() => (status.ok().and_then(|s| s.code()), false),
        _ = tokio::time::sleep(TIMEOUT) => (None, true),
        _ = cancel.cancelled() => (None, false),
    };
    if let Some(pgid) = pgid {
        // SAFETY: kill(2) on the process group we created.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
    }
    let _ = child.wait().await;
    let output = tokio::task::spawn_blocking(move || collector.join().unwrap_or_default())
        .await
        .unwrap_or_default();
    Ok((code, timed_out, output))
}

/// The pipe read to its end, keeping the last part (where errors are).
fn tail(mut reader: std::io::PipeReader) -> String {
    const KEEP: usize = 256 * 1024;
    let mut kept: VecDeque<u8> = VecDeque::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        kept.extend(&buf[..n]);
        let over = kept.len().saturating_sub(KEEP);
        kept.drain(..over);
    }
    String::from_utf8_lossy(&Vec::from(kept)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn lockfiles_are_found_below_the_root_but_not_in_ignored_folders() {
        let r = repo(&[
            ("Cargo.lock", "a"),
            ("web/package-lock.json", "b"),
            ("requirements-dev.txt", "c"),
            ("src/main.rs", ""),
            (".gitignore", "node_modules/\n"),
            ("node_modules/dep/package-lock.json", "d"),
            (SETUP_SCRIPT, "pip install x"),
        ]);
        assert_eq!(
            lockfiles(r.path()),
            [
                ".tandem/setup.sh",
                "Cargo.lock",
                "requirements-dev.txt",
                "web/package-lock.json"
            ]
        );
    }

    #[test]
    fn the_key_changes_with_a_lockfile_or_the_command_and_nothing_else() {
        let r = repo(&[("requirements.txt", "dep==1\n"), ("src/app.py", "x = 1\n")]);
        let first = key(r.path(), "pip install -r requirements.txt");
        // Code that is not a lockfile does not change what is installed.
        std::fs::write(r.path().join("src/app.py"), "x = 2\n").unwrap();
        assert_eq!(key(r.path(), "pip install -r requirements.txt"), first);
        assert_ne!(key(r.path(), "pip install -r other.txt"), first);
        std::fs::write(r.path().join("requirements.txt"), "dep==2\n").unwrap();
        assert_ne!(key(r.path(), "pip install -r requirements.txt"), first);
    }

    #[test]
    fn a_failure_names_the_command_the_exit_code_and_the_last_line() {
        let mut record = SetupRecord {
            command: "make deps".into(),
            key: "0123456789abcdef".into(),
            reused: false,
            exit_code: Some(2),
            timed_out: false,
            output: "fetching\nerror: no such package\n\n".into(),
            seconds: 1.0,
        };
        assert_eq!(
            record.failure().unwrap(),
            "the environment set-up `make deps` failed (exit code 2): error: no such package"
        );
        record.exit_code = Some(0);
        assert_eq!(record.failure(), None);
    }
}
