//! A bound on how many processes a sandboxed command may have. For an
//! ordinary user RLIMIT_NPROC does it (set in `lockdown`); the kernel never
//! applies it to the root user, so when Tandem runs as root each task gets
//! a cgroup of its own with `pids.max` (cgroup v1's `pids` hierarchy or
//! v2's `pids` controller, whichever this machine has), made once when the
//! task's sandbox is, and every command is moved into it.
//!
//! Moving a whole process between cgroups waits for the kernel (an RCU
//! grace period, ~10 ms here). cgroup v1 moves the calling thread alone
//! without that wait, so the sandbox's helper (single-threaded) moves
//! itself before it forks the command; elsewhere the command's process is
//! moved while it builds its root (see `namespaces`).

use std::path::{Path, PathBuf};

/// A task's cgroup, removed with it.
pub struct TaskCgroup {
    dir: PathBuf,
}

impl TaskCgroup {
    /// A cgroup bounded to `max` for the task named `name`, when running
    /// as root on a machine with a pids controller.
    pub fn new(name: &str, max: u64) -> Option<TaskCgroup> {
        // SAFETY: a plain getter.
        if unsafe { libc::geteuid() } != 0 {
            return None;
        }
        let parent = own_pids_cgroup()?;
        // v2 only: children get `pids.max` once the parent hands the
        // controller down (refused where the parent holds processes itself).
        let _ = std::fs::write(parent.join("cgroup.subtree_control"), "+pids");
        let dir = parent.join(format!("tandem-{name}"));
        std::fs::create_dir(&dir).ok()?;
        let cgroup = TaskCgroup { dir };
        std::fs::write(cgroup.dir.join("pids.max"), max.to_string()).ok()?;
        Some(cgroup)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for TaskCgroup {
    fn drop(&mut self) {
        // Empty once the task's last command has ended.
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Move the calling thread into the cgroup `dir`, where that is quick
/// (cgroup v1's `tasks` file); what it starts after is in it too.
pub fn enter_this_thread(dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join("tasks"), "0")
}

/// Move process `pid` (and so everything it starts) into the cgroup `dir`.
pub fn enter(dir: &Path, pid: libc::pid_t) -> std::io::Result<()> {
    std::fs::write(dir.join("cgroup.procs"), pid.to_string())
}

/// The folder of this process's cgroup in a hierarchy that has `pids`.
fn own_pids_cgroup() -> Option<PathBuf> {
    let membership = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    // Whether the child gets a `pids.max` is seen when it is made.
    pids_cgroup_in(&membership, &mountinfo).filter(|dir| dir.join("cgroup.procs").exists())
}

/// From `/proc/self/cgroup` and `/proc/self/mountinfo`: v1's pids
/// hierarchy if mounted, else the v2 one.
fn pids_cgroup_in(membership: &str, mountinfo: &str) -> Option<PathBuf> {
    let mount_of = |fstype: &str, option: Option<&str>| -> Option<PathBuf> {
        mountinfo.lines().find_map(|line| {
            let (before, after) = line.split_once(" - ")?;
            let mut after = after.split(' ');
            let fs = after.next()?;
            let _source = after.next()?;
            let options = after.next().unwrap_or_default();
            let ok = fs == fstype && option.is_none_or(|o| options.split(',').any(|x| x == o));
            if !ok {
                return None;
            }
            before.split(' ').nth(4).map(PathBuf::from)
        })
    };
    let path_in = |want: &dyn Fn(&str) -> bool| {
        membership.lines().find_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            want(controllers).then(|| path.trim_start_matches('/').to_string())
        })
    };
    if let (Some(mount), Some(path)) = (
        mount_of("cgroup", Some("pids")),
        path_in(&|c| c.split(',').any(|x| x == "pids")),
    ) {
        return Some(mount.join(path));
    }
    let mount = mount_of("cgroup2", None)?;
    Some(mount.join(path_in(&|c| c.is_empty())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_v1_pids_hierarchy_is_preferred() {
        let membership = "8:pids:/user.slice\n0::/user.slice/session-1.scope\n";
        let mountinfo = "\
30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n\
38 25 0:34 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids\n";
        assert_eq!(
            pids_cgroup_in(membership, mountinfo),
            Some(PathBuf::from("/sys/fs/cgroup/pids/user.slice"))
        );
    }

    #[test]
    fn v2_alone_is_used() {
        let membership = "0::/user.slice/app.scope\n";
        let mountinfo = "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";
        assert_eq!(
            pids_cgroup_in(membership, mountinfo),
            Some(PathBuf::from("/sys/fs/cgroup/user.slice/app.scope"))
        );
    }
}
