//! Settings files with errors, in the editor: the problem is a diagnostic in
//! the file at its line, gone once fixed; a run started while the project's
//! config is broken keeps working on the last settings that loaded.

use serde_json::json;
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;

#[test]
fn a_broken_config_is_shown_in_the_file_and_runs_keep_the_last_good_settings() {
    let model = ScriptedServer::start(Script::new().turn(Turn::say("one")).turn(Turn::say("two")));
    let repo = fixture("greeter");
    std::fs::create_dir_all(repo.path().join(".tandem")).unwrap();
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[agent]\nmax_turns = 10\n",
    )
    .unwrap();
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    let run = lsp.command("tandem.run", json!({"prompt": "first"}))["result"]["run"]
        .as_u64()
        .unwrap();
    assert_eq!(lsp.wait_run_finished(run), "done");

    // The user mistypes a key, unsaved: the editor shows where.
    lsp.open(".tandem/config.toml");
    lsp.type_text(".tandem/config.toml", (1, 0), (1, 9), "max_turnz");
    lsp.wait_until("a config diagnostic", |c| {
        !c.diagnostics(".tandem/config.toml").is_empty()
    });
    let d = lsp.diagnostics(".tandem/config.toml");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["range"]["start"]["line"], 1);
    assert!(
        d[0]["message"].as_str().unwrap().contains("max_turnz"),
        "{d:?}"
    );

    // Saved broken: a run still works, on the last good settings, and says so.
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[agent]\nmax_turnz = 10\n",
    )
    .unwrap();
    let run = lsp.command("tandem.run", json!({"prompt": "second"}))["result"]["run"]
        .as_u64()
        .unwrap();
    assert_eq!(lsp.wait_run_finished(run), "done");
    assert!(lsp.notifications("window/showMessage").iter().any(|m| {
        m["params"]["message"]
            .as_str()
            .unwrap()
            .contains("last settings that loaded")
    }));

    // Fixed: the diagnostic goes.
    lsp.type_text(".tandem/config.toml", (1, 0), (1, 9), "max_turns");
    lsp.wait_until("the diagnostic cleared", |c| {
        c.diagnostics(".tandem/config.toml").is_empty()
    });
}
