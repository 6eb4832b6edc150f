//! Bad configuration and bad usage get a clear message and exit code 2.

use tandem_tests::tandem::{describe, fixture, tandem_command};

#[test]
fn a_broken_project_config_names_file_and_line() {
    let repo = fixture("greeter");
    std::fs::create_dir_all(repo.path().join(".tandem")).unwrap();
    std::fs::write(
        repo.path().join(".tandem/config.toml"),
        "[model]\nprovider = \"anthropic\"\nmodel = = \"x\"\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "hello", "-C"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(".tandem/config.toml:3:"), "{stderr}");
}

#[test]
fn an_unknown_provider_is_refused_by_name() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "hello", "--provider", "gemini-x", "-C"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gemini-x"));
}

#[test]
fn an_explicit_provider_without_its_key_says_which_variable_to_set() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "hello", "--provider", "anthropic", "-C"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ANTHROPIC_API_KEY"));
}
