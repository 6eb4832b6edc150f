//! The overlay backend: the workspace is the lower layer, the task's folder
//! the upper one. Starting costs nothing per file of the repository: only
//! the proposal and unsaved buffers are written into the upper layer, and a
//! command's changes are read back from it.

use super::namespaces::{SUBCOMMAND, Spec};
use super::view::{Ignored, desired, fold, put};
use super::{Launch, Sandbox, SandboxSettings};
use std::collections::HashSet;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tandem_changes::workspace::Workspace;
use tandem_sync::Mutex;

pub struct Overlay {
    root: PathBuf,
    upper: PathBuf,
    work: PathBuf,
    tmp: PathBuf,
    new_root: PathBuf,
    hide: Vec<PathBuf>,
    reveal: tandem_sync::Mutex<Vec<PathBuf>>,
    helper: PathBuf,
    network: bool,
    max_processes: u64,
    env: Vec<(String, String)>,
    ignored: Ignored,
    /// Paths the last `prepare` wrote into the upper layer.
    synced: Mutex<HashSet<String>>,
    loopback_ports: Vec<u16>,
    bridge: PathBuf,
    stop_bridges: Arc<AtomicBool>,
    /// Bounds the task's processes when Tandem runs as root.
    cgroup: Option<super::pids::TaskCgroup>,
    /// Read-only layers below the task's own (its set-up's), top first.
    lower: Mutex<Vec<PathBuf>>,
    /// Holds the namespaces every command joins (see `namespaces`), started
    /// with the first command; never reaped while in use, so its pid stays its.
    keeper: Mutex<Option<std::process::Child>>,
}

/// Why this machine cannot run the overlay sandbox, if it cannot (checked once).
pub fn unavailable(helper: &Path) -> Option<String> {
    static WHY: OnceLock<Option<String>> = OnceLock::new();
    WHY.get_or_init(|| {
        probe(helper)
            .err()
            .map(|e| e.to_string().trim().to_string())
    })
    .clone()
}

fn probe(helper: &Path) -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let sub = |n: &str| -> io::Result<PathBuf> {
        let p = dir.path().join(n);
        std::fs::create_dir_all(&p)?;
        Ok(p)
    };
    let spec = Spec {
        root: sub("lower")?,
        lower: Vec::new(),
        upper: sub("upper")?,
        work: sub("work")?,
        tmp: sub("tmp")?,
        new_root: sub("root")?,
        hide: Vec::new(),
        reveal: Vec::new(),
        delete: Vec::new(),
        network: false,
        cwd: dir.path().join("lower"),
        shell: "sh".into(),
        script: "echo ok > probe".into(),
        max_processes: super::DEFAULT_MAX_PROCESSES,
        cgroup: None,
        loopback_ports: Vec::new(),
        bridge: PathBuf::new(),
        join: None,
        keep: false,
    };
    let out = std::process::Command::new(helper)
        .arg(SUBCOMMAND)
        .arg(serde_json::to_string(&spec).unwrap())
        .output()?;
    if out.status.success() && dir.path().join("upper/probe").exists() {
        Ok(())
    } else {
        Err(io::Error::other(
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }
}

impl Overlay {
    pub fn new(
        settings: &SandboxSettings,
        root: &Path,
        task_dir: &Path,
        helper: &Path,
        env: Vec<(String, String)>,
    ) -> io::Result<Overlay> {
        let make = |n: &str| -> io::Result<PathBuf> {
            let p = task_dir.join(n);
            std::fs::create_dir_all(&p)?;
            Ok(p)
        };
        let bridge = make("bridge")?;
        let stop_bridges = Arc::new(AtomicBool::new(false));
        for port in &settings.loopback_ports {
            super::ports::serve_outside(&bridge, *port, stop_bridges.clone())?;
        }
        let max_processes = settings
            .max_processes
            .unwrap_or(super::DEFAULT_MAX_PROCESSES);
        let task_name = task_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Overlay {
            cgroup: super::pids::TaskCgroup::new(&task_name, max_processes),
            loopback_ports: settings.loopback_ports.clone(),
            bridge,
            stop_bridges,
            root: root.to_path_buf(),
            upper: make("upper")?,
            work: make("work")?,
            tmp: make("tmp")?,
            new_root: make("root")?,
            hide: super::credentials::hidden(
                dirs::home_dir().as_deref(),
                &super::credentials::tandem_folders(),
                &settings.deny_read,
                &settings.allow_read,
            ),
            reveal: tandem_sync::Mutex::new(Vec::new()),
            helper: helper.to_path_buf(),
            network: settings.network,
            max_processes,
            env,
            ignored: Ignored::new(root),
            synced: Mutex::new(HashSet::new()),
            lower: Mutex::new(Vec::new()),
            keeper: Mutex::new(None),
        })
    }

    /// The keeper's pid (starting it if it is not running); `None` with
    /// network, where commands share the host's namespace anyway.
    fn keeper(&self) -> io::Result<Option<u32>> {
        use std::io::BufRead;
        if self.network {
            return Ok(None);
        }
        let mut keeper = self.keeper.lock();
        if let Some(child) = keeper.as_mut() {
            if child.try_wait()?.is_none() {
                return Ok(Some(child.id()));
            }
            *keeper = None;
        }
        let spec = Spec {
            root: self.root.clone(),
            lower: Vec::new(),
            upper: self.upper.clone(),
            work: self.work.clone(),
            tmp: self.tmp.clone(),
            new_root: self.new_root.clone(),
            hide: Vec::new(),
            reveal: Vec::new(),
            delete: Vec::new(),
            network: false,
            cwd: self.root.clone(),
            shell: String::new(),
            script: String::new(),
            max_processes: self.max_processes,
            cgroup: None,
            loopback_ports: self.loopback_ports.clone(),
            bridge: self.bridge.clone(),
            join: None,
            keep: true,
        };
        let mut child = std::process::Command::new(&self.helper)
            .arg(SUBCOMMAND)
            .arg(serde_json::to_string(&spec).map_err(io::Error::other)?)
            .env_clear()
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            std::io::BufReader::new(out).read_line(&mut line)?;
        }
        if line.trim() != super::namespaces::READY {
            let _ = child.kill();
            let output = child.wait_with_output()?;
            return Err(io::Error::other(format!(
                "the sandbox's namespaces: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let pid = child.id();
        *keeper = Some(child);
        Ok(Some(pid))
    }

    /// Make the upper layer hold exactly what the view needs beyond disk.
    fn sync_in(&self, ws: &Workspace) -> io::Result<Vec<String>> {
        let wanted = desired(ws);
        let mut deletions = Vec::new();
        let mut now = HashSet::new();
        for (rel, text) in &wanted {
            let path = self.upper.join(rel);
            match text {
                Some(text) => {
                    // A whiteout left by an earlier deletion is replaced.
                    if is_whiteout(&path) {
                        std::fs::remove_file(&path)?;
                    }
                    put(&path, text)?;
                    now.insert(rel.clone());
                }
                None => deletions.push(rel.clone()),
            }
        }
        // What an earlier sync wrote and nothing wants any more (a rejected
        // hunk, a closed buffer) goes, so the lower layer shows through.
        let mut synced = self.synced.lock();
        for gone in synced.difference(&now) {
            let _ = std::fs::remove_file(self.upper.join(gone));
        }
        *synced = now;
        Ok(deletions)
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        self.stop_bridges.store(true, Ordering::Relaxed);
        if let Some(mut keeper) = self.keeper.lock().take() {
            let _ = keeper.kill();
            let _ = keeper.wait();
        }
        // overlayfs leaves a mode-000 folder in its work dir.
        let inner = self.work.join("work");
        if inner.exists() {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o700));
        }
        if let Some(task) = self.upper.parent() {
            let _ = std::fs::remove_dir_all(task);
        }
    }
}

fn is_whiteout(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device() && m.rdev() == 0)
}

fn is_opaque(dir: &Path) -> bool {
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    ["trusted.overlay.opaque", "user.overlay.opaque"]
        .iter()
        .any(|name| {
            let name = std::ffi::CString::new(*name).unwrap();
            let mut value = [0u8; 4];
            // SAFETY: valid C strings and a buffer of the given length.
            let n = unsafe {
                libc::lgetxattr(
                    c.as_ptr(),
                    name.as_ptr(),
                    value.as_mut_ptr().cast(),
                    value.len(),
                )
            };
            n == 1 && value[0] == b'y'
        })
}

impl Sandbox for Overlay {
    fn name(&self) -> &'static str {
        "overlay"
    }

    fn describe(&self) -> String {
        let ports: Vec<String> = self.loopback_ports.iter().map(u16::to_string).collect();
        let net = if self.network {
            "network allowed".to_string()
        } else if ports.is_empty() {
            "no network".to_string()
        } else {
            format!("no network but host loopback port(s) {}", ports.join(", "))
        };
        format!(
            "overlay: private copy-on-write view, read-only system, {net}, secrets and \
             credential files hidden, {}",
            super::lockdown::describe()
        )
    }

    fn prepare(
        &self,
        ws: &Workspace,
        shell: &str,
        script: &str,
        workdir: &str,
    ) -> io::Result<Launch> {
        let delete = self.sync_in(ws)?;
        let spec = Spec {
            root: self.root.clone(),
            lower: self.lower.lock().clone(),
            upper: self.upper.clone(),
            work: self.work.clone(),
            tmp: self.tmp.clone(),
            new_root: self.new_root.clone(),
            hide: self.hide.clone(),
            reveal: self.reveal.lock().clone(),
            delete,
            network: self.network,
            cwd: self.root.join(workdir),
            shell: shell.into(),
            script: script.into(),
            max_processes: self.max_processes,
            cgroup: self.cgroup.as_ref().map(|c| c.dir().to_path_buf()),
            loopback_ports: self.loopback_ports.clone(),
            bridge: self.bridge.clone(),
            join: self.keeper()?,
            keep: false,
        };
        Ok(Launch {
            program: self.helper.clone(),
            args: vec![
                SUBCOMMAND.into(),
                serde_json::to_string(&spec).map_err(io::Error::other)?,
            ],
            cwd: self.root.clone(),
            env: self.env.clone(),
        })
    }

    fn collect(&self, ws: &Workspace) -> io::Result<Vec<String>> {
        let mut changed = Vec::new();
        self.walk(ws, &self.upper, "", &mut changed)?;
        Ok(changed)
    }

    fn reveal(&self, path: &Path) {
        self.reveal.lock().push(path.to_path_buf());
    }

    fn prepare_setup(&self, shell: &str, script: &str, layer: &Path) -> io::Result<Launch> {
        let make = |n: &str| -> io::Result<PathBuf> {
            let p = layer.join(n);
            std::fs::create_dir_all(&p)?;
            Ok(p)
        };
        // The disk as it is (no proposal, no earlier layer), the host's
        // network, and the rest of the sandbox as for any command.
        let spec = Spec {
            root: self.root.clone(),
            lower: Vec::new(),
            upper: make(super::layers::UPPER)?,
            work: make("work")?,
            tmp: make("tmp")?,
            new_root: self.new_root.clone(),
            hide: self.hide.clone(),
            reveal: self.reveal.lock().clone(),
            delete: Vec::new(),
            network: true,
            cwd: self.root.clone(),
            shell: shell.into(),
            script: script.into(),
            max_processes: self.max_processes,
            cgroup: self.cgroup.as_ref().map(|c| c.dir().to_path_buf()),
            loopback_ports: Vec::new(),
            bridge: self.bridge.clone(),
            join: None,
            keep: false,
        };
        Ok(Launch {
            program: self.helper.clone(),
            args: vec![
                SUBCOMMAND.into(),
                serde_json::to_string(&spec).map_err(io::Error::other)?,
            ],
            cwd: self.root.clone(),
            env: self.env.clone(),
        })
    }

    fn stack(&self, layer: &Path) -> io::Result<()> {
        if !layer.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no layer at {}", layer.display()),
            ));
        }
        self.lower.lock().insert(0, layer.to_path_buf());
        Ok(())
    }
}

impl Overlay {
    fn walk(
        &self,
        ws: &Workspace,
        dir: &Path,
        rel: &str,
        changed: &mut Vec<String>,
    ) -> io::Result<()> {
        let mut present = HashSet::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            present.insert(name.clone());
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if !self.ignored.matches(&child, true) {
                    self.walk(ws, &entry.path(), &child, changed)?;
                }
            } else if kind.is_char_device() && is_whiteout(&entry.path()) {
                if fold(ws, &self.ignored, &child, None) {
                    changed.push(child);
                }
            } else if kind.is_file() {
                let bytes = std::fs::read(entry.path())?;
                if fold(ws, &self.ignored, &child, Some(bytes)) {
                    changed.push(child);
                }
            }
        }
        // An opaque directory hides everything below it in the workspace.
        if !rel.is_empty() && is_opaque(dir) {
            let lower = self.root.join(rel);
            if let Ok(entries) = std::fs::read_dir(&lower) {
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if !present.contains(&name) && entry.file_type().is_ok_and(|t| t.is_file()) {
                        let child = format!("{rel}/{name}");
                        if fold(ws, &self.ignored, &child, None) {
                            changed.push(child);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
