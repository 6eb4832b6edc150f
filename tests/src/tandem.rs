//! Finding and running the real `tandem` binary from end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// Path to the `tandem` binary of this build (`target/<profile>/tandem`).
/// It is (re)built here once per test process so a test never runs a stale
/// binary; when cargo already built it this is a quick no-op.
///
/// The build resolves features as `cargo test --workspace` does (the whole
/// workspace, dev-dependencies included: hence one small test target
/// beside the binary). `cargo build -p tandem-cli` alone would pick other
/// features for shared dependencies (tokio's test-util, hyper's server)
/// and rebuild nearly everything a second time: two minutes of CI.
pub fn tandem_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        // target/<profile>/deps/test-xxxx -> target/<profile>/tandem
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile> above the test binary");
        let bin = profile_dir.join("tandem");
        let mut build = Command::new(env!("CARGO"));
        // Not the variables cargo set for this test process: build scripts
        // watch some (ring's reruns on CARGO_MANIFEST_DIR), and a different
        // value than the top-level build's rebuilds the TLS stack and all
        // above it, back and forth between the two builds.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_BIN_EXE_")
                || name.starts_with("CARGO_MANIFEST_")
                || [
                    "CARGO_CRATE_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_TARGET_TMPDIR",
                ]
                .contains(&name.as_ref())
            {
                build.env_remove(name.as_ref());
            }
        }
        build.args([
            "build",
            "-q",
            "--workspace",
            "--bin",
            "tandem",
            "--test",
            "example",
        ]);
        // Benchmarks run from target/release and must measure a release build.
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building the tandem binary failed");
        assert!(bin.exists(), "no tandem binary at {}", bin.display());
        bin
    })
    .clone()
}

/// A `tandem` command isolated from the developer's machine: empty home and
/// config folders, no API keys or base URLs from the environment.
pub fn tandem_command(home: &Path) -> Command {
    let mut cmd = Command::new(tandem_bin());
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("NO_COLOR", "1")
        .env("TANDEM_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

/// `tandem exec ARGS…` in `repo` against the scripted model at `model_url`
/// on `provider`'s wire (model `test-model`, a test key), home `home`.
pub fn exec_scripted(
    home: &Path,
    repo: &Path,
    provider: &str,
    model_url: &str,
    args: &[&str],
) -> Output {
    tandem_command(home)
        .arg("exec")
        .args(args)
        .args(["--provider", provider, "--model", "test-model"])
        .args(["--base-url", &crate::wire::base_url(provider, model_url)])
        .args(["-c", "model.api_key=\"test-key\""])
        .arg("-C")
        .arg(repo)
        .output()
        .expect("run tandem exec")
}

/// Copy a fixture folder from `tests/fixtures/NAME` into a fresh temp dir.
pub fn fixture(name: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&src, dir.path()).unwrap_or_else(|e| panic!("copy fixture {name}: {e}"));
    dir
}

pub fn copy_dir(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let to = dst.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to)?;
        } else {
            std::fs::copy(entry.path(), &to)?;
        }
    }
    Ok(())
}

/// Output of a finished command, with stdout/stderr as text for messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Whether this machine can run Tandem's overlay sandbox (user namespaces
/// and overlayfs). Tests of the overlay backend skip, saying so, where it
/// cannot; `TANDEM_REQUIRE_OVERLAY=1` (set by `.ci/run` where it can) turns
/// that into a failure so CI never skips silently.
pub fn overlay_available() -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let sub = |n: &str| {
        let p = dir.path().join(n);
        std::fs::create_dir_all(&p).unwrap();
        p
    };
    let spec = serde_json::json!({
        "root": sub("lower"), "upper": sub("upper"), "work": sub("work"), "tmp": sub("tmp"),
        "new_root": sub("root"), "hide": [],
        "delete": [], "network": false, "cwd": dir.path().join("lower"),
        "shell": "sh", "script": "echo ok > probe", "max_processes": 1024,
    });
    let ok = Command::new(tandem_bin())
        .arg("__sandbox-run")
        .arg(spec.to_string())
        .output()
        .is_ok_and(|o| o.status.success())
        && dir.path().join("upper/probe").exists();
    if !ok {
        assert!(
            std::env::var_os("TANDEM_REQUIRE_OVERLAY").is_none(),
            "TANDEM_REQUIRE_OVERLAY is set but the overlay sandbox cannot run here"
        );
        eprintln!("skipped: the overlay sandbox is not available on this machine");
    }
    ok
}

/// Run `command` (stdin, stdout and stderr piped) as a user answering its
/// questions: each stderr line goes to `answer`, and what it returns is
/// typed on stdin as a line. Returns the output (stderr as read) and how
/// many answers were typed.
pub fn answering(
    command: &mut Command,
    mut answer: impl FnMut(&str) -> Option<String> + Send + 'static,
) -> (Output, usize) {
    use std::io::{BufRead, BufReader, Write};
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tandem");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
    let reader = std::thread::spawn(move || {
        let (mut seen, mut typed) = (Vec::new(), 0);
        for line in stderr.lines().map_while(Result::ok) {
            if let Some(reply) = answer(&line) {
                typed += 1;
                // The run may have ended without reading it.
                let _ = writeln!(stdin, "{reply}");
            }
            seen.extend_from_slice(line.as_bytes());
            seen.push(b'\n');
        }
        (seen, typed)
    });
    let mut out = child.wait_with_output().expect("wait for tandem");
    let (seen, typed) = reader.join().expect("stderr reader");
    out.stderr = seen;
    (out, typed)
}

/// `tandem task -C repo ARGS…`, the scripted model's key in `TEST_API_KEY`.
pub fn task(home: &Path, repo: &Path, args: &[&str]) -> Output {
    tandem_command(home)
        .arg("task")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("TEST_API_KEY", "x")
        .output()
        .expect("run tandem")
}

/// Start a task with `prompt` (and `extra` flags) against the scripted
/// model at `model_url` (Anthropic wire), wait for it, and return what
/// `tandem task show --json` says of it.
pub fn run_task(
    home: &Path,
    repo: &Path,
    model_url: &str,
    prompt: &str,
    extra: &[&str],
) -> serde_json::Value {
    let mut args = vec![
        "start",
        prompt,
        "--provider",
        "anthropic",
        "-m",
        "test-model",
        "--base-url",
        model_url,
        "-c",
        "model.api_key_env=\"TEST_API_KEY\"",
    ];
    args.extend(extra);
    let out = task(home, repo, &args);
    assert!(out.status.success(), "{}", describe(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // `wait` says a failed task by its exit code; the caller checks the state.
    task(home, repo, &["wait", &id]);
    let out = task(home, repo, &["show", &id, "--json"]);
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).expect("show --json")
}
