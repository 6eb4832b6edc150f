//! `tandem mcp add | list | get | remove` through the real binary: servers
//! land in the files Claude Code keeps them in (`.mcp.json`,
//! `~/.claude.json`), and a run then offers their tools (a real
//! server-everything over stdio); bad input changes nothing.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use tandem_tests::mcp_servers::everything;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::tool_names;

fn mcp(home: &Path, repo: &Path, args: &[&str]) -> Output {
    // `-C` first: a stdio server's own arguments run to the end.
    tandem_command(home)
        .args(["mcp", "-C"])
        .arg(repo)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The tools a scripted run in `repo` was offered.
fn offered(home: &Path, repo: &Path) -> Vec<String> {
    let model = ScriptedServer::start(Script::new().turn(Turn::say("ok")));
    let out = tandem_command(home)
        .args(["exec", "hello", "--provider", "anthropic", "--model", "m"])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        // Wait for the servers before the first call.
        .args(["-c", "mcp.startup_wait_secs=30"])
        .arg("-C")
        .arg(repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    tool_names(&model.requests()[0])
}

#[test]
fn servers_added_for_the_user_reach_runs_and_removing_them_takes_them_away() {
    let home = tempfile::tempdir().unwrap();
    let repo = fixture("greeter");
    let server = everything().display().to_string();
    std::fs::write(home.path().join(".claude.json"), r#"{"numStartups": 3}"#).unwrap();

    let out = mcp(
        home.path(),
        repo.path(),
        &[
            "add",
            "--scope",
            "user",
            "-e",
            "TANDEM_X=1",
            "everything",
            "node",
            &server,
            "stdio",
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let user: Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join(".claude.json")).unwrap())
            .unwrap();
    assert_eq!(user["numStartups"], 3, "the rest of the file is kept");
    assert_eq!(
        user["mcpServers"]["everything"],
        json!({"type": "stdio", "command": "node", "args": [server, "stdio"], "env": {"TANDEM_X": "1"}})
    );
    // A project server is the repository's .mcp.json.
    let out = mcp(
        home.path(),
        repo.path(),
        &[
            "add",
            "-s",
            "project",
            "-t",
            "http",
            "-H",
            "Authorization: Bearer t",
            "docs",
            "http://127.0.0.1:9/mcp",
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("trust this folder"),
        "{}",
        stdout(&out)
    );
    let project: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join(".mcp.json")).unwrap())
            .unwrap();
    assert_eq!(
        project["mcpServers"]["docs"],
        json!({"type": "http", "url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer t"}})
    );

    let list = stdout(&mcp(home.path(), repo.path(), &["list"]));
    assert!(
        list.contains("everything  (user)  stdio node")
            && list.contains("docs  (project)  http http://127.0.0.1:9/mcp"),
        "{list}"
    );
    let got = mcp(home.path(), repo.path(), &["get", "docs"]);
    assert!(
        stdout(&got).contains("project scope") && stdout(&got).contains("Bearer t"),
        "{}",
        stdout(&got)
    );

    // The user's server joins a run, without any folder trust.
    let tools = offered(home.path(), repo.path());
    assert!(
        tools.iter().any(|t| t == "mcp__everything__echo"),
        "{tools:?}"
    );

    let out = mcp(home.path(), repo.path(), &["remove", "everything"]);
    assert!(out.status.success(), "{}", describe(&out));
    let tools = offered(home.path(), repo.path());
    assert!(
        !tools.iter().any(|t| t.starts_with("mcp__everything")),
        "{tools:?}"
    );
    assert_eq!(
        mcp(home.path(), repo.path(), &["get", "everything"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let repo = fixture("greeter");
    std::fs::write(repo.path().join(".mcp.json"), "{ broken").unwrap();
    for (args, says) in [
        (vec!["add", "-s", "project", "x", "cmd"], "not valid JSON"),
        (
            vec!["add", "-t", "http", "x", "ftp://host"],
            "not an http(s) URL",
        ),
        (
            vec!["add", "-e", "NOEQUALS", "x", "cmd"],
            "expected KEY=VALUE",
        ),
        (
            vec!["add", "-H", "Auth: t", "x", "cmd"],
            "--header is for HTTP servers",
        ),
    ] {
        let out = mcp(home.path(), repo.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{args:?}: {}",
            describe(&out)
        );
    }
    assert_eq!(
        std::fs::read_to_string(repo.path().join(".mcp.json")).unwrap(),
        "{ broken"
    );
    assert!(!home.path().join(".claude.json").exists());
    // A name taken in that scope is refused too.
    assert!(
        mcp(home.path(), repo.path(), &["add", "x", "cmd"])
            .status
            .success()
    );
    let again = mcp(home.path(), repo.path(), &["add", "x", "other"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    // Looking through a broken file names it; with it mended, a server
    // that is nowhere is exit 1.
    let broken = mcp(home.path(), repo.path(), &["remove", "nope"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains(".mcp.json is not valid JSON"));
    std::fs::write(repo.path().join(".mcp.json"), "{}").unwrap();
    assert_eq!(
        mcp(home.path(), repo.path(), &["remove", "nope"])
            .status
            .code(),
        Some(1)
    );
}
