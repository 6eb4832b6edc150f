//! A bound on how many processes a sandboxed command may have. For an
//! ordinary user RLIMIT_NPROC does it (set in `lockdown`); the kernel never
//! applies it to the root user, so when Tandem runs as root the sandbox is
//! put in a cgroup of its own with `pids.max` (cgroup v1's `pids`
//! hierarchy or v2's `pids` controller, whichever this machine has).

use std::path::{Path, PathBuf};

/// The cgroup this process moved into, left and removed by `release`.
pub struct Limit {
    cgroup: Option<(PathBuf, PathBuf)>,
}

impl Limit {
    /// Put this process (and so everything it starts) under `max`. Called
    /// before any namespace exists, while we are still the host's root.
    pub fn apply(max: u64) -> Limit {
        // SAFETY: a plain getter.
        if unsafe { libc::geteuid() } != 0 {
            return Limit { cgroup: None };
        }
        Limit {
            cgroup: own_pids_cgroup().and_then(|dir| enter_child(&dir, max)),
        }
    }

    /// Back to where we were; the emptied cgroup goes.
    pub fn release(self) {
        if let Some((child, parent)) = self.cgroup {
            let _ = std::fs::write(parent.join("cgroup.procs"), std::process::id().to_string());
            let _ = std::fs::remove_dir(child);
        }
    }
}

fn enter_child(dir: &Path, max: u64) -> Option<(PathBuf, PathBuf)> {
    let child = dir.join(format!("tandem-sandbox-{}", std::process::id()));
    // v2 only: children get `pids.max` once the parent hands the
    // controller down (refused where the parent holds processes itself).
    let _ = std::fs::write(dir.join("cgroup.subtree_control"), "+pids");
    std::fs::create_dir(&child).ok()?;
    let entered = std::fs::write(child.join("pids.max"), max.to_string())
        .and_then(|()| std::fs::write(child.join("cgroup.procs"), std::process::id().to_string()));
    match entered {
        Ok(()) => Some((child, dir.to_path_buf())),
        Err(_) => {
            let _ = std::fs::remove_dir(&child);
            None
        }
    }
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
