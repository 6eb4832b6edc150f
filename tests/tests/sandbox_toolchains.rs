//! Ordinary work inside the hardened sandbox: a Rust, a Node and a Python
//! project run their tests there (toolchains and caches under the home are
//! readable, build output goes to the task's layer), and what the commands
//! write becomes the proposal while ignored build output does not.

use serde_json::json;
use std::path::Path;
use std::process::Command;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, overlay_available, tandem_command};
use tandem_tests::wire::tool_results;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project(root: &Path) {
    write(root, ".gitignore", "target/\nnode_modules/\n__pycache__/\n");
    write(
        root,
        "rs/Cargo.toml",
        "[package]\nname = \"adder\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(
        root,
        "rs/src/lib.rs",
        "pub fn add(a: u32, b: u32) -> u32 { a + b }\n\
         #[test]\nfn adds() { assert_eq!(add(2, 2), 4); }\n",
    );
    write(
        root,
        "js/add.test.js",
        "const test = require('node:test');\nconst assert = require('node:assert');\n\
         test('adds', () => assert.strictEqual(2 + 2, 4));\n",
    );
    write(
        root,
        "py/test_add.py",
        "import unittest\n\nclass T(unittest.TestCase):\n    def test_adds(self):\n        \
         self.assertEqual(2 + 2, 4)\n",
    );
    for args in [&["init", "-q"][..], &["add", "-A"]] {
        assert!(
            Command::new("git")
                .args(args)
                .current_dir(root)
                .status()
                .unwrap()
                .success()
        );
    }
}

#[test]
fn rust_node_and_python_tests_pass_in_the_sandbox() {
    if !overlay_available() {
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    project(repo.path());
    let home = tempfile::tempdir().unwrap();
    // The developer's toolchains, as a user's shell would have them.
    let real_home = std::env::var("HOME").unwrap_or_default();
    let rustup = std::env::var("RUSTUP_HOME").unwrap_or(format!("{real_home}/.rustup"));
    let cargo = std::env::var("CARGO_HOME").unwrap_or(format!("{real_home}/.cargo"));
    let script = "(cd rs && cargo test --offline -q 2>&1 | grep 'test result'); \
                  (cd js && node --test 2>&1 | grep -E '^# (pass|fail)'); \
                  (cd py && python3 -m unittest 2>&1 | tail -1); \
                  echo checked > result.txt";
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("shell", json!({ "command": script })))
            .turn(Turn::say("done")),
    );
    let out = tandem_command(home.path())
        .args([
            "exec",
            "run the tests",
            "--provider",
            "anthropic",
            "--model",
            "m",
        ])
        .args(["--base-url", &model.url()])
        .args(["-c", "model.api_key=\"k\""])
        .args(["-c", "sandbox.backend=\"overlay\""])
        .args(["--mode", "auto"])
        .arg("-C")
        .arg(repo.path())
        .env("RUSTUP_HOME", rustup)
        .env("CARGO_HOME", cargo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let result = tool_results(&model.requests()[1]).join("\n");
    assert!(
        result.contains("test result: ok. 1 passed"),
        "rust: {result}"
    );
    assert!(
        result.contains("# pass 1") && result.contains("# fail 0"),
        "node: {result}"
    );
    assert!(result.lines().any(|l| l.trim() == "OK"), "python: {result}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("+++ b/result.txt"), "{stdout}");
    assert!(
        !stdout.contains("target/"),
        "build output in the proposal: {stdout}"
    );
    assert!(!repo.path().join("result.txt").exists());
}
