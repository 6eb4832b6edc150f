//! The last step before a sandboxed command starts: take away everything
//! that would let it undo the sandbox. In this order, because each step
//! needs what the next one removes:
//!
//! 1. a nested user and mount namespace: the kernel locks every mount made
//!    in the outer one (no unmount, no remount read-write, ever);
//! 2. resource limits (processes, no core dumps);
//! 3. no capabilities in any set (bounding and ambient included), so a
//!    command running as root inside is an ordinary process;
//! 4. `no_new_privs`: setuid binaries and file capabilities grant nothing;
//! 5. Landlock, where the kernel has it: writes only in the workspace, the
//!    scratch `/tmp`, `/dev/shm` and `/run`; no abstract Unix sockets or
//!    signals outside the sandbox;
//! 6. a seccomp filter refusing the calls that reach past the namespaces
//!    (mounts, new namespaces, ptrace, kernel modules, bpf, keyrings, …).

use landlock::{
    ABI, Access, AccessFs, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset, RulesetAttr,
    RulesetCreatedAttr, Scope,
};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};
use std::collections::BTreeMap;
use std::path::Path;

/// The newest Landlock ABI this code was written and tested against.
const LANDLOCK_ABI: ABI = ABI::V6;

/// Refused with EPERM.
const DENIED: &[libc::c_long] = &[
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_fsopen,
    libc::SYS_fsmount,
    libc::SYS_fsconfig,
    libc::SYS_fspick,
    libc::SYS_mount_setattr,
    libc::SYS_chroot,
    libc::SYS_setns,
    libc::SYS_unshare,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_userfaultfd,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_reboot,
    libc::SYS_acct,
    libc::SYS_quotactl,
    libc::SYS_syslog,
];

/// Refused with ENOSYS, so that libc and runtimes fall back to calls the
/// filter can inspect (`clone3` hides its flags in memory) or do without
/// (io_uring would run file operations the filter never sees).
const UNAVAILABLE: &[libc::c_long] = &[
    libc::SYS_clone3,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
];

/// Lock this process (about to exec the command) down; `workspace` is
/// where it may write, besides the scratch folders.
pub fn lock(workspace: &Path, uid: u32, gid: u32, max_processes: u64) -> Result<(), String> {
    nested_namespace(uid, gid)?;
    limits(max_processes);
    drop_capabilities()?;
    // SAFETY: a plain prctl on our own process.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(format!("no_new_privs: {}", std::io::Error::last_os_error()));
    }
    landlock(workspace)?;
    seccomp()
}

/// For the user: whether Landlock adds its wall on this kernel.
pub fn describe() -> String {
    // The crate keeps its status query private; this is the documented
    // probe (LANDLOCK_CREATE_RULESET_VERSION), which changes nothing.
    // SAFETY: a null attribute with size 0 and the version flag.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            1u32,
        )
    };
    if abi > 0 {
        format!("no capabilities, seccomp and Landlock (ABI {abi})")
    } else {
        "no capabilities and seccomp (this kernel has no Landlock)".into()
    }
}

fn nested_namespace(uid: u32, gid: u32) -> Result<(), String> {
    // SAFETY: unshare on our own, single-threaded process.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) } != 0 {
        return Err(format!(
            "nested namespace: {}",
            std::io::Error::last_os_error()
        ));
    }
    let write =
        |file: &str, text: String| std::fs::write(file, text).map_err(|e| format!("{file}: {e}"));
    write("/proc/self/setgroups", "deny".into())?;
    write("/proc/self/uid_map", format!("{uid} {uid} 1"))?;
    write("/proc/self/gid_map", format!("{gid} {gid} 1"))
}

fn limits(max_processes: u64) {
    // Counted per user in this user namespace; the root user is exempt,
    // which is why `pids` also puts the sandbox in a cgroup when root.
    let nproc = libc::rlimit {
        rlim_cur: max_processes,
        rlim_max: max_processes,
    };
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain setrlimit calls with valid structs.
    unsafe {
        libc::setrlimit(libc::RLIMIT_NPROC, &nproc);
        libc::setrlimit(libc::RLIMIT_CORE, &no_core);
    }
}

fn drop_capabilities() -> Result<(), String> {
    use caps::CapSet;
    // Bounding first (it needs CAP_SETPCAP), permitted last (effective
    // must stay a subset of it).
    for set in [
        CapSet::Ambient,
        CapSet::Bounding,
        CapSet::Inheritable,
        CapSet::Effective,
        CapSet::Permitted,
    ] {
        caps::clear(None, set).map_err(|e| format!("drop capabilities ({set:?}): {e}"))?;
    }
    Ok(())
}

fn landlock(workspace: &Path) -> Result<(), String> {
    let err = |e: landlock::RulesetError| format!("landlock: {e}");
    let all = AccessFs::from_all(LANDLOCK_ABI);
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(all)
        .map_err(err)?
        .scope(Scope::from_all(LANDLOCK_ABI))
        .map_err(err)?
        .create()
        .map_err(err)?;
    let read = PathFd::new("/").map_err(|e| format!("landlock: {e}"))?;
    ruleset = ruleset
        .add_rule(PathBeneath::new(read, AccessFs::from_read(LANDLOCK_ABI)))
        .map_err(err)?;
    for dir in [
        workspace,
        Path::new("/tmp"),
        Path::new("/dev"),
        Path::new("/run"),
    ] {
        if let Ok(fd) = PathFd::new(dir) {
            ruleset = ruleset.add_rule(PathBeneath::new(fd, all)).map_err(err)?;
        }
    }
    // Absent from the kernel is not fatal (best effort): namespaces,
    // capabilities and seccomp hold on their own; `describe` tells the user.
    ruleset.restrict_self().map_err(err)?;
    Ok(())
}

fn seccomp() -> Result<(), String> {
    let err = |e: seccompiler::BackendError| format!("seccomp: {e}");
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(err)?;
    let arg_is = |index: u8, len: SeccompCmpArgLen, op: SeccompCmpOp, value: u64| {
        SeccompCondition::new(index, len, op, value).and_then(|c| SeccompRule::new(vec![c]))
    };
    let mut denied: BTreeMap<i64, Vec<SeccompRule>> =
        DENIED.iter().map(|&n| (n, Vec::new())).collect();
    // A new user namespace would bring capabilities back.
    let newuser = libc::CLONE_NEWUSER as u64;
    denied.insert(
        libc::SYS_clone,
        vec![
            arg_is(
                0,
                SeccompCmpArgLen::Qword,
                SeccompCmpOp::MaskedEq(newuser),
                newuser,
            )
            .map_err(err)?,
        ],
    );
    // Typing into the terminal of whoever runs Tandem.
    denied.insert(
        libc::SYS_ioctl,
        [libc::TIOCSTI, libc::TIOCLINUX]
            .into_iter()
            .map(|request| arg_is(1, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, request))
            .collect::<Result<_, _>>()
            .map_err(err)?,
    );
    let unavailable = UNAVAILABLE.iter().map(|&n| (n, Vec::new())).collect();
    for (rules, errno) in [(denied, libc::EPERM), (unavailable, libc::ENOSYS)] {
        let filter = SeccompFilter::new(
            rules,
            SeccompAction::Allow,
            SeccompAction::Errno(errno as u32),
            arch,
        )
        .map_err(err)?;
        let program: BpfProgram = filter.try_into().map_err(err)?;
        seccompiler::apply_filter(&program).map_err(|e| format!("seccomp: {e}"))?;
    }
    Ok(())
}
