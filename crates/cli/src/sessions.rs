//! `tandem sessions`: the saved conversations of this folder (what
//! `tandem exec --continue/--resume/--fork` goes on with): list them, show
//! one as text, delete one.

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::SystemTime;
use tandem_core::model::{Block, Role};
use tandem_core::session::saved;

#[derive(Args, Debug)]
pub struct SessionsArgs {
    /// Work in this folder instead of the current one.
    #[arg(short = 'C', long = "cd", value_name = "DIR", global = true)]
    pub cd: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<SessionsCommand>,
}

#[derive(Subcommand, Debug)]
pub enum SessionsCommand {
    /// The folder's sessions, the most recent first (the default).
    List,
    /// One session's conversation as text.
    Show { id: String },
    /// Delete a session.
    Delete { id: String },
}

fn age(t: SystemTime) -> String {
    let secs = SystemTime::now()
        .duration_since(t)
        .map_or(0, |d| d.as_secs());
    match secs {
        s if s < 60 => format!("{s}s ago"),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s => format!("{}d ago", s / 86_400),
    }
}

pub fn run_sessions(args: SessionsArgs) -> i32 {
    match sessions(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn sessions(args: SessionsArgs) -> Result<(), String> {
    let root = super::workdir(&args.cd)?;
    let root = root.canonicalize().unwrap_or(root);
    match args.command.unwrap_or(SessionsCommand::List) {
        SessionsCommand::List => {
            let all = saved::list(&root);
            if all.is_empty() {
                outln!("No sessions in {} yet.", root.display());
            }
            for s in all {
                let loaded = saved::load(&s)?;
                outln!(
                    "{}  {:>8}  {:>3} messages  {}",
                    &s.id[..s.id.len().min(8)],
                    age(s.modified),
                    loaded.messages.len(),
                    loaded.title()
                );
            }
        }
        SessionsCommand::Show { id } => {
            let loaded = saved::load(&saved::find(&root, &id)?)?;
            outln!("session {}", loaded.saved.id);
            for m in &loaded.messages {
                let who = if m.role == Role::User {
                    "user"
                } else {
                    "assistant"
                };
                for b in &m.content {
                    match b {
                        Block::Text { text } if !text.trim().is_empty() => {
                            outln!("\n{who}: {}", text.trim_end());
                        }
                        Block::ToolUse { name, input, .. } => outln!("  → {name} {input}"),
                        Block::ToolResult {
                            content, is_error, ..
                        } => {
                            let first = content.lines().next().unwrap_or("");
                            outln!("  {} {first}", if *is_error { "✗" } else { "←" });
                        }
                        _ => {}
                    }
                }
            }
        }
        SessionsCommand::Delete { id } => {
            let gone = saved::delete(&root, &id)?;
            outln!("Deleted session {gone}.");
        }
    }
    Ok(())
}
