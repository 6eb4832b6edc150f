//! Folder trust on the terminal: `tandem exec` asks (y/N) before a run in a
//! folder whose own hooks and MCP servers were never trusted, and `tandem
//! trust [PATH]` answers ahead of time (`--list`, `--revoke`). The decision
//! itself, and what it leaves out, is `tandem_config::trust`'s.

use clap::Args;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use tandem_config::trust::{State, Store, Trust};

/// The trust of `root` for one `tandem exec`: `--trust` trusts it for this
/// run; on a terminal an unanswered folder is asked about (and the answer
/// kept); otherwise the stored answer stands and untrusted commands are
/// skipped, which the run reports.
pub fn decide(root: &std::path::Path, flag: bool, terminal: bool) -> Trust {
    let mut trust = Trust::check(root);
    if flag {
        trust.for_this_run();
    } else if terminal && trust.needs_answer() {
        eprint!("{} [y/N] ", trust.question());
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        let yes = matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes");
        if let Err(e) = trust.answer(yes) {
            eprintln!("warning: could not remember the answer: {e}");
        }
    }
    trust
}

#[derive(Args, Debug)]
pub struct TrustArgs {
    /// The folder to trust (default: the current one).
    pub path: Option<PathBuf>,
    /// List the folders you answered for, and what they run.
    #[arg(long, conflicts_with = "revoke")]
    pub list: bool,
    /// Forget the answer for the folder: the next run asks again.
    #[arg(long)]
    pub revoke: bool,
}

pub fn run_trust(args: TrustArgs) -> i32 {
    match trust_command(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn trust_command(args: TrustArgs) -> Result<(), String> {
    let store = Store::open().ok_or("no state folder to keep trust in")?;
    if args.list {
        for (folder, entry) in store.list() {
            let answer = if entry.trusted {
                "trusted"
            } else {
                "not trusted"
            };
            outln!("{} ({answer})", folder.display());
            for line in &entry.commands {
                outln!("  {line}");
            }
        }
        return Ok(());
    }
    let root = super::workdir(&args.path)?;
    let mut trust = Trust::check(&root);
    if args.revoke {
        let had = store.remove(&trust.folder).map_err(|e| e.to_string())?;
        outln!(
            "{}: {}",
            trust.folder.display(),
            if had {
                "trust revoked"
            } else {
                "was not trusted"
            }
        );
        return Ok(());
    }
    let again = trust.state == State::Trusted;
    trust.answer(true).map_err(|e| e.to_string())?;
    outln!(
        "Trusted {}{}",
        trust.folder.display(),
        if again { " (already trusted)" } else { "" }
    );
    for line in trust.inventory.lines() {
        outln!("  {line}");
    }
    Ok(())
}
