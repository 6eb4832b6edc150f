//! Tools the end-to-end tests install on first use, under `target/`: pip
//! packages (`pip install --target`), Debian packages when running as root.
//! Each install happens once, under a lock, into a staging folder renamed
//! into place when complete, so concurrent test processes and an install
//! killed half-way never leave a half-installed tool behind.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `target/` (or `CARGO_TARGET_DIR`): above `<profile>/deps/<test binary>`,
/// or `<profile>/<binary>` for this crate's programs (`task-quality`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let mut dir = exe.parent().expect("the binary's folder");
    if dir.ends_with("deps") {
        dir = dir.parent().expect("target/<profile> above deps");
    }
    dir.parent().expect("target/ above <profile>").to_path_buf()
}

/// An exclusive lock on a file, held until dropped (`flock`), so concurrent
/// test runs install each tool once.
pub struct Lock(File);

impl Lock {
    pub fn take(path: &Path) -> Lock {
        let file = File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        use std::os::fd::AsRawFd;
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        assert_eq!(rc, 0, "flock {}", path.display());
        Lock(file)
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// `apt-get install` of one Debian package, when running as root (CI);
/// elsewhere nothing, and the caller's check says what is missing.
pub fn apt_install(package: &str) {
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let _ = apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", package]);
}

/// Why a pip install failed: pip's own words.
#[derive(Debug)]
pub struct PipFailed(pub String);

/// `pip install --target` of `specs` (with pip's `extra` flags) into
/// `target/<group>/<name>`, once. `done` tells whether a folder holds a
/// complete install. Returns the folder, or pip's error (no network, no
/// such package) for the caller to report or skip on.
pub fn pip_install(
    group: &str,
    name: &str,
    specs: &[&str],
    extra: &[&str],
    done: impl Fn(&Path) -> bool,
) -> Result<PathBuf, PipFailed> {
    let tools = target_dir().join(group);
    std::fs::create_dir_all(&tools).unwrap();
    let dir = tools.join(name);
    if done(&dir) {
        return Ok(dir);
    }
    let _lock = Lock::take(&tools.join(".lock"));
    if done(&dir) {
        return Ok(dir);
    }
    let pip_ok = || {
        Command::new("python3")
            .args(["-m", "pip", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !pip_ok() {
        apt_install("python3-pip");
    }
    assert!(
        pip_ok(),
        "installing {specs:?} needs python3 with pip (Debian: apt-get install python3-pip)"
    );
    let staging = tools.join(format!(".{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let install = |more: &[&str]| {
        Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--no-input"])
            .args(["--disable-pip-version-check", "--no-warn-script-location"])
            .args(extra)
            .args(more)
            .arg("--target")
            .arg(&staging)
            .args(specs)
            .env("PIP_ROOT_USER_ACTION", "ignore")
            .stdin(Stdio::null())
            .output()
            .expect("run python3 -m pip")
    };
    let mut out = install(&[]);
    if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("externally-managed")
    {
        // Debian's pip guards the system Python even for --target installs.
        out = install(&["--break-system-packages"]);
    }
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(PipFailed(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&staging, &dir).unwrap();
    assert!(
        done(&dir),
        "{specs:?} installed, but not as expected in {}",
        dir.display()
    );
    Ok(dir)
}
