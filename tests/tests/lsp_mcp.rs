//! MCP servers in the editor: started once and shared by the workspace's
//! runs (a server may take seconds to start), started afresh when
//! `.mcp.json` changes or a server has stopped, and stopped with the
//! language server. The server is `flaky-server.mjs`, which logs the pid of
//! every start.

use serde_json::{Value, json};
use std::path::Path;
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::mcp_servers::{flaky, write_mcp_json};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::tool_results;

fn flaky_entry(starts: &Path, extra_env: Value) -> Value {
    let mut env = json!({ "FLAKY_STARTS": starts.display().to_string() });
    env.as_object_mut()
        .unwrap()
        .extend(extra_env.as_object().cloned().unwrap_or_default());
    json!({ "flaky": { "command": "node", "args": [flaky().display().to_string()], "env": env } })
}

fn pids(starts: &Path) -> Vec<u32> {
    std::fs::read_to_string(starts)
        .unwrap_or_default()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
}

fn alive(pid: u32) -> bool {
    // A zombie is gone as far as the user is concerned.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// A run whose model calls `mcp__flaky__<tool>` once, then says `done`.
fn two_turns(tool: &str, done: &str) -> [Turn; 2] {
    [
        Turn::new().tool_use(&format!("mcp__flaky__{tool}"), json!({})),
        Turn::say(done),
    ]
}

/// `tandem trust` of `repo` for the user whose home is `home`.
fn trust(home: &Path, repo: &Path) {
    let out = tandem_command(home)
        .arg("trust")
        .arg(repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
}

fn run(lsp: &LspClient, prompt: &str) -> u64 {
    // Runs of their own conversations: each request's tool results are its run's.
    lsp.command("tandem.newConversation", json!({}));
    let run = lsp.command("tandem.run", json!({ "prompt": prompt }))["result"]["run"]
        .as_u64()
        .unwrap();
    assert_eq!(lsp.wait_run_finished(run), "done");
    run
}

#[test]
fn runs_share_the_workspace_mcp_servers() {
    let mut script = Script::new();
    for turn in [
        two_turns("fail", "one"),
        two_turns("fail", "two"),
        two_turns("fail", "three"),
        two_turns("crash", "four"),
        two_turns("fail", "five"),
    ]
    .into_iter()
    .flatten()
    {
        script = script.turn(turn);
    }
    let model = ScriptedServer::start(script);
    let repo = fixture("greeter");
    let log = tempfile::tempdir().unwrap();
    let starts = log.path().join("flaky-starts");
    write_mcp_json(repo.path(), flaky_entry(&starts, json!({})));
    // The servers are the repository's own: trust it first.
    let home = tempfile::tempdir().unwrap();
    trust(home.path(), repo.path());
    let lsp = LspClient::start_in_home(
        repo.path(),
        scripted_options(&model.url()),
        Enc::Utf16,
        home,
    );

    // Two runs, one server process: both got its tool's answer.
    let first = run(&lsp, "use the flaky server");
    let second = run(&lsp, "use it again");
    assert_eq!(pids(&starts).len(), 1, "started once: {:?}", pids(&starts));
    let requests = model.requests();
    for i in [1, 3] {
        assert_eq!(tool_results(&requests[i]), vec!["it went wrong on purpose"]);
    }
    // The second run is told the server is ready although it did not
    // start it.
    let ready = |run: u64| {
        lsp.notifications("tandem/event").iter().any(|n| {
            n["params"]["run"] == run
                && n["params"]["event"]["type"] == "mcp_server"
                && n["params"]["event"]["server"] == "flaky"
                && n["params"]["event"]["error"].is_null()
        })
    };
    assert!(ready(first) && ready(second));

    // A changed .mcp.json: a new server for the next run, the old one stopped.
    write_mcp_json(repo.path(), flaky_entry(&starts, json!({"MODE": "b"})));
    trust(lsp.home(), repo.path()); // a changed server is trusted anew
    run(&lsp, "after the change");
    let now = pids(&starts);
    assert_eq!(now.len(), 2, "{now:?}");
    lsp.wait_until("the replaced server to stop", |_| !alive(now[0]));

    // The server crashes mid-call; the next run gets a new one.
    run(&lsp, "crash it");
    assert!(!alive(now[1]));
    run(&lsp, "after the crash");
    let now = pids(&starts);
    assert_eq!(now.len(), 3, "{now:?}");
    let requests = model.requests();
    assert_eq!(tool_results(&requests[9]), vec!["it went wrong on purpose"]);

    // Shutting down the language server stops it.
    assert_eq!(lsp.shutdown(), Some(0));
    assert!(!alive(now[2]), "the server outlived the language server");
}
