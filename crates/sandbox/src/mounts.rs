//! The file system a sandboxed command sees, built in its own mount
//! namespace and then made its root with `pivot_root`: the host's tree,
//! read-only and without setuid, with
//!
//! - the task's overlay mounted over the workspace (writes land in the
//!   task's upper layer, the user's files stay as they are),
//! - the task's scratch folder as `/tmp`, and empty `/run` and `/dev/shm`,
//!   so no host Unix socket can be reached by path,
//! - a `/dev` of a few harmless devices (the host's would let a command
//!   that runs as root write to its disks),
//! - a `/proc` of the sandbox's own PID namespace,
//! - the credential places of `credentials` replaced by empty ones.
//!
//! The mounts are made in the outer user namespace; `lockdown` then moves
//! the command into a nested one, where the kernel locks them: they can no
//! longer be unmounted or made writable, even with a new namespace.

use super::namespaces::Spec;
use std::ffi::CString;
use std::io;
use std::path::{Path, PathBuf};

/// Devices a build or a test may open.
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];

/// Enter a new mount namespace whose root is the sandbox's view.
pub fn enter_new_root(spec: &Spec) -> io::Result<()> {
    // SAFETY: unshare on our own process.
    check(
        unsafe { libc::unshare(libc::CLONE_NEWNS) },
        "unshare mounts",
    )?;
    mount(
        None,
        Path::new("/"),
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
    )?;
    let r = &spec.new_root;
    bind(Path::new("/"), r, libc::MS_REC)?;

    private_dev(&r.join("dev"))?;
    fresh_proc(&r.join("proc"))?;
    for run in ["/run", "/var/run"] {
        // `/var/run` is usually a link to `/run`.
        if std::fs::symlink_metadata(run).is_ok_and(|m| m.is_dir()) {
            tmpfs(&under(r, Path::new(run)), "mode=0755")?;
        }
    }
    bind(&spec.tmp, &r.join("tmp"), 0)?;

    let workspace = under(r, &spec.root);
    // The workspace may sit under /tmp, now the empty scratch folder.
    std::fs::create_dir_all(&workspace)?;
    let mut lowers: Vec<String> = spec.lower.iter().map(|l| l.display().to_string()).collect();
    lowers.push(spec.root.display().to_string());
    let options = format!(
        // userxattr: overlay metadata in user.* xattrs, which a user
        // namespace may write (trusted.* needs the real root).
        "lowerdir={},upperdir={},workdir={},userxattr",
        lowers.join(":"),
        spec.upper.display(),
        spec.work.display()
    );
    mount(
        Some("overlay"),
        &workspace,
        Some("overlay"),
        libc::MS_NOSUID | libc::MS_NODEV,
        Some(&options),
    )?;
    for rel in &spec.delete {
        match std::fs::remove_file(workspace.join(rel)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    for path in &spec.hide {
        hide(r, path)?;
    }
    for file in &spec.reveal {
        reveal(r, file)?;
    }

    let writable = [
        workspace,
        r.join("tmp"),
        r.join("dev/shm"),
        r.join("proc"),
        under(r, Path::new("/run")),
        under(r, Path::new("/var/run")),
    ];
    read_only_except(r, &writable)?;
    pivot(r)
}

/// `path` (absolute) as seen below the new root.
fn under(r: &Path, path: &Path) -> PathBuf {
    r.join(path.strip_prefix("/").unwrap_or(path))
}

fn private_dev(dev: &Path) -> io::Result<()> {
    // The host's devtmpfs is covered: mounts inherited from the host's
    // namespace are locked and cannot be detached (umount gives EINVAL),
    // and the cover is locked in turn by `lockdown`'s nested namespace.
    tmpfs(dev, "mode=0755")?;
    for name in DEVICES {
        let node = dev.join(name);
        std::fs::File::create(&node)?;
        bind(&Path::new("/dev").join(name), &node, 0)?;
    }
    for (link, to) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("ptmx", "pts/ptmx"),
    ] {
        std::os::unix::fs::symlink(to, dev.join(link))?;
    }
    std::fs::create_dir(dev.join("shm"))?;
    tmpfs(&dev.join("shm"), "mode=1777")?;
    std::fs::create_dir(dev.join("pts"))?;
    // Terminals of its own, if the kernel lets a user namespace have them.
    let _ = mount(
        Some("devpts"),
        &dev.join("pts"),
        Some("devpts"),
        libc::MS_NOSUID | libc::MS_NOEXEC,
        Some("newinstance,ptmxmode=0666,mode=0620"),
    );
    Ok(())
}

/// A /proc of the new PID namespace (this process is its PID 1) over the
/// host's, which stays below it, locked like /dev's (see `private_dev`).
fn fresh_proc(proc_: &Path) -> io::Result<()> {
    mount(
        Some("proc"),
        proc_,
        Some("proc"),
        libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
        None,
    )
}

fn tmpfs(target: &Path, options: &str) -> io::Result<()> {
    mount(
        Some("tmpfs"),
        target,
        Some("tmpfs"),
        libc::MS_NOSUID | libc::MS_NODEV,
        Some(options),
    )
}

fn bind(source: &Path, target: &Path, extra: libc::c_ulong) -> io::Result<()> {
    let source = source
        .to_str()
        .ok_or_else(|| io::Error::other("a non-UTF-8 path"))?;
    mount(Some(source), target, None, libc::MS_BIND | extra, None)
}

/// Replace a credential folder by an empty one and a file by an empty one.
/// Links are followed on the host, where they point. The read-only pass
/// makes both read-only.
fn hide(r: &Path, path: &Path) -> io::Result<()> {
    let Ok(real) = std::fs::canonicalize(path) else {
        return Ok(()); // nothing there
    };
    let target = under(r, &real);
    if !target.exists() {
        return Ok(()); // under a folder the sandbox replaced (/tmp, /run)
    }
    if real.is_dir() {
        tmpfs(&target, "mode=0755,size=64k")
    } else {
        bind(Path::new("/dev/null"), &target, 0)
    }
}

/// Bind the host's `file` back where the sandbox covered it (a hidden
/// folder, /tmp). A path missing below `r` can only lie under a cover of
/// ours (the rest is the host's tree), so what is made here is made there.
fn reveal(r: &Path, file: &Path) -> io::Result<()> {
    let Ok(real) = std::fs::canonicalize(file) else {
        return Ok(()); // not written yet
    };
    let inside = under(r, &real);
    if !real.is_file() || inside.exists() {
        return Ok(());
    }
    if let Some(parent) = inside.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::File::create(&inside)?;
    bind(&real, &inside, 0)
}

/// Remount every mount below `r` read-only and nosuid, except `keep` (and
/// what lies below them); nodev too, except for the devices in /dev. The
/// flags a mount already has must be repeated or the kernel refuses.
fn read_only_except(r: &Path, keep: &[PathBuf]) -> io::Result<()> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")?;
    let dev = r.join("dev");
    for line in info.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        if fields.len() < 6 {
            continue;
        }
        let point = PathBuf::from(unescape(fields[4]));
        if !point.starts_with(r) || keep.iter().any(|k| point.starts_with(k)) {
            continue;
        }
        let mut flags = libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | libc::MS_NOSUID;
        if !point.starts_with(&dev) {
            flags |= libc::MS_NODEV;
        }
        for opt in fields[5].split(',') {
            flags |= match opt {
                "nodev" => libc::MS_NODEV,
                "noexec" => libc::MS_NOEXEC,
                "noatime" => libc::MS_NOATIME,
                "nodiratime" => libc::MS_NODIRATIME,
                "relatime" => libc::MS_RELATIME,
                _ => 0,
            };
        }
        let result = mount(None, &point, None, flags, None);
        if result.is_err() && point == r {
            return result;
        }
        // Other mounts (kernel pseudo-filesystems, mounts we cannot see
        // into) may refuse; the root being read-only is what matters, and
        // the command has no capability to write through the rest.
    }
    Ok(())
}

/// Make `r` the root; the old root is detached, so nothing of the host's
/// tree is reachable but what was mounted below `r`.
fn pivot(r: &Path) -> io::Result<()> {
    std::env::set_current_dir(r)?;
    let dot = c".";
    // SAFETY: valid C strings; pivot_root(".", ".") stacks the old root on
    // the new one, and the detach then removes it.
    check(
        unsafe { libc::syscall(libc::SYS_pivot_root, dot.as_ptr(), dot.as_ptr()) as libc::c_int },
        "pivot_root",
    )?;
    check(
        unsafe { libc::umount2(dot.as_ptr(), libc::MNT_DETACH) },
        "detach the old root",
    )?;
    std::env::set_current_dir("/")
}

pub fn check(r: libc::c_int, what: &str) -> io::Result<()> {
    if r == 0 {
        Ok(())
    } else {
        let e = io::Error::last_os_error();
        Err(io::Error::new(e.kind(), format!("{what}: {e}")))
    }
}

fn c(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path with a NUL byte"))
}

fn mount(
    src: Option<&str>,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> io::Result<()> {
    let cstr = |s: &str| {
        CString::new(s)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in a mount"))
    };
    let src = src.map(cstr).transpose()?;
    let fstype = fstype.map(cstr).transpose()?;
    let data = data.map(cstr).transpose()?;
    let target_c = c(target)?;
    // SAFETY: every pointer is a valid NUL-terminated string or null.
    let r = unsafe {
        libc::mount(
            src.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            target_c.as_ptr(),
            fstype.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            flags,
            data.as_ref()
                .map_or(std::ptr::null(), |s| s.as_ptr().cast()),
        )
    };
    check(r, &format!("mount {}", target.display()))
}

/// mountinfo escapes spaces and the like as `\040`.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 4], 8)
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_escapes_are_decoded() {
        assert_eq!(unescape("/a\\040b"), "/a b");
        assert_eq!(unescape("/plain"), "/plain");
    }

    #[test]
    fn paths_are_placed_below_the_new_root() {
        let r = Path::new("/state/task/root");
        assert_eq!(
            under(r, Path::new("/tmp/ws")),
            PathBuf::from("/state/task/root/tmp/ws")
        );
    }
}
