//! Attacks on the overlay sandbox, as a hostile command would make them:
//! the model asks for the command, the real `tandem exec --mode auto` runs
//! it in the shell tool, and the test checks what the attack did to the
//! machine and what reached the model.
//!
//! Each attack runs as the user the tests run as and, when that is root,
//! again as an unprivileged user made for the purpose. Each has a control:
//! the same script where it must succeed (the `local` backend, or for
//! mount attacks a plain user and mount namespace, which is what the
//! sandbox used to be), so a check that could never see an escape fails.

use serde_json::json;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, overlay_available, tandem_bin, tandem_command};
use tandem_tests::wire::tool_results;

const UNPRIVILEGED: &str = "tandem-escape";

/// Who runs Tandem: `None` is the test's own user.
type User = Option<(u32, u32)>;

fn is_root() -> bool {
    // SAFETY: a plain getter.
    unsafe { libc::geteuid() == 0 }
}

/// The users to attack as: ourselves, and an unprivileged one when root.
fn users() -> Vec<User> {
    if !overlay_available() {
        return Vec::new(); // overlay_available says why (and fails under CI)
    }
    let mut users = vec![None];
    if is_root() {
        users.push(Some(unprivileged()));
    }
    users
}

fn unprivileged() -> (u32, u32) {
    let id = |flag: &str| {
        Command::new("id")
            .args([flag, UNPRIVILEGED])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
    };
    if id("-u").is_none() {
        // Two tests may race to create it; the loser's failure is fine.
        let _ = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/bin/sh",
                UNPRIVILEGED,
            ])
            .status();
    }
    (
        id("-u").expect("create the unprivileged test user"),
        id("-g").expect("the test user's group"),
    )
}

/// Folders every user can reach, outside /tmp (which the sandbox replaces,
/// and would so hide on its own what a test wants to see hidden).
fn shared_dir() -> tempfile::TempDir {
    let base = Path::new("/var/tmp");
    let dir = if base.is_dir() {
        tempfile::tempdir_in(base)
    } else {
        tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))
    }
    .unwrap();
    Command::new("chmod")
        .arg("755")
        .arg(dir.path())
        .status()
        .unwrap();
    dir
}

/// The binary, where the unprivileged user can run it (the checkout may be
/// in a folder only root can enter).
fn binary_for(user: User) -> PathBuf {
    static COPY: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    if user.is_none() {
        return tandem_bin();
    }
    COPY.get_or_init(|| {
        let dir = shared_dir();
        let bin = dir.path().join("tandem");
        std::fs::copy(tandem_bin(), &bin).unwrap();
        (dir, bin)
    })
    .1
    .clone()
}

/// `tandem_command` (its isolated environment), as `user`.
fn tandem_as(user: User, home: &Path) -> Command {
    let template = tandem_command(home);
    let mut cmd = Command::new(binary_for(user));
    cmd.env_clear()
        .envs(template.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(Stdio::null());
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn chown(path: &Path, user: User) {
    if let Some((uid, gid)) = user {
        let ok = Command::new("chown")
            .arg("-R")
            .arg(format!("{uid}:{gid}"))
            .arg(path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "chown {}", path.display());
    }
}

/// A repository (in /tmp, where the user's projects often are) and a home
/// (outside /tmp, so that the sandbox's private /tmp alone cannot hide it).
struct Scene {
    repo: tempfile::TempDir,
    home: tempfile::TempDir,
    outside: tempfile::TempDir,
    user: User,
}

impl Scene {
    fn new(user: User) -> Scene {
        let scene = Scene {
            repo: fixture("greeter"),
            home: shared_dir(),
            outside: shared_dir(),
            user,
        };
        std::fs::write(scene.home.path().join(".bashrc"), "original\n").unwrap();
        scene
    }

    fn repo(&self) -> &Path {
        self.repo.path()
    }

    fn home(&self) -> &Path {
        self.home.path()
    }

    /// A file outside the repository and the sandbox's writable places.
    fn outside_file(&self) -> PathBuf {
        let path = self.outside.path().join("target.txt");
        if !path.exists() {
            std::fs::write(&path, "original\n").unwrap();
        }
        path
    }

    fn bashrc(&self) -> String {
        std::fs::read_to_string(self.home().join(".bashrc")).unwrap()
    }

    /// Give everything made so far to the user who will run Tandem.
    fn hand_over(&self) {
        for dir in [self.repo(), self.home(), self.outside.path()] {
            chown(dir, self.user);
        }
    }

    /// Run `script` as the shell tool of `tandem exec` with `backend`;
    /// returns the tool result the model got.
    fn exec(&self, backend: &str, script: &str, config: &[&str], env: &[(&str, &str)]) -> String {
        self.hand_over();
        let model = ScriptedServer::start(
            Script::new()
                .turn(Turn::new().tool_use("shell", json!({ "command": script })))
                .turn(Turn::say("done")),
        );
        let mut cmd = tandem_as(self.user, self.home());
        cmd.args(["exec", "attack", "--provider", "anthropic", "--model", "m"])
            .args(["--base-url", &model.url()])
            .args(["-c", "model.api_key=\"k\""])
            .args(["-c", &format!("sandbox.backend=\"{backend}\"")])
            .args(["--mode", "auto"])
            .arg("-C")
            .arg(self.repo());
        for c in config {
            cmd.args(["-c", c]);
        }
        cmd.envs(env.iter().copied());
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{backend}: {}", describe(&out));
        let requests = model.requests();
        assert!(requests.len() >= 2, "{}", describe(&out));
        tool_results(&requests[1]).join("\n")
    }

    fn sandboxed(&self, script: &str) -> String {
        self.exec("overlay", script, &[], &[])
    }

    fn local(&self, script: &str) -> String {
        self.exec("local", script, &[], &[])
    }

    /// The script in a plain user and mount namespace of its own, in the
    /// repository, as the user: the control for mount attacks.
    fn plain_namespace(&self, script: &str) -> String {
        self.hand_over();
        let mut cmd = Command::new("unshare");
        cmd.args(["-Urm", "--propagation", "private", "sh", "-c", script])
            .current_dir(self.repo())
            .env("HOME", self.home())
            .stdin(Stdio::null());
        if let Some((uid, gid)) = self.user {
            cmd.uid(uid).gid(gid);
        }
        let out = cmd.output().unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

/// A process outside the sandbox, of the same user, with a recognisable
/// command line and environment.
struct Bystander {
    child: Child,
    marker: String,
}

impl Bystander {
    fn start(user: User) -> Bystander {
        let marker = format!("bystander-{}", std::process::id());
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 120", &marker])
            .env("BYSTANDER_SECRET", format!("{marker}-environ"))
            .stdin(Stdio::null());
        if let Some((uid, gid)) = user {
            cmd.uid(uid).gid(gid);
        }
        Bystander {
            child: cmd.spawn().unwrap(),
            marker,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Bystander {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn remounting_the_root_read_write_does_not_reach_the_home() {
    let script = "mount -o remount,bind,rw / 2>&1; echo pwned >> \"$HOME/.bashrc\"; true";
    for user in users() {
        let scene = Scene::new(user);
        let out = scene.sandboxed(script);
        assert_eq!(scene.bashrc(), "original\n", "{user:?}: {out}");
        scene.plain_namespace(script);
        assert!(scene.bashrc().contains("pwned"), "{user:?}: control");
    }
}

#[test]
fn unmounting_the_workspace_overlay_does_not_reach_the_users_files() {
    let script = "ws=$PWD; cd /; umount -l \"$ws\" 2>&1; umount \"$ws\" 2>&1; \
                  echo pwned > \"$ws/src/greet.py\"; true";
    for user in users() {
        let scene = Scene::new(user);
        let before = std::fs::read_to_string(scene.repo().join("src/greet.py")).unwrap();
        let out = scene.sandboxed(script);
        let after = std::fs::read_to_string(scene.repo().join("src/greet.py")).unwrap();
        assert_eq!(after, before, "{user:?}: {out}");
        scene.plain_namespace(script);
        let after = std::fs::read_to_string(scene.repo().join("src/greet.py")).unwrap();
        assert_eq!(after, "pwned\n", "{user:?}: control");
    }
}

#[test]
fn mounting_over_the_workspace_is_refused() {
    let script = "mount -t tmpfs none \"$PWD\" 2>&1 && echo MOUNTED; ls \"$PWD\"";
    for user in users() {
        let scene = Scene::new(user);
        let out = scene.sandboxed(script);
        assert!(!out.contains("MOUNTED"), "{user:?}: {out}");
        assert!(
            out.contains("src"),
            "{user:?}: the workspace is still there: {out}"
        );
        let control = scene.plain_namespace(script);
        assert!(control.contains("MOUNTED"), "{user:?}: control: {control}");
    }
}

#[test]
fn unmounting_proc_does_not_show_the_hosts_processes() {
    let script = "umount -l /proc 2>&1; umount /proc 2>&1; \
                  cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '";
    for user in users() {
        let scene = Scene::new(user);
        let bystander = Bystander::start(user);
        let out = scene.sandboxed(script);
        assert!(!out.contains(&bystander.marker), "{user:?}: {out}");
        let control = scene.plain_namespace(script);
        assert!(control.contains(&bystander.marker), "{user:?}: control");
    }
}

#[test]
fn a_new_user_namespace_does_not_give_the_mounts_back() {
    let script = "unshare -Urm sh -c 'mount -o remount,bind,rw / && echo REMOUNTED; \
                  echo pwned >> \"$HOME/.bashrc\"' 2>&1; true";
    for user in users() {
        let scene = Scene::new(user);
        let out = scene.sandboxed(script);
        assert!(!out.contains("REMOUNTED"), "{user:?}: {out}");
        assert_eq!(scene.bashrc(), "original\n", "{user:?}: {out}");
        let control = scene.local(script);
        assert!(
            control.contains("REMOUNTED"),
            "{user:?}: control: {control}"
        );
        assert!(scene.bashrc().contains("pwned"), "{user:?}: control");
    }
}

#[test]
fn nsenter_cannot_join_a_process_outside() {
    for user in users() {
        let scene = Scene::new(user);
        let bystander = Bystander::start(user);
        let script = format!(
            "nsenter -t {} -m -- sh -c 'echo ENTERED' 2>&1; true",
            bystander.pid()
        );
        let out = scene.sandboxed(&script);
        assert!(!out.contains("ENTERED"), "{user:?}: {out}");
        // Joining a mount namespace takes a capability outside, too.
        if user.is_none() && is_root() {
            let control = scene.local(&script);
            assert!(control.contains("ENTERED"), "control: {control}");
        }
    }
}

#[test]
fn ptrace_cannot_reach_a_process_outside() {
    for user in users() {
        let scene = Scene::new(user);
        let bystander = Bystander::start(user);
        let script = format!(
            "python3 -c \"import ctypes; l=ctypes.CDLL(None, use_errno=True); \
             r=l.ptrace(16, {}, 0, 0); print('ATTACHED' if r == 0 else 'refused', ctypes.get_errno())\"",
            bystander.pid()
        );
        let out = scene.sandboxed(&script);
        assert!(out.contains("refused"), "{user:?}: {out}");
        let control = scene.local(&script);
        assert!(control.contains("ATTACHED"), "{user:?}: control: {control}");
    }
}

#[test]
fn the_environment_of_a_process_outside_is_out_of_reach() {
    for user in users() {
        let scene = Scene::new(user);
        let bystander = Bystander::start(user);
        let script = format!(
            "cat /proc/{}/environ 2>&1 | tr '\\0' '\\n'; true",
            bystander.pid()
        );
        let out = scene.sandboxed(&script);
        let secret = format!("{}-environ", bystander.marker);
        assert!(!out.contains(&secret), "{user:?}: {out}");
        let control = scene.local(&script);
        assert!(control.contains(&secret), "{user:?}: control: {control}");
    }
}

#[test]
fn writes_through_proc_self_root_stay_inside() {
    let script = "echo pwned >> \"/proc/self/root$HOME/.bashrc\" 2>&1; true";
    for user in users() {
        let scene = Scene::new(user);
        let out = scene.sandboxed(script);
        assert_eq!(scene.bashrc(), "original\n", "{user:?}: {out}");
        scene.local(script);
        assert!(scene.bashrc().contains("pwned"), "{user:?}: control");
    }
}

#[test]
fn links_planted_in_the_repository_do_not_lead_outside() {
    for user in users() {
        for kind in ["hard", "symbolic"] {
            let scene = Scene::new(user);
            let target = scene.outside_file();
            let link = scene.repo().join("planted");
            if kind == "hard" {
                std::fs::hard_link(&target, &link).unwrap();
            } else {
                std::os::unix::fs::symlink(&target, &link).unwrap();
            }
            let script = "echo pwned >> planted 2>&1; true";
            let out = scene.sandboxed(script);
            let now = std::fs::read_to_string(&target).unwrap();
            assert_eq!(now, "original\n", "{user:?} {kind}: {out}");
            scene.local(script);
            let now = std::fs::read_to_string(&target).unwrap();
            assert!(now.contains("pwned"), "{user:?} {kind}: control");
        }
    }
}

#[test]
fn host_unix_sockets_are_out_of_reach() {
    for user in users() {
        let scene = Scene::new(user);
        let path = std::env::temp_dir().join(format!(
            "tandem-escape-{}-{}.sock",
            std::process::id(),
            user.map_or(0, |u| u.0)
        ));
        let _ = std::fs::remove_file(&path);
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        listener.set_nonblocking(true).unwrap();
        Command::new("chmod")
            .arg("777")
            .arg(&path)
            .status()
            .unwrap();
        let script = format!(
            "echo \"sock=[$SSH_AUTH_SOCK]\"; python3 -c \"import socket; \
             s=socket.socket(socket.AF_UNIX); s.connect('{}'); s.sendall(b'hi'); \
             print('CONNECTED')\" 2>&1 | tail -1",
            path.display()
        );
        let sock = path.to_str().unwrap();
        let out = scene.exec("overlay", &script, &[], &[("SSH_AUTH_SOCK", sock)]);
        assert!(out.contains("sock=[]"), "{user:?}: {out}");
        assert!(!out.contains("CONNECTED"), "{user:?}: {out}");
        assert!(listener.accept().is_err(), "{user:?}: a connection arrived");
        let control = scene.local(&script);
        assert!(
            control.contains("CONNECTED"),
            "{user:?}: control: {control}"
        );
        let mut conn = listener.accept().expect("control: a connection").0;
        conn.set_nonblocking(false).unwrap();
        let mut got = String::new();
        conn.read_to_string(&mut got).unwrap();
        assert_eq!(got, "hi");
        let _ = std::fs::remove_file(&path);
    }
}

#[test]
fn credentials_do_not_reach_the_model() {
    let script = "cat ~/.ssh/id_ed25519 ~/.aws/credentials ~/.config/gh/hosts.yml 2>&1; \
                  echo \"db=[$DATABASE_URL]\"";
    let url = "postgres://app:db-password-5f3@db.internal/app";
    for user in users() {
        let scene = Scene::new(user);
        let files = [
            (".ssh/id_ed25519", "ssh-key-material-9c1"),
            (".aws/credentials", "aws-secret-7a2"),
            (".config/gh/hosts.yml", "gh-token-4e8"),
        ];
        for (rel, secret) in files {
            let path = scene.home().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, secret).unwrap();
        }
        let out = scene.exec("overlay", script, &[], &[("DATABASE_URL", url)]);
        for (rel, secret) in files {
            assert!(
                !out.contains(secret),
                "{user:?}: {rel} reached the model: {out}"
            );
        }
        assert!(out.contains("db=[]"), "{user:?}: {out}");
        let allow = "sandbox.allow_env=[\"DATABASE_URL\"]";
        let control = scene.exec("local", script, &[allow], &[("DATABASE_URL", url)]);
        for (rel, secret) in files {
            assert!(
                control.contains(secret),
                "{user:?}: control {rel}: {control}"
            );
        }
        assert!(control.contains(url), "{user:?}: control: {control}");
    }
}

#[test]
fn credentials_named_in_allow_read_are_readable_and_deny_read_adds_more() {
    for user in users() {
        let scene = Scene::new(user);
        std::fs::create_dir_all(scene.home().join(".aws")).unwrap();
        std::fs::write(scene.home().join(".aws/config"), "aws-config-1b").unwrap();
        std::fs::write(scene.home().join(".vault-token"), "vault-token-3d").unwrap();
        let out = scene.exec(
            "overlay",
            "cat ~/.aws/config ~/.vault-token 2>&1",
            &[
                "sandbox.allow_read=[\"~/.aws\"]",
                "sandbox.deny_read=[\"~/.vault-token\"]",
            ],
            &[],
        );
        assert!(out.contains("aws-config-1b"), "{user:?}: {out}");
        assert!(!out.contains("vault-token-3d"), "{user:?}: {out}");
    }
}

#[test]
fn root_inside_has_no_capabilities_and_setuid_gains_nothing() {
    for user in users() {
        let scene = Scene::new(user);
        // A setuid-root copy of `id`, made as root, in a folder that is not
        // handed over (a chown would clear the bit).
        let dir = shared_dir();
        let suid = dir.path().join("suid-id");
        std::fs::copy("/usr/bin/id", &suid).unwrap();
        let planted = is_root()
            && Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "chmod 755 {0} && chown 0:0 {1} && chmod 4755 {1}",
                    dir.path().display(),
                    suid.display()
                ))
                .status()
                .unwrap()
                .success();
        let script = format!("grep CapEff /proc/self/status; {} -u", suid.display());
        let out = scene.sandboxed(&script);
        assert!(out.contains("CapEff:\t0000000000000000"), "{user:?}: {out}");
        if let (Some((uid, _)), true) = (user, planted) {
            assert!(out.lines().any(|l| l.trim() == uid.to_string()), "{out}");
            let control = scene.local(&script);
            assert!(
                control.lines().any(|l| l.trim() == "0"),
                "control: {control}"
            );
        }
        if user.is_none() && is_root() {
            let control = scene.local(&script);
            assert!(!control.contains("CapEff:\t0000000000000000"), "{control}");
        }
    }
}

#[test]
fn a_fork_bomb_is_bounded() {
    let script = "python3 -c \"
import os, time
n = 0
for i in range(300):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(3)
        os._exit(0)
    n += 1
print('forked', n)
\"";
    for user in users() {
        let scene = Scene::new(user);
        let out = scene.exec("overlay", script, &["sandbox.max_processes=50"], &[]);
        let forked: u32 = out
            .split_whitespace()
            .skip_while(|w| *w != "forked")
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{user:?}: {out}"));
        assert!(forked < 50, "{user:?}: {out}");
        let control = scene.exec("local", script, &["sandbox.max_processes=50"], &[]);
        assert!(
            control.contains("forked 300"),
            "{user:?}: control: {control}"
        );
    }
}

/// `tandem task start` (background, `auto` by default) gets the same
/// sandbox as `exec`.
#[test]
fn background_tasks_get_the_same_walls() {
    let script = "mount -o remount,bind,rw / 2>&1; echo pwned >> \"$HOME/.bashrc\"; \
                  cat ~/.ssh/id_ed25519 2>&1; echo \"db=[$DATABASE_URL]\"; true";
    for user in users() {
        let scene = Scene::new(user);
        std::fs::create_dir_all(scene.home().join(".ssh")).unwrap();
        std::fs::write(scene.home().join(".ssh/id_ed25519"), "ssh-key-material-2f").unwrap();
        scene.hand_over();
        let model = ScriptedServer::start(
            Script::new()
                .turn(Turn::new().tool_use("shell", json!({ "command": script })))
                .turn(Turn::say("done")),
        );
        let task = |args: &[&str]| {
            let mut cmd = tandem_as(user, scene.home());
            cmd.arg("task")
                .arg("-C")
                .arg(scene.repo())
                .args(args)
                .env("DATABASE_URL", "postgres://u:task-pw-8@h/db");
            let out = cmd.output().unwrap();
            assert!(out.status.success(), "{user:?}: {}", describe(&out));
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        let id = task(&[
            "start",
            "attack",
            "--provider",
            "anthropic",
            "-m",
            "m",
            "--base-url",
            &model.url(),
            "-c",
            "model.api_key=\"k\"",
        ]);
        task(&["wait", &id]);
        let requests = model.requests();
        assert!(
            requests.len() >= 2,
            "{user:?}: the task did not run the command"
        );
        let out = tool_results(&requests[1]).join("\n");
        assert_eq!(scene.bashrc(), "original\n", "{user:?}: {out}");
        assert!(!out.contains("ssh-key-material-2f"), "{user:?}: {out}");
        assert!(out.contains("db=[]"), "{user:?}: {out}");
    }
}
