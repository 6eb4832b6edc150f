//! Background tasks through the real binary (`tandem task …`, `tandem exec
//! --background`) against the scripted model server: concurrency and
//! isolation, follow-ups, best-of-N, and results committed to a branch.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::tool_results;

fn tandem(home: &Path, repo: &Path, model: &ScriptedServer, args: &[&str]) -> Output {
    tandem_command(home)
        .arg("task")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("TEST_API_KEY", "x")
        .env("TANDEM_TEST_MODEL_URL", model.url())
        .output()
        .expect("run tandem")
}

fn model_flags(model: &ScriptedServer) -> Vec<String> {
    vec![
        "--provider".into(),
        "anthropic".into(),
        "-m".into(),
        "test-model".into(),
        "--base-url".into(),
        model.url(),
        "-c".into(),
        "model.api_key_env=\"TEST_API_KEY\"".into(),
    ]
}

/// Start a task; returns its id.
fn start(
    home: &Path,
    repo: &Path,
    model: &ScriptedServer,
    prompt: &str,
    extra: &[&str],
) -> Vec<String> {
    let flags = model_flags(model);
    let mut args: Vec<&str> = vec!["start", prompt];
    args.extend(flags.iter().map(String::as_str));
    args.extend(extra);
    let out = tandem(home, repo, model, &args);
    assert!(out.status.success(), "{}", describe(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn wait(home: &Path, repo: &Path, model: &ScriptedServer, ids: &[String]) {
    let mut args = vec!["wait"];
    args.extend(ids.iter().map(String::as_str));
    let out = tandem(home, repo, model, &args);
    assert!(out.status.success(), "{}", describe(&out));
}

fn show(home: &Path, repo: &Path, model: &ScriptedServer, id: &str) -> Value {
    let out = tandem(home, repo, model, &["show", id, "--json"]);
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Write `<name>.txt`, list the folder and read a file, then finish.
fn isolated_task(name: &str) -> Vec<Turn> {
    vec![
        // Slow tokens: every task is still in its first call when the
        // others make theirs, if they really run at once.
        Turn::new()
            .tool_use(
                "write",
                json!({"path": format!("{name}.txt"), "content": format!("from {name}\n")}),
            )
            .token_delay_ms(150),
        Turn::new()
            .tool_use("shell", json!({"command": "ls *.txt; echo listed"}))
            .tool_use("read", json!({"path": "src/greet.py"})),
        Turn::say(&format!("Task {name} done.")),
    ]
}

#[test]
fn three_tasks_run_at_once_each_with_its_own_diff_citations_and_commands() {
    let script = Script::new()
        .conversation("task-alpha", isolated_task("alpha"))
        .conversation("task-beta", isolated_task("beta"))
        .conversation("task-gamma", isolated_task("gamma"));
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let mut ids = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        ids.extend(start(
            home.path(),
            repo.path(),
            &model,
            &format!("task-{name}: write a file"),
            &[],
        ));
    }
    assert_eq!(ids.len(), 3);
    wait(home.path(), repo.path(), &model, &ids);

    // Their model requests interleave: each task's first call came before
    // any task's second.
    let order: Vec<(usize, usize)> = model
        .requests()
        .iter()
        .map(|r| (r.conversation.unwrap(), r.turn.unwrap()))
        .collect();
    let mut firsts: Vec<usize> = order.iter().take(3).map(|(c, _)| *c).collect();
    firsts.sort();
    assert_eq!(
        firsts,
        vec![0, 1, 2],
        "requests did not interleave: {order:?}"
    );

    for (id, name) in ids.iter().zip(["alpha", "beta", "gamma"]) {
        let task = show(home.path(), repo.path(), &model, id);
        assert_eq!(task["task"]["state"], "done", "{task}");
        let diff = task["diff"].as_str().unwrap();
        assert!(diff.contains(&format!("+from {name}")), "{diff}");
        let others: Vec<&str> = ["alpha", "beta", "gamma"]
            .into_iter()
            .filter(|n| *n != name)
            .collect();
        for other in &others {
            assert!(
                !diff.contains(other),
                "{name}'s diff has {other}'s file: {diff}"
            );
        }
        let commands = task["result"]["commands"].as_array().unwrap();
        assert_eq!(commands.len(), 1, "{task}");
        assert_eq!(commands[0]["exit_code"], 0);
        let output = commands[0]["output"].as_str().unwrap();
        assert!(output.contains(&format!("{name}.txt")), "{output}");
        for other in &others {
            assert!(
                !output.contains(other),
                "{name} saw {other}'s write: {output}"
            );
        }
        let cited = task["result"]["citations"].to_string();
        assert!(cited.contains("src/greet.py"), "{task}");
        assert_eq!(task["task"]["summary"], format!("Task {name} done."));
    }
    // Nothing reached the user's files.
    assert!(!repo.path().join("alpha.txt").exists());
}

#[test]
fn a_follow_up_continues_from_the_history_and_the_sandbox() {
    let script = Script::new()
        .conversation(
            "FOLLOW-UP: also add a second line",
            vec![
                Turn::new().tool_use("shell", json!({"command": "cat notes.txt"})),
                Turn::new().tool_use(
                    "edit",
                    json!({"path": "notes.txt", "old_string": "first\n", "new_string": "first\nsecond\n"}),
                ),
                Turn::say("Added the second line."),
            ],
        )
        .conversation(
            "write-notes",
            vec![
                Turn::new().tool_use("write", json!({"path": "notes.txt", "content": "first\n"})),
                Turn::say("Wrote notes.txt."),
            ],
        );
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let ids = start(home.path(), repo.path(), &model, "write-notes", &[]);
    wait(home.path(), repo.path(), &model, &ids);
    let out = tandem(
        home.path(),
        repo.path(),
        &model,
        &[
            "follow-up",
            &ids[0],
            "FOLLOW-UP: also add a second line",
            "--wait",
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));

    let requests = model.requests();
    let follow = requests.iter().find(|r| r.conversation == Some(0)).unwrap();
    // The follow-up's first call carries the whole first round.
    assert!(
        follow.body.contains("write-notes") && follow.body.contains("Wrote notes.txt."),
        "{}",
        follow.body
    );
    // Its command saw the first round's file in the sandbox.
    let second = requests
        .iter()
        .filter(|r| r.conversation == Some(0))
        .nth(1)
        .unwrap();
    assert!(
        tool_results(second).iter().any(|r| r.contains("first")),
        "{:?}",
        tool_results(second)
    );
    let task = show(home.path(), repo.path(), &model, &ids[0]);
    assert_eq!(task["task"]["state"], "done");
    assert!(
        task["diff"].as_str().unwrap().contains("+first\n+second"),
        "{task}"
    );
    assert_eq!(
        task["task"]["follow_ups"],
        json!(["FOLLOW-UP: also add a second line"])
    );
    let human = tandem(home.path(), repo.path(), &model, &["show", &ids[0]]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("follow-up: FOLLOW-UP"));
}

#[test]
fn best_of_three_gives_three_attempts_and_applying_one_applies_exactly_its_diff() {
    // One conversation serves all three attempts: the first three turns
    // (slow, so all three attempts are in their first call together) each
    // write a different version; the last three end the attempts.
    let mut turns = Vec::new();
    for v in 1..=3 {
        turns.push(
            Turn::new()
                .tool_use(
                    "edit",
                    json!({"path": "src/greet.py", "old_string": "\"Hello, \"", "new_string": format!("\"Hello v{v}, \"")}),
                )
                .token_delay_ms(150),
        );
    }
    for _ in 1..=3 {
        turns.push(Turn::say("Done."));
    }
    let model = ScriptedServer::start(Script::new().conversation("greet better", turns));
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let ids = start(
        home.path(),
        repo.path(),
        &model,
        "greet better",
        &["--attempts", "3"],
    );
    assert_eq!(ids.len(), 3);
    wait(home.path(), repo.path(), &model, &ids);

    let out = tandem(home.path(), repo.path(), &model, &["attempts", &ids[0]]);
    assert!(out.status.success(), "{}", describe(&out));
    let listing = String::from_utf8_lossy(&out.stdout);
    for n in 1..=3 {
        assert!(listing.contains(&format!("── attempt {n}")), "{listing}");
    }
    let diffs: Vec<String> = ids
        .iter()
        .map(|id| {
            show(home.path(), repo.path(), &model, id)["diff"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut versions: Vec<String> = diffs
        .iter()
        .map(|d| {
            d.lines()
                .find(|l| l.starts_with("+    return"))
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    versions.sort();
    versions.dedup();
    assert_eq!(versions.len(), 3, "attempts are not distinct: {diffs:?}");

    let before = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    let out = tandem(home.path(), repo.path(), &model, &["apply", &ids[1]]);
    assert!(out.status.success(), "{}", describe(&out));
    let after = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    let picked = diffs[1]
        .lines()
        .find(|l| l.starts_with("+    return"))
        .unwrap();
    let expected = before.replacen("    return \"Hello, \" + name", &picked[1..], 1);
    assert_eq!(after, expected);
    assert_eq!(
        show(home.path(), repo.path(), &model, &ids[1])["task"]["state"],
        "applied"
    );
    // The user's later edit makes applying another attempt a conflict that
    // writes nothing.
    std::fs::write(repo.path().join("src/greet.py"), "# mine\n").unwrap();
    let out = tandem(home.path(), repo.path(), &model, &["apply", &ids[2]]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing written"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap(),
        "# mine\n"
    );
}

fn git(repo: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("GIT_AUTHOR_NAME", "User")
        .env("GIT_AUTHOR_EMAIL", "user@example.com")
        .env("GIT_COMMITTER_NAME", "User")
        .env("GIT_COMMITTER_EMAIL", "user@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", describe(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_task_committed_to_a_branch_leaves_the_checkout_alone() {
    let script = Script::new().turn(Turn::new().tool_use(
        "edit",
        json!({"path": "src/greet.py", "old_string": "\"Bye \"", "new_string": "\"Goodbye, \""}),
    ))
    .turn(Turn::new().tool_use("write", json!({"path": "src/extra.py", "content": "X = 1\n"})))
    .turn(Turn::say("Politer farewell and an extra module.\n\nfarewell() says Goodbye."));
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "start"]);
    // An uncommitted edit of the user's, in a file the task does not touch.
    std::fs::write(repo.path().join("README.md"), "mine, not committed\n").unwrap();
    let home = tempfile::tempdir().unwrap();
    let id = start(home.path(), repo.path(), &model, "be politer", &["--wait"]).remove(0);

    let out = tandem(
        home.path(),
        repo.path(),
        &model,
        &[
            "branch",
            &id,
            "--name",
            "polite",
            "--author",
            "Tandem Bot <bot@example.com>",
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(git(repo.path(), &["branch", "--show-current"]), "main");
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "M README.md");
    assert!(!repo.path().join("src/extra.py").exists());
    let tree = git(repo.path(), &["ls-tree", "-r", "--name-only", "polite"]);
    assert_eq!(
        tree.lines().collect::<Vec<_>>(),
        vec![
            ".gitignore",
            "AGENTS.md",
            "README.md",
            "src/extra.py",
            "src/greet.py",
            "src/names.py"
        ]
    );
    let greet = git(repo.path(), &["show", "polite:src/greet.py"]);
    assert!(greet.contains("return \"Goodbye, \" + name"), "{greet}");
    assert_ne!(
        git(repo.path(), &["show", "polite:README.md"]),
        "mine, not committed"
    );
    assert_eq!(
        git(
            repo.path(),
            &["log", "-1", "--format=%an <%ae>|%s", "polite"]
        ),
        "Tandem Bot <bot@example.com>|Politer farewell and an extra module."
    );
    assert_eq!(
        git(repo.path(), &["rev-parse", "polite~1"]),
        git(repo.path(), &["rev-parse", "main"])
    );

    let patch = tandem(home.path(), repo.path(), &model, &["patch", &id]);
    assert!(patch.status.success(), "{}", describe(&patch));
    let patch = String::from_utf8_lossy(&patch.stdout);
    assert!(
        patch.contains("Subject: [PATCH] Politer farewell") && patch.contains("+X = 1"),
        "{patch}"
    );

    // No gh on PATH: a clear message.
    let out = tandem_command(home.path())
        .args(["task", "-C"])
        .arg(repo.path())
        .args(["pr", &id])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`gh` is not installed"),
        "{}",
        describe(&out)
    );
}

#[test]
fn exec_background_returns_the_task_id_at_once() {
    let model =
        ScriptedServer::start(Script::new().turn(Turn::say("All done.").token_delay_ms(400)));
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let flags = model_flags(&model);
    let started = std::time::Instant::now();
    let out = tandem_command(home.path())
        .args(["exec", "--background", "say done", "-C"])
        .arg(repo.path())
        .args(&flags)
        .env("TEST_API_KEY", "x")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let listed = tandem(home.path(), repo.path(), &model, &["list", "--json"]);
    let tasks: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(tasks[0]["id"], id.as_str());
    assert!(
        ["queued", "running"].contains(&tasks[0]["state"].as_str().unwrap()),
        "the task had already finished when exec returned ({:?}): {tasks}",
        started.elapsed()
    );
    wait(home.path(), repo.path(), &model, std::slice::from_ref(&id));
    assert_eq!(
        show(home.path(), repo.path(), &model, &id)["task"]["summary"],
        "All done."
    );
}

#[test]
fn a_killed_worker_leaves_an_interrupted_task_that_resumes() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("write", json!({"path": "half.txt", "content": "half\n"})))
            .turn(Turn::say("this answer is lost with the worker").token_delay_ms(3000))
            .turn(Turn::say("Finished after the restart.")),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let id = start(home.path(), repo.path(), &model, "long job", &[]).remove(0);
    // Wait for the second model call (the slow one), then kill the worker.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while model.requests().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never made its second call"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let listed: Value = serde_json::from_slice(
        &tandem(home.path(), repo.path(), &model, &["list", "--json"]).stdout,
    )
    .unwrap();
    let pid = listed[0]["owner"]["pid"].as_i64().unwrap();
    // SAFETY: the worker's pid, read from its own task record.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let task = show(home.path(), repo.path(), &model, &id);
        if task["task"]["state"] == "interrupted" {
            assert!(task["diff"].as_str().unwrap().contains("+half"), "{task}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never interrupted: {task}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = tandem(home.path(), repo.path(), &model, &["resume", &id, "--wait"]);
    assert!(out.status.success(), "{}", describe(&out));
    let task = show(home.path(), repo.path(), &model, &id);
    assert_eq!(task["task"]["state"], "done");
    assert_eq!(task["task"]["summary"], "Finished after the restart.");
    let last = model.requests().pop().unwrap();
    assert!(
        tool_results(&last).iter().any(|r| r.contains("half.txt")),
        "the resumed call lost the history: {}",
        last.body
    );
}

#[test]
fn hooks_of_a_task_see_its_id_and_transcript() {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
            .turn(Turn::say("Read it.")),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join(".tandem")).unwrap();
    // The hook runs in the task's sandbox: what it writes joins the proposal.
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[[hooks.PreToolUse]]\nmatcher = \"Read\"\nhooks = [{ type = \"command\", command = \"cat > hook-input.json\" }]\n",
    )
    .unwrap();
    // The hook is the repository's own: it runs once the folder is trusted.
    let out = tandem_command(home.path())
        .arg("trust")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let id = start(home.path(), repo.path(), &model, "read greet", &["--wait"]).remove(0);
    let task = show(home.path(), repo.path(), &model, &id);
    let diff = task["diff"].as_str().unwrap();
    let written = diff
        .lines()
        .find_map(|l| l.strip_prefix("+{"))
        .unwrap_or_else(|| panic!("the hook's write is not in the proposal: {diff}"));
    let input: Value = serde_json::from_str(&format!("{{{written}")).unwrap();
    assert_eq!(input["session_id"], id.as_str());
    let transcript = input["transcript_path"].as_str().unwrap();
    assert!(
        transcript.ends_with(&format!("{id}/transcript.jsonl")),
        "{transcript}"
    );
    assert!(
        std::fs::read_to_string(transcript)
            .unwrap()
            .contains("read greet")
    );
}

/// Where the overlay sandbox cannot start (here: no user namespaces left
/// to make, as on hosts that forbid them), a background task does not
/// fall back silently to a copy that isolates nothing: it fails saying
/// why, before any command runs. Choosing `copy` by name runs it.
#[test]
fn without_namespaces_tasks_refuse_rather_than_run_unisolated() {
    if !tandem_tests::tandem::overlay_available() {
        return;
    }
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let cmd = tandem_command(home.path());
        // The same environment, the binary started inside a user namespace
        // that may make no more of them.
        let out = std::process::Command::new("unshare")
            .args(["-Ur", "sh", "-c"])
            .arg("echo 0 > /proc/sys/user/max_user_namespaces && exec \"$@\"")
            .arg("sh")
            .arg(cmd.get_program())
            .arg("task")
            .arg("-C")
            .arg(repo.path())
            .args(args)
            .env_clear()
            .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("TEST_API_KEY", "x")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        // `wait` says a failed task by its exit code.
        assert!(
            out.status.success() || args[0] == "wait",
            "{}",
            describe(&out)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let script = || {
        Script::new()
            .turn(Turn::new().tool_use("shell", json!({ "command": "echo ran > ran.txt" })))
            .turn(Turn::say("done"))
    };

    let model = ScriptedServer::start(script());
    let mut args = vec!["start", "work"];
    let flags = model_flags(&model);
    args.extend(flags.iter().map(String::as_str));
    let id = run(&args);
    run(&["wait", &id]);
    let shown = run(&["show", &id, "--json"]);
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["task"]["state"], "failed", "{shown}");
    let error = shown["task"]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("cannot start") && error.contains("sandbox.backend = \"copy\""),
        "{error}"
    );
    assert!(model.requests().is_empty(), "the model was called");

    // Control: with `copy` chosen by name the same task runs its command.
    let model = ScriptedServer::start(script());
    let flags = model_flags(&model);
    let mut args = vec!["start", "work", "-c", "sandbox.backend=\"copy\""];
    args.extend(flags.iter().map(String::as_str));
    let id = run(&args);
    run(&["wait", &id]);
    let shown: Value = serde_json::from_str(&run(&["show", &id, "--json"])).unwrap();
    assert_eq!(shown["task"]["state"], "done", "{shown}");
    assert!(model.requests().len() >= 2, "the command did not run");
}

#[test]
fn applying_a_task_leaves_out_a_settings_change_until_it_is_named() {
    let hook = "{\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"./x.sh\"}]}]}}\n";
    let model = ScriptedServer::start(Script::new().conversation(
        "add a hook",
        vec![
            Turn::new()
                .tool_use("write", json!({"path": ".claude/settings.json", "content": hook}))
                .tool_use("write", json!({"path": "notes.txt", "content": "notes\n"})),
            Turn::say("Added a Stop hook."),
        ],
    ));
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let ids = start(home.path(), repo.path(), &model, "add a hook", &[]);
    wait(home.path(), repo.path(), &model, &ids);
    let id = &ids[0];
    let files = show(home.path(), repo.path(), &model, id)["files"].clone();
    assert!(
        files
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == ".claude/settings.json" && f["runs_code"] == true),
        "{files:#}"
    );

    let out = tandem(home.path(), repo.path(), &model, &["apply", id]);
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "left out  .claude/settings.json: runs code on your machine; apply it with `tandem task apply {id} --apply-path .claude/settings.json`"
        )),
        "{text}"
    );
    assert!(repo.path().join("notes.txt").exists());
    assert!(!repo.path().join(".claude/settings.json").exists());
    assert_ne!(
        show(home.path(), repo.path(), &model, id)["task"]["state"],
        "applied"
    );

    let out = tandem(
        home.path(),
        repo.path(),
        &model,
        &["apply", id, "--apply-path", ".claude/settings.json"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Applied to your files."));
    assert_eq!(
        std::fs::read_to_string(repo.path().join(".claude/settings.json")).unwrap(),
        hook
    );
    assert_eq!(
        show(home.path(), repo.path(), &model, id)["task"]["state"],
        "applied"
    );
}
