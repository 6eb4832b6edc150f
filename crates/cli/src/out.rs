//! Standard output of the terminal commands. `println!` panics when stdout
//! is a pipe whose reader has gone (`tandem task list --json | head -1`).
//! A closed stdout means nobody reads any more: output stops quietly, the
//! command still finishes what it was doing (an `--apply` still applies)
//! and exits with its usual code.
//!
//! Why not SIGPIPE's default action, as C tools have it: tandem also feeds
//! hooks, MCP servers and sandboxed commands through pipes, and one that
//! exits without reading would then kill tandem in the middle of a run.
//! Rust ignores SIGPIPE, so those writes fail with an error their callers
//! handle; only the writes to our own stdout are made quiet here.

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout failed: later output is dropped, not retried.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Write to stdout (what `out!` and `outln!` expand to).
pub fn write(args: std::fmt::Arguments) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != ErrorKind::BrokenPipe {
            let _ = writeln!(std::io::stderr(), "warning: cannot write the output: {e}");
        }
    }
}

/// `print!` that a closed stdout does not turn into a panic.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::write(format_args!($($arg)*))
    };
}

/// `println!` that a closed stdout does not turn into a panic.
macro_rules! outln {
    () => {
        $crate::out::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::out::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}
