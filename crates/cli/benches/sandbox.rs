//! Benchmark: starting a task's sandbox on a generated git repository of
//! 50,000 files and running one command in it, for the overlay backend
//! against the baseline of `git worktree add` (what the copy fallback is
//! built on), measured in the same process and printed as a ratio.
//!
//! It also prints the per-command overhead of the overlay against `local`
//! (commands run in the workspace itself), and, when
//! `TANDEM_BENCH_BASELINE_HELPER` names an earlier `tandem` binary, the
//! overlay started by that binary's sandbox inside against this one's.
//!
//! Run: `cargo bench -p tandem-cli --bench sandbox`

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tandem_core::sandbox::{self, BackendChoice, SandboxSettings};
use tandem_core::workspace::Workspace;

const FILES: usize = 50_000;
const ROUNDS: usize = 5;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn generate(root: &Path) {
    for i in 0..FILES {
        let dir = root.join(format!("pkg{:03}/mod{:02}", i / 1000, (i / 100) % 10));
        if i % 100 == 0 {
            std::fs::create_dir_all(&dir).unwrap();
        }
        std::fs::write(
            dir.join(format!("file{i}.rs")),
            format!("pub fn f{i}() -> usize {{ {i} }}\n"),
        )
        .unwrap();
    }
    git(root, &["init", "-q"]);
    git(
        root,
        &["-c", "user.email=b@e", "-c", "user.name=bench", "add", "-A"],
    );
    git(
        root,
        &[
            "-c",
            "user.email=b@e",
            "-c",
            "user.name=bench",
            "commit",
            "-qm",
            "generated",
        ],
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Start a sandbox of `backend`, run `true` in it, collect its changes.
fn start(backend: BackendChoice, ws: &Arc<Workspace>, helper: &Path, state: &Path) -> Duration {
    let settings = SandboxSettings {
        backend,
        ..Default::default()
    };
    let task = tempfile::tempdir_in(state).unwrap();
    let t = Instant::now();
    let sb = sandbox::create(&settings, ws.root(), task.path(), helper).unwrap();
    let launch = sb.prepare(ws, "sh", "true", "").unwrap();
    let status = Command::new(&launch.program)
        .args(&launch.args)
        .current_dir(&launch.cwd)
        .env_clear()
        .envs(launch.env.iter().cloned())
        .status()
        .unwrap();
    assert!(status.success());
    sb.collect(ws).unwrap();
    let took = t.elapsed();
    drop(sb);
    took
}

fn main() {
    let helper = std::path::PathBuf::from(env!("CARGO_BIN_EXE_tandem"));
    let repo = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    println!("sandbox: generating a git repository of {FILES} files…");
    generate(repo.path());
    let ws = Arc::new(Workspace::new(repo.path()).unwrap());
    // A small proposal, as a task in progress would have.
    ws.write(
        "pkg000/mod00/file0.rs",
        Some("pub fn f0() -> usize { 1 }\n".into()),
    )
    .unwrap();

    if let Some(why) = sandbox::overlay::unavailable(&helper) {
        panic!("the overlay backend is not available on this machine: {why}");
    }
    let overlay: Vec<Duration> = (0..ROUNDS)
        .map(|_| start(BackendChoice::Overlay, &ws, &helper, state.path()))
        .collect();
    let local: Vec<Duration> = (0..ROUNDS)
        .map(|_| start(BackendChoice::Local, &ws, &helper, state.path()))
        .collect();
    let baseline = std::env::var_os("TANDEM_BENCH_BASELINE_HELPER").map(|old| {
        let old = std::path::PathBuf::from(old);
        median(
            (0..ROUNDS)
                .map(|_| start(BackendChoice::Overlay, &ws, &old, state.path()))
                .collect(),
        )
    });
    let worktree: Vec<Duration> = (0..ROUNDS)
        .map(|i| {
            let dir = state.path().join(format!("wt{i}"));
            let t = Instant::now();
            git(
                repo.path(),
                &[
                    "worktree",
                    "add",
                    "--detach",
                    "--quiet",
                    dir.to_str().unwrap(),
                    "HEAD",
                ],
            );
            let took = t.elapsed();
            git(
                repo.path(),
                &["worktree", "remove", "--force", dir.to_str().unwrap()],
            );
            took
        })
        .collect();
    let copy: Vec<Duration> = (0..ROUNDS)
        .map(|_| start(BackendChoice::Copy, &ws, &helper, state.path()))
        .collect();
    let (o, w, c, l) = (
        median(overlay),
        median(worktree),
        median(copy),
        median(local),
    );
    println!("sandbox start on {FILES} files, median of {ROUNDS}:");
    println!("  overlay (start + one command + collect): {o:>10.2?}");
    println!("  local (the same, no sandbox):            {l:>10.2?}");
    println!(
        "  per-command overhead of overlay over local: {:.2?}",
        o.saturating_sub(l)
    );
    if let Some(b) = baseline {
        println!("  overlay with the baseline helper:        {b:>10.2?}");
        println!(
            "  ratio this overlay / baseline: {:.2}x",
            o.as_secs_f64() / b.as_secs_f64()
        );
    }
    println!("  git worktree add (baseline):             {w:>10.2?}");
    println!("  copy fallback (start + command + collect): {c:>8.2?}");
    println!(
        "  ratio git worktree / overlay: {:.1}x",
        w.as_secs_f64() / o.as_secs_f64()
    );
}
