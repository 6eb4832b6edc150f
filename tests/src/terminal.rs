//! Running a command on a pseudo-terminal (Python's `pty`), as a user at a
//! terminal would: keys typed ahead of any question, and an answer typed
//! once the question is on the screen.

use std::process::{Command, Output};

/// Types argv[1] at once, argv[3] once argv[2] is on the screen, and runs
/// argv[4:]; prints what the terminal showed, exits with the child's code.
const PTY: &str = r#"
import os, pty, sys
ahead, prompt, answer = (a.encode() for a in sys.argv[1:4])
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[4], sys.argv[4:])
os.write(fd, ahead)
seen, answered = b"", False
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
    if not answered and prompt in seen:
        os.write(fd, answer)
        answered = True
sys.stdout.buffer.write(seen)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"#;

/// Run `command` (its program, arguments, environment and folder) on a
/// terminal, typing `ahead` at once and `answer` once `prompt` shows. The
/// output's stdout is what the terminal showed.
pub fn on_terminal(command: &Command, ahead: &str, prompt: &str, answer: &str) -> Output {
    let mut pty = Command::new("python3");
    pty.args(["-c", PTY, ahead, prompt, answer])
        .arg(command.get_program())
        .args(command.get_args())
        .env_clear()
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))));
    if let Some(dir) = command.get_current_dir() {
        pty.current_dir(dir);
    }
    pty.output().expect("run python3 for a pseudo-terminal")
}
