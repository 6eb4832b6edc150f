//! `tandem config`: the effective settings with the layer each came from,
//! and a broken file named with its line and column.

use tandem_tests::tandem::{describe, fixture, tandem_command};

#[test]
fn config_shows_each_value_and_where_it_came_from() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".config/tandem")).unwrap();
    std::fs::write(
        home.path().join(".config/tandem/config.toml"),
        "[agent]\nmax_turns = 40\n[model]\nmodel = \"gpt-5\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(repo.path().join(".tandem")).unwrap();
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[agent]\nmax_turns = 60\n",
    )
    .unwrap();
    let run = || {
        tandem_command(home.path())
            .arg("config")
            .arg("-C")
            .arg(repo.path())
            .args(["-c", "tasks.concurrency=5"])
            .output()
            .unwrap()
    };
    let out = run();
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in:\n{text}"))
            .to_string()
    };
    let turns = line("agent.max_turns");
    assert!(turns.starts_with("agent.max_turns = 60"), "{turns}");
    assert!(
        turns.contains(
            "# .tandem/config.toml (over default: 100, ~/.config/tandem/config.toml: 40)"
        ),
        "{turns}"
    );
    assert!(
        line("model.model").contains("\"gpt-5\"")
            && line("model.model").ends_with("# ~/.config/tandem/config.toml")
    );
    assert!(
        line("tasks.concurrency").contains("= 5") && line("tasks.concurrency").contains("# flags")
    );
    assert!(line("permissions.mode").ends_with("# default"));

    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[agent]\nmax_turns = \"many\"\n",
    )
    .unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".tandem/config.toml:2:"), "{err}");
    // The other layers are still shown.
    assert!(String::from_utf8_lossy(&out.stdout).contains("agent.max_turns = 40"));
}
