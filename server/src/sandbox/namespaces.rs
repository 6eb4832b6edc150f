//! The inside of the overlay sandbox: `tandem __sandbox-run SPEC` runs this
//! before anything else in `main` (creating a user namespace needs a
//! single-threaded process). It enters new user, mount, PID and (unless
//! network is allowed) network namespaces, mounts the task's overlay over
//! the workspace path, makes every other mount read-only, brings up a
//! private loopback, and runs the command as PID 1 of the new PID namespace,
//! so when it ends everything it started ends with it.

use serde::{Deserialize, Serialize};
use std::ffi::CString;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SUBCOMMAND: &str = "__sandbox-run";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    /// The workspace: the overlay's lower layer, mounted over itself.
    pub root: PathBuf,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// A writable scratch folder (TMPDIR) that survives the read-only pass.
    pub tmp: PathBuf,
    /// Workspace-relative paths the proposal deletes: removed in the view.
    pub delete: Vec<String>,
    pub network: bool,
    pub cwd: PathBuf,
    pub shell: String,
    pub script: String,
    pub max_processes: Option<u64>,
    /// Host loopback ports bridged in (see `ports`), through sockets in `bridge`.
    #[serde(default)]
    pub loopback_ports: Vec<u16>,
    #[serde(default)]
    pub bridge: PathBuf,
}

/// Run the spec; returns the process exit code.
pub fn main(spec_json: &str) -> i32 {
    let spec: Spec = match serde_json::from_str(spec_json) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tandem sandbox: bad spec: {e}");
            return 125;
        }
    };
    match enter(&spec).and_then(|()| run(&spec)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tandem sandbox: {e}");
            125
        }
    }
}

fn check(r: libc::c_int, what: &str) -> io::Result<()> {
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
    let src = src.map(|s| CString::new(s).unwrap());
    let fstype = fstype.map(|s| CString::new(s).unwrap());
    let data = data.map(|s| CString::new(s).unwrap());
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

fn enter(spec: &Spec) -> io::Result<()> {
    // SAFETY: plain syscalls on our own process.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let mut flags = libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWPID;
    if !spec.network {
        flags |= libc::CLONE_NEWNET;
    }
    // SAFETY: unshare on our own, single-threaded process.
    check(unsafe { libc::unshare(flags) }, "unshare")?;
    // Keep our own uid and gid inside, so files and tools look as usual.
    std::fs::write("/proc/self/setgroups", "deny")?;
    std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1"))?;
    std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1"))?;

    mount(
        None,
        Path::new("/"),
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
    )?;
    let tmp = spec
        .tmp
        .to_str()
        .ok_or_else(|| io::Error::other("a non-UTF-8 path"))?;
    mount(Some(tmp), &spec.tmp, None, libc::MS_BIND, None)?;
    let options = format!(
        // userxattr: overlay metadata in user.* xattrs, which a user
        // namespace may write (trusted.* needs the real root).
        "lowerdir={},upperdir={},workdir={},userxattr",
        spec.root.display(),
        spec.upper.display(),
        spec.work.display()
    );
    mount(
        Some("overlay"),
        &spec.root,
        Some("overlay"),
        0,
        Some(&options),
    )?;
    for rel in &spec.delete {
        match std::fs::remove_file(spec.root.join(rel)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    read_only_except(&[&spec.root, &spec.tmp])?;
    if !spec.network {
        loopback_up()?;
    }
    Ok(())
}

/// Remount every mount read-only except `keep` (and those below them). The
/// flags a mount already has must be repeated or the kernel refuses.
fn read_only_except(keep: &[&Path]) -> io::Result<()> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")?;
    for line in info.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        if fields.len() < 6 {
            continue;
        }
        let point = PathBuf::from(unescape(fields[4]));
        if keep.iter().any(|k| point.starts_with(k)) {
            continue;
        }
        let mut flags = libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY;
        for opt in fields[5].split(',') {
            flags |= match opt {
                "nosuid" => libc::MS_NOSUID,
                "nodev" => libc::MS_NODEV,
                "noexec" => libc::MS_NOEXEC,
                "noatime" => libc::MS_NOATIME,
                "nodiratime" => libc::MS_NODIRATIME,
                "relatime" => libc::MS_RELATIME,
                _ => 0,
            };
        }
        let result = mount(None, &point, None, flags, None);
        if result.is_err() && point == Path::new("/") {
            return result;
        }
        // Other mounts (kernel pseudo-filesystems, mounts we cannot see
        // into) may refuse; the root being read-only is what matters.
    }
    Ok(())
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

/// A new network namespace has only `lo`, and it is down.
fn loopback_up() -> io::Result<()> {
    // SAFETY: a socket used only for the interface ioctls below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: ifreq is plain data; the name fits and is NUL-terminated.
    let result = unsafe {
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        let mut r = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req);
        if r == 0 {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            r = libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        }
        r
    };
    // SAFETY: closing the socket we opened.
    unsafe { libc::close(fd) };
    check(result, "bring up loopback")
}

fn run(spec: &Spec) -> io::Result<i32> {
    let mut command = Command::new(&spec.shell);
    command.arg("-c").arg(&spec.script).current_dir(&spec.cwd);
    command.env("TMPDIR", &spec.tmp);
    let max_processes = spec.max_processes;
    // SAFETY: only async-signal-safe calls (mount, setrlimit) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            // PID 1 of the new PID namespace: a /proc that shows only it.
            let proc_ = c"/proc";
            let fstype = c"proc";
            libc::mount(
                fstype.as_ptr(),
                proc_.as_ptr(),
                fstype.as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                std::ptr::null(),
            );
            if let Some(n) = max_processes {
                let limit = libc::rlimit {
                    rlim_cur: n,
                    rlim_max: n,
                };
                libc::setrlimit(libc::RLIMIT_NPROC, &limit);
            }
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            Ok(())
        });
    }
    // Bound before the command starts, so it never finds a port closed.
    let mut listeners = Vec::new();
    if !spec.network {
        for port in &spec.loopback_ports {
            listeners.push((*port, std::net::TcpListener::bind(("127.0.0.1", *port))?));
        }
    }
    let child = command.spawn()?;
    let mut forwarder = 0;
    if !listeners.is_empty() {
        // SAFETY: this process is single-threaded; the forked child only
        // serves the listeners, without our stdout and stderr (the command's
        // output pipe must close when the command ends).
        forwarder = unsafe { libc::fork() };
        if forwarder == 0 {
            unsafe {
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
                for fd in 0..3 {
                    libc::dup2(null, fd);
                }
            }
            super::ports::serve_inside(&spec.bridge, listeners);
        }
        drop(listeners);
    }
    // Reap every child, not just the command: when the command (PID 1 of
    // the namespace) ends, its exit completes only once the forwarder the
    // kernel killed has been reaped, by us.
    let command_pid = child.id() as libc::pid_t;
    let mut code = 125;
    loop {
        let mut status = 0;
        // SAFETY: waiting for our own children.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid < 0 {
            break; // no children left
        }
        if pid == command_pid {
            code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                128 + libc::WTERMSIG(status)
            };
            if forwarder > 0 {
                // SAFETY: our own child.
                unsafe { libc::kill(forwarder, libc::SIGKILL) };
            }
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_escapes_are_decoded() {
        assert_eq!(unescape("/a\\040b"), "/a b");
        assert_eq!(unescape("/plain"), "/plain");
    }
}
