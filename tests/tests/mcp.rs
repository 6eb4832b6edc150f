//! MCP servers through the real `tandem exec`: real servers from npm
//! (server-everything over stdio and streamable HTTP, server-filesystem)
//! and a misbehaving one; what their tools answer must reach the model, a
//! server that fails or crashes must not stop the run, permission rules
//! apply to `mcp__server__tool` names. Needs Node.js and npm; the packages
//! are installed from `tests/mcp-servers/package-lock.json` on first use.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use tandem_tests::mcp_servers::{HttpServer, everything, filesystem, flaky, write_mcp_json};
use tandem_tests::scripted::{RecordedRequest, Script, ScriptedServer, Turn};
use tandem_tests::tandem::{answering, describe, fixture, tandem_command};
use tandem_tests::wire::{tool_names, tool_results};

/// Run `tandem exec --json` in `repo` against `script`; the output and the
/// requests the model received.
fn exec(repo: &Path, script: Script, flags: &[&str]) -> (Output, Vec<RecordedRequest>) {
    exec_with_env(repo, script, flags, &[])
}

fn exec_with_env(
    repo: &Path,
    script: Script,
    flags: &[&str],
    env: &[(&str, String)],
) -> (Output, Vec<RecordedRequest>) {
    let model = ScriptedServer::start(script);
    let home = tempfile::tempdir().unwrap();
    let mut cmd = tandem_command(home.path());
    cmd.args(["exec", "use the tools", "--json", "--provider", "anthropic"])
        .args(["--model", "m", "--base-url", &model.url()])
        .args(["-c", "model.api_key=\"k\""])
        // The servers are the repository's own: they start once trusted.
        .arg("--trust")
        .args(flags)
        .arg("-C")
        .arg(repo);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out, model.requests())
}

fn node(script: &Path, args: &[&str]) -> Value {
    let mut all = vec![script.display().to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    json!({ "command": "node", "args": all })
}

/// The `is_error` flags of the tool results in an Anthropic request.
fn error_flags(request: &RecordedRequest) -> Vec<bool> {
    request.json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
        .filter(|b| b["type"] == "tool_result")
        .map(|b| b["is_error"] == true)
        .collect()
}

/// The `mcp_server` events of a `--json` run.
fn mcp_events(out: &Output) -> Vec<Value> {
    events_of(out, "mcp_server")
}

fn call(name: &str, input: Value) -> Turn {
    Turn::new().tool_use(name, input)
}

#[test]
fn stdio_servers_from_mcp_json_answer_the_model() {
    let repo = fixture("greeter");
    let root = repo.path().canonicalize().unwrap();
    let marker = format!("tandem-mcp-stdio-{}", std::process::id());
    let mut everything = node(&everything(), &["stdio"]);
    let mut filesystem = node(&filesystem(), &[&root.display().to_string()]);
    for server in [&mut everything, &mut filesystem] {
        server["env"] = json!({ "TANDEM_MCP_TEST": marker });
    }
    write_mcp_json(
        repo.path(),
        json!({ "everything": everything, "filesystem": filesystem }),
    );
    let readme = root.join("README.md").display().to_string();
    let script = Script::new()
        .turn(
            call(
                "mcp__everything__echo",
                json!({"message": "hello over stdio"}),
            )
            .tool_use("mcp__everything__get-sum", json!({"a": 2, "b": 40}))
            .tool_use("mcp__filesystem__read_file", json!({"path": readme}))
            .tool_use(
                "mcp__filesystem__list_directory",
                json!({"path": root.join("src").display().to_string()}),
            ),
        )
        // Not marked read-only by the server: it asks, and nobody can answer.
        .turn(call(
            "mcp__filesystem__write_file",
            json!({"path": root.join("x.txt").display().to_string(), "content": "x"}),
        ))
        .turn(Turn::say("done"));
    let (out, requests) = exec(repo.path(), script, &[]);
    assert!(out.status.success(), "{}", describe(&out));

    let offered = tool_names(&requests[0]);
    for name in [
        "mcp__everything__echo",
        "mcp__everything__get-sum",
        "mcp__filesystem__read_file",
        "mcp__filesystem__list_directory",
        "read",
    ] {
        assert!(offered.iter().any(|n| n == name), "{name} in {offered:?}");
    }
    let results = tool_results(&requests[1]);
    assert_eq!(results[0], "Echo: hello over stdio");
    assert_eq!(results[1], "The sum of 2 and 40 is 42.");
    assert!(results[2].contains("A fixture project"), "{}", results[2]);
    assert!(
        results[3].contains("greet.py") && results[3].contains("names.py"),
        "{}",
        results[3]
    );
    assert_eq!(error_flags(&requests[1]), [false; 4]);
    let refused = tool_results(&requests[2]).pop().unwrap();
    assert!(refused.contains("nobody can be asked"), "{refused}");
    assert!(!root.join("x.txt").exists());
    // The report's sources name each MCP tool whose result the agent used.
    let report = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| e["type"] == "result")
        .unwrap();
    let used: Vec<&str> = report["sources"]
        .as_array()
        .unwrap_or_else(|| panic!("{report}"))
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        used.contains(&"everything/echo") && used.contains(&"filesystem/read_file"),
        "{used:?}"
    );

    assert!(!running(&marker), "a server outlived the run");
    let events = mcp_events(&out);
    for server in ["everything", "filesystem"] {
        assert!(
            events
                .iter()
                .any(|e| e["server"] == server && e["tools"].as_u64() > Some(3)),
            "{events:?}"
        );
    }
}

#[test]
fn streamable_http_server_with_expanded_url_and_enabled_tools() {
    let server = HttpServer::everything();
    let repo = fixture("greeter");
    write_mcp_json(
        repo.path(),
        json!({"web": {"type": "http", "url": "http://127.0.0.1:${EVERYTHING_PORT}/mcp",
                       "headers": {"X-Test": "${NOT_SET:-fallback}"}}}),
    );
    // Config narrows the project's server to two tools.
    std::fs::create_dir_all(repo.path().join(".tandem")).unwrap();
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[mcp_servers.web]\nenabled_tools = [\"echo\", \"get-sum\"]\n",
    )
    .unwrap();
    let script = Script::new()
        .turn(
            call("mcp__web__echo", json!({"message": "hello over http"}))
                .tool_use("mcp__web__get-sum", json!({"a": 1, "b": 1})),
        )
        .turn(Turn::say("done"));
    let (out, requests) = exec_with_env(
        repo.path(),
        script,
        &[],
        &[("EVERYTHING_PORT", server.port.to_string())],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let mut mcp: Vec<String> = tool_names(&requests[0])
        .into_iter()
        .filter(|n| n.starts_with("mcp__"))
        .collect();
    mcp.sort();
    assert_eq!(mcp, ["mcp__web__echo", "mcp__web__get-sum"]);
    assert_eq!(
        tool_results(&requests[1]),
        ["Echo: hello over http", "The sum of 1 and 1 is 2."]
    );
}

#[test]
fn deny_rules_apply_to_mcp_tools() {
    let repo = fixture("greeter");
    write_mcp_json(
        repo.path(),
        json!({"everything": node(&everything(), &["stdio"])}),
    );
    std::fs::create_dir_all(repo.path().join(".claude")).unwrap();
    std::fs::write(
        repo.path().join(".claude/settings.json"),
        r#"{"permissions": {"deny": ["mcp__everything__echo"]}}"#,
    )
    .unwrap();
    let script = Script::new()
        .turn(
            call(
                "mcp__everything__echo",
                json!({"message": "should not echo"}),
            )
            .tool_use("mcp__everything__get-sum", json!({"a": 3, "b": 4})),
        )
        .turn(Turn::say("done"));
    // Even in auto mode, and although the server marks echo read-only.
    let (out, requests) = exec(repo.path(), script, &["--mode", "auto"]);
    assert!(out.status.success(), "{}", describe(&out));
    let results = tool_results(&requests[1]);
    assert!(
        results[0].contains("not allowed here") && !results[0].contains("Echo:"),
        "{results:?}"
    );
    assert_eq!(results[1], "The sum of 3 and 4 is 7.");
}

#[test]
fn failing_crashing_and_slow_servers_do_not_stop_the_run() {
    let repo = fixture("greeter");
    let marker = format!("tandem-mcp-test-{}", std::process::id());
    let cancels = repo.path().join("cancels.log");
    let mut flaky_server = node(&flaky(), &[]);
    flaky_server["env"] = json!({ "FLAKY_CANCELS": cancels.display().to_string() });
    write_mcp_json(
        repo.path(),
        json!({
            "flaky": flaky_server,
            "ghost": {"command": "/nonexistent/tandem-no-such-mcp-server"},
            "mute": {"command": "sh", "args": ["-c", format!("sleep 60; : {marker}")]},
        }),
    );
    std::fs::create_dir_all(repo.path().join(".tandem")).unwrap();
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[mcp]\ntool_timeout_secs = 2\n\n[mcp_servers.mute]\nstartup_timeout_secs = 1\n",
    )
    .unwrap();
    let script = Script::new()
        .turn(call("mcp__flaky__fail", json!({})))
        .turn(call("mcp__flaky__slow", json!({})))
        .turn(call("mcp__flaky__crash", json!({"why": "test"})))
        .turn(call("mcp__flaky__fail", json!({})))
        .turn(Turn::say("carried on"));
    let (out, requests) = exec(repo.path(), script, &["--mode", "auto"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(requests.len(), 5, "the run went on to the end");

    // isError results reach the model as errors.
    assert_eq!(tool_results(&requests[1]), ["it went wrong on purpose"]);
    assert_eq!(error_flags(&requests[1]), [true]);
    // The per-call timeout.
    let slow = tool_results(&requests[2]).pop().unwrap();
    assert!(slow.contains("did not answer `slow` within 2s"), "{slow}");
    // ... and the server was told to stop working on it.
    let told = std::fs::read_to_string(&cancels).unwrap_or_default();
    assert!(
        told.contains("cancelled slow"),
        "no notifications/cancelled reached the server: {told:?}"
    );
    // The crash mid-call.
    let crash = tool_results(&requests[3]).pop().unwrap();
    assert!(crash.contains("`flaky` stopped"), "{crash}");
    assert_eq!(error_flags(&requests[3]).pop(), Some(true));
    // Its tools are gone afterwards.
    assert!(
        !tool_names(&requests[3])
            .iter()
            .any(|n| n.starts_with("mcp__flaky__"))
    );
    let gone = tool_results(&requests[4]).pop().unwrap();
    assert!(gone.contains("no tool named"), "{gone}");

    let events = mcp_events(&out);
    let error_of = |server: &str| {
        events
            .iter()
            .filter(|e| e["server"] == server)
            .filter_map(|e| e["error"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(error_of("ghost").contains("cannot run"), "{events:?}");
    assert!(
        error_of("mute").contains("did not start within 1s"),
        "{events:?}"
    );
    assert!(
        error_of("flaky").contains("crashing on purpose"),
        "the crash is reported with the server's last words: {events:?}"
    );
    // Nothing of the servers is left running.
    assert!(
        !running(&marker),
        "the server that never started is still running"
    );
}

#[test]
fn tools_follow_the_servers_list_changed_notifications() {
    let repo = fixture("greeter");
    write_mcp_json(repo.path(), json!({"flaky": node(&flaky(), &[])}));
    let script = Script::new()
        .turn(call("mcp__flaky__grow", json!({})))
        // A slow turn: time for the refreshed list to arrive.
        .turn(
            call("list", json!({"path": "."}))
                .text("checking")
                .token_delay_ms(100),
        )
        .turn(call("mcp__flaky__late", json!({"n": 7})))
        .turn(Turn::say("done"));
    let (out, requests) = exec(repo.path(), script, &["--mode", "auto"]);
    assert!(out.status.success(), "{}", describe(&out));
    let has_late = |r: &RecordedRequest| tool_names(r).iter().any(|n| n == "mcp__flaky__late");
    assert!(!has_late(&requests[0]));
    assert!(has_late(&requests[2]), "{:?}", tool_names(&requests[2]));
    assert_eq!(
        tool_results(&requests[3]).pop().unwrap(),
        "late tool ran with 7"
    );
}

/// Whether a process (zombies included) has `marker` in its command line
/// or environment.
fn running(marker: &str) -> bool {
    let holds = |path: &Path| {
        std::fs::read(path).is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
    };
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .any(|e| holds(&e.path().join("cmdline")) || holds(&e.path().join("environ")))
}

/// The `--json` lines of `out` of one `type`.
fn events_of(out: &Output, kind: &str) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["type"] == kind)
        .collect()
}

#[test]
fn a_long_running_tools_progress_is_shown_as_the_call_goes() {
    let repo = fixture("greeter");
    write_mcp_json(
        repo.path(),
        json!({ "everything": node(&everything(), &["stdio"]) }),
    );
    let script = || {
        Script::new()
            .turn(call(
                "mcp__everything__trigger-long-running-operation",
                json!({"duration": 1, "steps": 4}),
            ))
            .turn(Turn::say("done"))
    };
    let (out, requests) = exec(repo.path(), script(), &[]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        tool_results(&requests[1])[0].contains("Long running operation completed"),
        "{:?}",
        tool_results(&requests[1])
    );
    // Each step the server reported, in order, naming the running call.
    let started = &events_of(&out, "tool_call_started")[0];
    let progress = events_of(&out, "tool_progress");
    let steps: Vec<(f64, f64)> = progress
        .iter()
        .map(|e| {
            assert_eq!(e["id"], started["id"], "{e}");
            (
                e["progress"].as_f64().unwrap(),
                e["total"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(steps, vec![(1.0, 4.0), (2.0, 4.0), (3.0, 4.0), (4.0, 4.0)]);
    // Before the call's end, not after it.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last_step = stdout.rfind("\"tool_progress\"").unwrap();
    let finished = stdout.find("\"tool_call_finished\"").unwrap();
    assert!(last_step < finished, "{stdout}");

    // Without --json, the terminal shows them too (piped: a line each).
    let model = ScriptedServer::start(script());
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "use the tools", "--provider", "anthropic"])
        .args(["--model", "m", "--base-url", &model.url()])
        .args(["-c", "model.api_key=\"k\"", "--trust", "-C"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("⋯ 2/4 (50%)") && stderr.contains("⋯ 4/4 (100%)"),
        "{stderr}"
    );
}

#[test]
fn a_servers_form_is_answered_by_the_user_at_the_terminal_and_declined_without_one() {
    let repo = fixture("greeter");
    write_mcp_json(
        repo.path(),
        json!({ "everything": node(&everything(), &["stdio"]) }),
    );
    let script = || {
        Script::new()
            .turn(call(
                "mcp__everything__trigger-elicitation-request",
                json!({}),
            ))
            .turn(Turn::say("done"))
    };
    let command = |model: &ScriptedServer, home: &Path| {
        let mut cmd = tandem_command(home);
        cmd.args(["exec", "ask me", "--provider", "anthropic", "--model", "m"])
            .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
            .args([
                "--trust",
                "--allow",
                "mcp__everything__trigger-elicitation-request",
            ])
            .arg("-C")
            .arg(repo.path());
        cmd
    };
    // A person at the terminal: answers, one field at a time.
    let model = ScriptedServer::start(script());
    let home = tempfile::tempdir().unwrap();
    let mut cmd = command(&model, home.path());
    cmd.args(["--approvals", "prompt"]);
    let (out, typed) = answering(&mut cmd, |line| {
        let asked = line
            .split_once("Tandem asks (MCP server `everything`): ")?
            .1;
        Some(
            match asked.split(':').next().unwrap_or("") {
                s if s.starts_with("Please provide inputs") => "answer",
                "String" => "Ada Lovelace",
                "Boolean" => "yes",
                "Integer" => "7",
                "Titled Single Select Enum" => "3",
                // The rest keep their defaults, or stay out.
                _ => "",
            }
            .to_string(),
        )
    });
    assert!(out.status.success(), "{}", describe(&out));
    assert!(typed > 5, "{typed} answers typed\n{}", describe(&out));
    let result = tool_results(&model.requests()[1]).join("\n");
    for line in [
        "User provided the requested information",
        "- Name: Ada Lovelace",
        "- Agreed to terms: true",
        "- Favorite Integer: 7",
        "- Favorite Number: 3.14",
        "\"titledSingleSelectEnum\": \"hero-3\"",
    ] {
        assert!(result.contains(line), "{line} in {result}");
    }
    // The fields' options were offered by number, titled.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3. hero-3 — Wonder Woman"), "{stderr}");

    // Nobody to ask (piped, no prompting): declined, and the run goes on.
    let model = ScriptedServer::start(script());
    let out = command(&model, home.path()).output().unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let result = tool_results(&model.requests()[1]).join("\n");
    assert!(result.contains("User declined"), "{result}");
}

#[test]
fn a_servers_resources_are_listed_and_read_by_the_model() {
    let repo = fixture("greeter");
    write_mcp_json(
        repo.path(),
        json!({ "everything": node(&everything(), &["stdio"]), "flaky": node(&flaky(), &[]) }),
    );
    let uri = "demo://resource/static/document/features.md";
    let script = Script::new()
        .turn(call("mcp__everything__list_resources", json!({})))
        .turn(call(
            "mcp__everything__read_resource",
            json!({ "uri": uri }),
        ))
        .turn(call("mcp__everything__read_resource", json!({})))
        .turn(Turn::say("done"));
    let (out, requests) = exec(repo.path(), script, &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let listed = tool_results(&requests[1]).pop().unwrap();
    assert!(
        listed.contains(uri) && listed.contains("features.md"),
        "{listed}"
    );
    let read = tool_results(&requests[2]).pop().unwrap();
    let on_disk =
        std::fs::read_to_string(everything().parent().unwrap().join("docs/features.md")).unwrap();
    assert!(read.contains(on_disk.lines().next().unwrap()), "{read}");
    let bad = tool_results(&requests[3]).pop().unwrap();
    assert!(bad.contains("needs `uri`"), "{bad}");
    // Only a server with resources gets the two tools.
    let offered = tool_names(&requests[0]);
    assert!(
        offered
            .iter()
            .any(|n| n == "mcp__everything__read_resource")
    );
    assert!(
        !offered
            .iter()
            .any(|n| n.starts_with("mcp__flaky__") && n.ends_with("_resources")),
        "{offered:?}"
    );
}
