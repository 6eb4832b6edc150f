//! The inside of the overlay sandbox: `tandem __sandbox-run SPEC` runs this
//! before anything else in `main` (creating a user namespace needs a
//! single-threaded process). This process enters new user, PID and (unless
//! network is allowed) network namespaces, brings up a private loopback and
//! serves the bridged ports; the command runs as PID 1 of the new PID
//! namespace, so when it ends everything it started ends with it. Between
//! fork and exec the command's process builds its own root (`mounts`) and
//! locks itself down (`lockdown`); meanwhile this process moves it into the
//! task's cgroup (`pids`), and it waits for that before it execs.
//!
//! Without network, the commands of one sandbox share one loopback: the
//! sandbox's keeper (`Spec::keep`) makes the user and network namespaces
//! once and holds them, and each command joins them (`Spec::join`) and
//! makes only its own PID and mount namespaces. A server a command left
//! running in the background is reachable from the next command; other
//! sandboxes (other tasks) have keepers of their own.

use super::{lockdown, mounts, pids};
use serde::{Deserialize, Serialize};
use std::ffi::CString;
use std::io;
use std::path::PathBuf;

pub const SUBCOMMAND: &str = "__sandbox-run";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    /// The workspace: the overlay's lower layer, mounted over itself.
    pub root: PathBuf,
    /// Read-only layers shown above the workspace and below `upper`, the
    /// top one first (a task's set-up layer: see `layers`).
    #[serde(default)]
    pub lower: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// The task's scratch folder, the command's `/tmp` (kept between its
    /// commands, never the host's).
    pub tmp: PathBuf,
    /// An empty folder where the command's root is assembled.
    pub new_root: PathBuf,
    /// Credential files and folders shown empty (see `credentials`).
    pub hide: Vec<PathBuf>,
    /// Files inside hidden folders that commands may read all the same.
    #[serde(default)]
    pub reveal: Vec<PathBuf>,
    /// Workspace-relative paths the proposal deletes: removed in the view.
    pub delete: Vec<String>,
    pub network: bool,
    pub cwd: PathBuf,
    pub shell: String,
    pub script: String,
    pub max_processes: u64,
    /// The task's pids cgroup, when running as root (see `pids`).
    #[serde(default)]
    pub cgroup: Option<PathBuf>,
    /// Host loopback ports bridged in (see `ports`), through sockets in `bridge`.
    #[serde(default)]
    pub loopback_ports: Vec<u16>,
    #[serde(default)]
    pub bridge: PathBuf,
    /// Join the user and network namespaces of this process (the
    /// sandbox's keeper, a child the sandbox never reaps while it uses it,
    /// so the pid cannot be reused) instead of making new ones.
    #[serde(default)]
    pub join: Option<u32>,
    /// Be the keeper: make the namespaces, serve the bridged ports, say
    /// `ready` on stdout, then hold them until stdin closes.
    #[serde(default)]
    pub keep: bool,
}

/// What the keeper prints once its namespaces can be joined.
pub const READY: &str = "ready";

/// Run the spec; returns the process exit code.
pub fn main(spec_json: &str) -> i32 {
    let spec: Spec = match serde_json::from_str(spec_json) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tandem sandbox: bad spec: {e}");
            return 125;
        }
    };
    if spec.keep {
        return keep(&spec);
    }
    enter(&spec).and_then(|()| run(&spec)).unwrap_or_else(|e| {
        eprintln!("tandem sandbox: {e}");
        125
    })
}

fn enter(spec: &Spec) -> io::Result<()> {
    if let Some(keeper) = spec.join {
        join(keeper)?;
        // SAFETY: unshare on our own, single-threaded process.
        return mounts::check(unsafe { libc::unshare(libc::CLONE_NEWPID) }, "unshare");
    }
    let mut flags = libc::CLONE_NEWUSER | libc::CLONE_NEWPID;
    if !spec.network {
        flags |= libc::CLONE_NEWNET;
    }
    own_namespaces(spec, flags)
}

/// Enter the user namespace of `keeper` (we own it: same uid, so all
/// capabilities there), then its network namespace.
fn join(keeper: u32) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    for (ns, flag) in [("user", libc::CLONE_NEWUSER), ("net", libc::CLONE_NEWNET)] {
        let file = std::fs::File::open(format!("/proc/{keeper}/ns/{ns}"))
            .map_err(|e| io::Error::new(e.kind(), format!("the sandbox's {ns} namespace: {e}")))?;
        // SAFETY: setns on our own, single-threaded process with an open ns fd.
        mounts::check(
            unsafe { libc::setns(file.as_raw_fd(), flag) },
            &format!("join the sandbox's {ns} namespace"),
        )?;
    }
    Ok(())
}

/// The keeper's life: namespaces, bridged ports, `READY`, then wait for
/// stdin to close (the sandbox dropped it, or Tandem died).
fn keep(spec: &Spec) -> i32 {
    let made = own_namespaces(spec, libc::CLONE_NEWUSER | libc::CLONE_NEWNET).and_then(|()| {
        spec.loopback_ports
            .iter()
            .map(|p| Ok((*p, std::net::TcpListener::bind(("127.0.0.1", *p))?)))
            .collect::<io::Result<Vec<_>>>()
    });
    let listeners = match made {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tandem sandbox: {e}");
            return 125;
        }
    };
    println!("{READY}");
    // No PID namespace of its own: this process may start threads.
    std::thread::spawn(|| {
        let _ = io::copy(&mut io::stdin(), &mut io::sink());
        std::process::exit(0);
    });
    super::ports::serve_inside(&spec.bridge, listeners)
}

fn own_namespaces(spec: &Spec, flags: libc::c_int) -> io::Result<()> {
    // SAFETY: plain syscalls on our own process.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: unshare on our own, single-threaded process.
    mounts::check(unsafe { libc::unshare(flags) }, "unshare")?;
    // Keep our own uid and gid inside, so files and tools look as usual.
    std::fs::write("/proc/self/setgroups", "deny")?;
    std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1"))?;
    std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1"))?;
    if !spec.network {
        loopback_up()?;
    }
    Ok(())
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
    mounts::check(result, "bring up loopback")
}

/// The command's process, between fork and exec: its own root, then the
/// lockdown. This process is single-threaded, so the forked child may
/// allocate. Returns what went wrong, for stderr.
fn inside(spec: &Spec, uid: u32, gid: u32) -> Result<(), String> {
    mounts::enter_new_root(spec).map_err(|e| e.to_string())?;
    std::env::set_current_dir(&spec.cwd).map_err(|e| format!("{}: {e}", spec.cwd.display()))?;
    lockdown::lock(&spec.root, uid, gid, spec.max_processes)
}

/// `shell -c script` with our environment and TMPDIR=/tmp, ready for
/// execvpe in the child (made before the fork).
struct Exec {
    program: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
}

impl Exec {
    fn new(spec: &Spec) -> io::Result<Exec> {
        let c =
            |s: &[u8]| CString::new(s).map_err(|_| io::Error::other("a NUL byte in the command"));
        let mut envp = Vec::new();
        for (k, v) in std::env::vars_os() {
            if k != "TMPDIR" {
                let mut pair = k.into_encoded_bytes();
                pair.push(b'=');
                pair.extend(v.into_encoded_bytes());
                envp.push(c(&pair)?);
            }
        }
        envp.push(c(b"TMPDIR=/tmp")?);
        Ok(Exec {
            program: c(spec.shell.as_bytes())?,
            argv: vec![
                c(spec.shell.as_bytes())?,
                c(b"-c")?,
                c(spec.script.as_bytes())?,
            ],
            envp,
        })
    }

    /// In the child: signals as a fresh program expects them (Rust ignores
    /// SIGPIPE), then exec; returns only on failure.
    fn exec(&self) {
        let mut argv: Vec<*const libc::c_char> = self.argv.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        let mut envp: Vec<*const libc::c_char> = self.envp.iter().map(|e| e.as_ptr()).collect();
        envp.push(std::ptr::null());
        // SAFETY: valid NUL-terminated arrays of valid C strings.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            libc::execvpe(self.program.as_ptr(), argv.as_ptr(), envp.as_ptr());
        }
    }
}

/// Fork the command's process. It builds its root and locks down while we
/// move it into the cgroup; it execs only once we say go (a byte on the
/// pipe). Failing to bound it kills it: the limit is part of the sandbox.
fn start(spec: &Spec) -> io::Result<libc::pid_t> {
    // SAFETY: plain getters.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let exec = Exec::new(spec)?;
    let moved_already = spec
        .cgroup
        .as_deref()
        .is_some_and(|dir| pids::enter_this_thread(dir).is_ok());
    let mut fds = [0; 2];
    // SAFETY: a pipe into a valid array.
    mounts::check(unsafe { libc::pipe(fds.as_mut_ptr()) }, "pipe")?;
    let (go_read, go_write) = (fds[0], fds[1]);
    // SAFETY: this process is single-threaded (see `inside`).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: our end of the pipe; one byte, or EOF if the parent died.
        unsafe { libc::close(go_write) };
        if let Err(e) = inside(spec, uid, gid) {
            eprintln!("tandem sandbox: {e}");
            unsafe { libc::_exit(125) };
        }
        let mut byte = 0u8;
        // SAFETY: reading one byte into a valid buffer.
        if unsafe { libc::read(go_read, (&mut byte as *mut u8).cast(), 1) } == 1 {
            unsafe { libc::close(go_read) };
            exec.exec();
            eprintln!(
                "tandem sandbox: {}: {}",
                spec.shell,
                io::Error::last_os_error()
            );
        }
        unsafe { libc::_exit(127) };
    }
    // SAFETY: closing the child's end.
    unsafe { libc::close(go_read) };
    let bounded = match &spec.cgroup {
        Some(dir) if !moved_already => pids::enter(dir, pid)
            .map_err(|e| io::Error::other(format!("cannot bound the processes: {e}"))),
        _ => Ok(()),
    };
    if let Err(e) = bounded {
        // SAFETY: our own child, and our end of the pipe.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::close(go_write);
        }
        return Err(e);
    }
    // SAFETY: one byte on our end of the pipe, then closed.
    unsafe {
        libc::write(go_write, [1u8].as_ptr().cast(), 1);
        libc::close(go_write);
    }
    Ok(pid)
}

fn run(spec: &Spec) -> io::Result<i32> {
    // Bound before the command starts, so it never finds a port closed.
    let mut listeners = Vec::new();
    // A keeper serves them for every command that joins it.
    if !spec.network && spec.join.is_none() {
        for port in &spec.loopback_ports {
            listeners.push((*port, std::net::TcpListener::bind(("127.0.0.1", *port))?));
        }
    }
    let command_pid = start(spec)?;
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
