//! A closed standard output ends the terminal commands quietly: `tandem
//! exec --json … | head -1` and `tandem task list --json | head -1` exit
//! with their usual code and no panic. The reader is closed the way `head`
//! closes it: after the first line, or before anything was written.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{fixture, tandem_command};

/// Run `cmd` with stdout into a pipe read for `lines` lines (none: closed
/// before the command starts); returns its exit code and stderr.
fn with_head(mut cmd: Command, lines: usize) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    cmd.stdout(writer).stderr(Stdio::piped());
    let mut reader = Some(reader);
    if lines == 0 {
        reader = None;
    }
    let child = cmd.spawn().expect("start tandem");
    if let Some(reader) = reader.take() {
        let mut reader = BufReader::new(reader);
        for _ in 0..lines {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            assert!(!line.is_empty(), "the output ended early");
        }
        // `head` exits here: the reading end closes.
    }
    drop(cmd);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn exec_json_into_head_exits_quietly_with_its_usual_code() {
    // Slow tokens: head has gone before the later events are written.
    let model = ScriptedServer::start(
        Script::new().turn(Turn::say(&"done ".repeat(20)).token_delay_ms(10)),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let mut cmd = tandem_command(home.path());
    cmd.args(["exec", "--json", "say done"])
        .args(["--provider", "anthropic", "-m", "test-model"])
        .args(["--base-url", &model.url()])
        .args(["-c", "model.api_key=\"k\""])
        .arg("-C")
        .arg(repo.path());
    let (code, stderr) = with_head(cmd, 1);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(model.requests().len(), 1, "the run went on to its end");
}

#[test]
fn task_list_into_a_closed_pipe_exits_quietly() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    for args in [&["task", "list", "--json"][..], &["task", "list"]] {
        let mut cmd = tandem_command(home.path());
        cmd.args(args).arg("-C").arg(repo.path());
        let (code, stderr) = with_head(cmd, 0);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
    }
}
