//! The README's quick start: the recorded example replays offline to the fix,
//! and applying it makes the example project's tests pass.

use std::path::Path;
use std::process::Command;
use tandem_tests::tandem::{copy_dir, describe, tandem_command};

#[test]
fn the_recorded_example_fixes_the_failing_test() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/fix-failing-test");
    let project = tempfile::tempdir().unwrap();
    copy_dir(&example.join("project"), project.path()).unwrap();
    let unittest = || {
        Command::new("python3")
            .args(["-m", "unittest", "-q"])
            .current_dir(project.path())
            .output()
            .expect("python3 is needed by the example")
    };
    assert!(
        !unittest().status.success(),
        "the example's tests should fail before the fix"
    );

    let home = tempfile::tempdir().unwrap();
    let run = |apply: bool| {
        let mut cmd = tandem_command(home.path());
        cmd.args(["exec", "--replay"])
            .arg(example.join("recording.jsonl"))
            .arg("-C")
            .arg(project.path())
            .arg("Fix the failing test");
        if apply {
            cmd.arg("--apply");
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    assert!(out.status.success(), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("+    return sum(item[\"price\"] * item[\"quantity\"] for item in items)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cart.py:1-13") && stdout.contains("$ python3 -m unittest -q  → exit 1"),
        "{stdout}"
    );
    // The record ends with the command that proves the fix: the tests run
    // again against the proposal, and pass.
    let failing = stdout.find("$ python3 -m unittest -q  → exit 1").unwrap();
    let passing = stdout.find("$ python3 -m unittest -q  → exit 0");
    assert!(passing.is_some_and(|p| p > failing), "{stdout}");
    assert!(
        !unittest().status.success(),
        "a run without --apply changed the project"
    );

    let out = run(true);
    assert!(out.status.success(), "{}", describe(&out));
    let after = unittest();
    assert!(after.status.success(), "{}", describe(&after));
}
