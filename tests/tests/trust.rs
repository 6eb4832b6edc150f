//! Folder trust through the real binary: the hooks and MCP servers a
//! repository defines run only once the user trusted the folder (`tandem
//! trust`, `--trust`, the y/N question on a terminal, the editor's
//! Trust / Don't trust), a changed set asks again, the user's own hooks
//! need no trust, and every skip is said in the run's output. Also: a
//! background task's hooks run in its sandbox, without the parent's
//! secrets or the host's network.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;
use tandem_tests::lsp_client::{Answer, Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, overlay_available, tandem_command};
use tandem_tests::terminal::on_terminal;

/// One read (PreToolUse hooks on `Read` run), then done.
fn one_read() -> ScriptedServer {
    ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
            .turn(Turn::say("done")),
    )
}

fn model_args(model: &ScriptedServer) -> Vec<String> {
    ["--provider", "anthropic", "--model", "m", "--base-url"]
        .iter()
        .map(|s| s.to_string())
        .chain([model.url(), "-c".into(), "model.api_key=\"k\"".into()])
        .collect()
}

fn exec(home: &Path, repo: &Path, extra: &[&str]) -> Output {
    let model = one_read();
    let out = tandem_command(home)
        .args(["exec", "look"])
        .args(model_args(&model))
        .args(extra)
        .arg("-C")
        .arg(repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    out
}

fn tandem_trust(home: &Path, args: &[&str]) -> String {
    let out = tandem_command(home)
        .arg("trust")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn touch(marks: &Path, name: &str) -> String {
    format!("touch {}", marks.join(name).display())
}

fn hook(event: &str, matcher: Option<&str>, command: &str) -> Value {
    let mut group = json!({"hooks": [{"type": "command", "command": command}]});
    if let Some(m) = matcher {
        group["matcher"] = m.into();
    }
    json!({ event: [group] })
}

/// A repository defining a hook in each of its files and an MCP server,
/// and a user with hooks of their own. Returns the markers' folder.
fn repo_and_user(repo: &Path, home: &Path) -> PathBuf {
    let marks = home.join("marks");
    std::fs::create_dir_all(&marks).unwrap();
    std::fs::create_dir_all(repo.join(".claude")).unwrap();
    std::fs::create_dir_all(repo.join(".tandem")).unwrap();
    let settings =
        json!({"hooks": hook("PreToolUse", Some("Read"), &touch(&marks, "repo-claude-hook"))});
    std::fs::write(repo.join(".claude/settings.json"), settings.to_string()).unwrap();
    std::fs::write(
        repo.join(".tandem/config.toml"),
        format!(
            "[[hooks.SessionStart]]\nhooks = [{{ type = \"command\", command = \"{}\" }}]\n",
            touch(&marks, "repo-tandem-hook")
        ),
    )
    .unwrap();
    let server = json!({"mcpServers": {"probe": {"command": "sh", "args": ["-c", touch(&marks, "repo-mcp-server")]}}});
    std::fs::write(repo.join(".mcp.json"), server.to_string()).unwrap();
    // The user's own files.
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::create_dir_all(home.join(".config/tandem")).unwrap();
    let user =
        json!({"hooks": hook("PreToolUse", Some("Read"), &touch(&marks, "user-claude-hook"))});
    std::fs::write(home.join(".claude/settings.json"), user.to_string()).unwrap();
    std::fs::write(
        home.join(".config/tandem/config.toml"),
        format!(
            "[[hooks.Stop]]\nhooks = [{{ type = \"command\", command = \"{}\" }}]\n",
            touch(&marks, "user-tandem-hook")
        ),
    )
    .unwrap();
    marks
}

fn ran(marks: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(marks)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in &names {
        std::fs::remove_file(marks.join(n)).unwrap();
    }
    names
}

#[test]
fn repository_commands_run_only_in_a_trusted_folder() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let marks = repo_and_user(repo.path(), home.path());
    let user_only = ["user-claude-hook", "user-tandem-hook"];
    let everything = [
        "repo-claude-hook",
        "repo-mcp-server",
        "repo-tandem-hook",
        "user-claude-hook",
        "user-tandem-hook",
    ];

    // Not trusted, no terminal: the user's hooks run, the repository's
    // three commands are skipped and the output names each.
    let out = exec(home.path(), repo.path(), &[]);
    assert_eq!(ran(&marks), user_only);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "skipped 3 commands defined in this repository (this folder is not trusted yet)"
        ),
        "{stderr}"
    );
    for what in [
        ".claude/settings.json: hook PreToolUse (Read)",
        ".tandem/config.toml: hook SessionStart",
        ".mcp.json: MCP server `probe`",
    ] {
        assert!(stderr.contains(what), "{what}: {stderr}");
    }
    // With --json the same as an event.
    let out = exec(home.path(), repo.path(), &["--json"]);
    assert_eq!(ran(&marks), user_only);
    let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let untrusted = events
        .iter()
        .find(|e| e["type"] == "untrusted")
        .unwrap_or_else(|| panic!("no untrusted event: {events:?}"));
    assert_eq!(
        untrusted["skipped"].as_array().unwrap().len(),
        3,
        "{untrusted}"
    );

    // Trusted: everything runs, and nothing is said about skipping.
    let said = tandem_trust(home.path(), &[repo.path().to_str().unwrap()]);
    assert!(
        said.contains("Trusted") && said.contains("MCP server `probe`"),
        "{said}"
    );
    let out = exec(home.path(), repo.path(), &[]);
    assert_eq!(ran(&marks), everything);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("skipped"));

    // A changed hook set is a new question: nothing of the repository's
    // runs until it is answered.
    let settings =
        json!({"hooks": hook("PreToolUse", Some("Read"), &touch(&marks, "repo-claude-hook-2"))});
    std::fs::write(
        repo.path().join(".claude/settings.json"),
        settings.to_string(),
    )
    .unwrap();
    let out = exec(home.path(), repo.path(), &[]);
    assert_eq!(ran(&marks), user_only);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("its commands changed since you last answered"),
        "{stderr}"
    );
    // --trust runs them for this run only.
    exec(home.path(), repo.path(), &["--trust"]);
    assert!(ran(&marks).contains(&"repo-claude-hook-2".to_string()));
    exec(home.path(), repo.path(), &[]);
    assert_eq!(ran(&marks), user_only);

    // The answers are listed, and a revoked folder is untrusted again.
    let canonical = repo.path().canonicalize().unwrap();
    let list = tandem_trust(home.path(), &["--list"]);
    assert!(
        list.contains(&format!("{} (trusted)", canonical.display())),
        "{list}"
    );
    let said = tandem_trust(home.path(), &["--revoke", repo.path().to_str().unwrap()]);
    assert!(said.contains("trust revoked"), "{said}");
    assert!(!tandem_trust(home.path(), &["--list"]).contains(&canonical.display().to_string()));
}

/// `tandem exec` on a terminal, answering `answer` if asked; what the
/// terminal showed.
fn exec_on_terminal(home: &Path, repo: &Path, answer: &str) -> String {
    let model = one_read();
    let mut exec = tandem_command(home);
    exec.args(["exec", "look"])
        .args(model_args(&model))
        .arg("-C")
        .arg(repo);
    let out = on_terminal(&exec, "", "[y/N]", &format!("{answer}\n"));
    assert!(out.status.success(), "{}", describe(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `tandem exec` on a terminal asks, listing what would run, and keeps
/// the answer for the next runs.
#[test]
fn exec_asks_on_a_terminal_and_remembers() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let marks = repo_and_user(repo.path(), home.path());
    let user_only = ["user-claude-hook", "user-tandem-hook"];
    let question = "This folder defines commands that would run on your machine";

    // No: only the user's hooks run, and the answer is kept.
    let shown = exec_on_terminal(home.path(), repo.path(), "n");
    assert!(
        shown.contains(question)
            && shown.contains(".mcp.json: MCP server `probe`: sh -c touch")
            && shown.contains("Trust this folder and run them? [y/N]"),
        "{shown}"
    );
    assert_eq!(ran(&marks), user_only);
    let shown = exec_on_terminal(home.path(), repo.path(), "y");
    assert!(!shown.contains(question), "asked again: {shown}");
    assert!(
        shown.contains("you chose not to trust this folder"),
        "{shown}"
    );
    assert_eq!(ran(&marks), user_only);

    // Forgotten, asked again; yes runs everything, now and later.
    tandem_trust(home.path(), &["--revoke", repo.path().to_str().unwrap()]);
    let shown = exec_on_terminal(home.path(), repo.path(), "y");
    assert!(shown.contains(question), "{shown}");
    assert_eq!(ran(&marks).len(), 5);
    exec(home.path(), repo.path(), &[]);
    assert_eq!(ran(&marks).len(), 5);
}

fn run(lsp: &LspClient) -> u64 {
    let run = lsp.command("tandem.run", json!({ "prompt": "look" }))["result"]["run"]
        .as_u64()
        .unwrap();
    assert_eq!(lsp.wait_run_finished(run), "done");
    run
}

fn trust_questions(lsp: &LspClient) -> Vec<Value> {
    lsp.server_requests("window/showMessageRequest")
        .into_iter()
        .filter(|r| {
            r["params"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Trust this folder"))
        })
        .collect()
}

/// The editor asks once per folder (Trust / Don't trust, listing what
/// would run) and honours the answer.
#[test]
fn the_editor_asks_once_and_honours_the_answer() {
    for (answer, runs) in [("Don't trust", false), ("Trust", true)] {
        let repo = fixture("greeter");
        let marks = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join(".claude")).unwrap();
        let settings =
            json!({"hooks": hook("PreToolUse", Some("Read"), &touch(marks.path(), "hook"))});
        std::fs::write(
            repo.path().join(".claude/settings.json"),
            settings.to_string(),
        )
        .unwrap();
        let model = ScriptedServer::start(
            Script::new()
                .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
                .turn(Turn::say("done"))
                .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
                .turn(Turn::say("done"))
                .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
                .turn(Turn::say("done")),
        );
        let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
        lsp.set_answer(Answer::Pick(answer.into()));
        let first = run(&lsp);
        assert_eq!(marks.path().join("hook").exists(), runs, "{answer}");
        let asked = trust_questions(&lsp);
        assert_eq!(asked.len(), 1, "{asked:?}");
        let message = asked[0]["params"]["message"].as_str().unwrap();
        assert!(message.contains("PreToolUse (Read): touch"), "{message}");
        let titles: Vec<&str> = asked[0]["params"]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Trust", "Don't trust"]);
        let told = |method: &str, check: &dyn Fn(&Value) -> bool| {
            lsp.notifications(method)
                .iter()
                .any(|n| check(&n["params"]))
        };
        assert_eq!(
            told("window/showMessage", &|p| p["message"]
                .as_str()
                .is_some_and(|m| m.contains("skipped 1 command"))),
            !runs
        );
        assert_eq!(
            told("tandem/event", &|p| p["run"] == first
                && p["event"]["type"] == "untrusted"),
            !runs
        );
        // Asked once: the next run takes the stored answer.
        let _ = std::fs::remove_file(marks.path().join("hook"));
        run(&lsp);
        assert_eq!(trust_questions(&lsp).len(), 1);
        assert_eq!(marks.path().join("hook").exists(), runs, "{answer}");
        let list = tandem_trust(lsp.home(), &["--list"]);
        let stored = if runs { "(trusted)" } else { "(not trusted)" };
        assert!(list.contains(stored), "{list}");
        // A changed hook is a new question.
        let settings =
            json!({"hooks": hook("PreToolUse", Some("Read"), &touch(marks.path(), "hook-2"))});
        std::fs::write(
            repo.path().join(".claude/settings.json"),
            settings.to_string(),
        )
        .unwrap();
        run(&lsp);
        let asked = trust_questions(&lsp);
        assert_eq!(asked.len(), 2, "{asked:?}");
        let message = asked[1]["params"]["message"].as_str().unwrap();
        assert!(
            message.contains("changed since you last answered"),
            "{message}"
        );
        assert_eq!(marks.path().join("hook-2").exists(), runs, "{answer}");
        assert_eq!(lsp.shutdown(), Some(0));
    }
}

/// A background task's hooks, the user's own included, run inside the
/// task's sandbox: the parent's secrets are not in their environment, the
/// host's loopback is out of reach, and what they write joins the task's
/// proposal. The same hook in `tandem exec` (on the host) sees both: the
/// control that the test would notice.
#[test]
fn a_task_hook_has_no_secrets_and_no_host_network() {
    if !overlay_available() {
        return;
    }
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let probe = format!(
        "echo \"plain=$FOO_PLAIN key=$ANTHROPIC_API_KEY token=$FOO_TOKEN\" > hook-env.txt; \
         if python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), 2)'; \
         then echo host-port-reached >> hook-env.txt; else echo host-port-closed >> hook-env.txt; fi; \
         python3 -c 'import json, sys; open(json.load(sys.stdin)[\"transcript_path\"]).read(); \
         print(\"transcript-readable\")' >> hook-env.txt 2>&1"
    );
    std::fs::create_dir_all(home.path().join(".claude")).unwrap();
    let settings = json!({"hooks": hook("SessionStart", None, &probe)});
    std::fs::write(
        home.path().join(".claude/settings.json"),
        settings.to_string(),
    )
    .unwrap();
    let secrets = [
        ("ANTHROPIC_API_KEY", "sk-ant-parent-secret"),
        ("FOO_TOKEN", "foo-token-secret"),
        ("FOO_PLAIN", "plain-visible"),
    ];

    let model = ScriptedServer::start(Script::new().turn(Turn::say("Nothing to do.")));
    let out = tandem_command(home.path())
        .args(["task", "-C"])
        .arg(repo.path())
        .args(["start", "probe", "--wait"])
        .args([
            "--provider",
            "anthropic",
            "-m",
            "m",
            "--base-url",
            &model.url(),
        ])
        .args(["-c", "model.api_key_env=\"TEST_API_KEY\""])
        .env("TEST_API_KEY", "x")
        .envs(secrets)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let id = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let shown = tandem_command(home.path())
        .args(["task", "-C"])
        .arg(repo.path())
        .args(["show", &id, "--json"])
        .output()
        .unwrap();
    let task: Value = serde_json::from_slice(&shown.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", describe(&shown)));
    let diff = task["diff"].as_str().unwrap();
    // The hook ran, read the environment, and its write is in the proposal…
    assert!(diff.contains("+plain=plain-visible"), "{diff}");
    assert!(!repo.path().join("hook-env.txt").exists());
    // …without the secrets or the host's port.
    assert!(!diff.contains("secret"), "{diff}");
    assert!(diff.contains("+host-port-closed"), "{diff}");
    // The task's own transcript stays readable to its hooks, although
    // Tandem's state folder is hidden in the sandbox.
    assert!(diff.contains("+transcript-readable"), "{diff}");
    assert!(
        listener.accept().is_err(),
        "the task's hook reached the host"
    );

    // Control: on the host (`tandem exec`) the same hook sees both.
    let model = ScriptedServer::start(Script::new().turn(Turn::say("Nothing to do.")));
    let out = tandem_command(home.path())
        .args(["exec", "probe"])
        .args(model_args(&model))
        .arg("-C")
        .arg(repo.path())
        .envs(secrets)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let host = std::fs::read_to_string(repo.path().join("hook-env.txt")).unwrap();
    assert!(
        host.contains("token=foo-token-secret") && host.contains("host-port-reached"),
        "{host}"
    );
    listener.set_nonblocking(false).unwrap();
    assert!(listener.accept().is_ok());
}

/// A repository cannot choose, before it is trusted, settings that would
/// run the agent's commands outside the sandbox (or send the user's key
/// elsewhere): `sandbox.backend = "local"` in its `.tandem/config.toml` is
/// skipped and said so, and holds once the folder is trusted.
#[test]
fn a_repository_cannot_loosen_the_sandbox_before_trust() {
    if !overlay_available() {
        return;
    }
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join(".tandem")).unwrap();
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[sandbox]\nbackend = \"local\"\nnetwork = true\n",
    )
    .unwrap();
    let out = exec(home.path(), repo.path(), &["--mode", "auto"]);
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("sandbox: overlay"), "{said}");
    assert!(
        said.contains("setting sandbox.backend"),
        "the skip is said: {said}"
    );
    // Control: trusted, the repository's choice holds.
    tandem_trust(home.path(), &[repo.path().to_str().unwrap()]);
    let out = exec(home.path(), repo.path(), &["--mode", "auto"]);
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("sandbox: local"), "{said}");
}
