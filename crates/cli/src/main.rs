use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;
use tandem_cli::exec::{ExecArgs, run_exec};

/// Tandem: an AI coding agent that lives in a language server.
///
/// With no command and standard input not a terminal (an editor started
/// it), Tandem serves the Language Server Protocol, as `tandem lsp` does.
#[derive(Parser)]
#[command(name = "tandem", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run one task in the current repository and print the proposed diff.
    ///
    /// Exit codes: 0 done, 2 bad usage or configuration, 3 the model or its
    /// API failed, 4 the run hit its turn limit, 130 cancelled.
    Exec(Box<ExecArgs>),
    /// Show the effective settings and where each value came from.
    Config(tandem_cli::config::ConfigArgs),
    /// Background tasks: start several, review each result later.
    Task(tandem_cli::task::TaskArgs),
    /// Serve the fleet's background tasks (NATS JetStream, `[tasks.nats]`)
    /// from this machine until stopped; SIGTERM drains.
    Worker(tandem_cli::worker::WorkerArgs),
    /// Saved conversations of this folder: list, show, delete (continue
    /// one with `tandem exec --continue`, `--resume ID` or `--fork ID`).
    Sessions(tandem_cli::sessions::SessionsArgs),
    /// Trust a folder: let the hooks and MCP servers its own files define
    /// run (`--list` shows your answers, `--revoke` forgets one).
    Trust(tandem_cli::trust::TrustArgs),
    /// MCP servers in Claude Code's files: add, list, get, remove (the
    /// same arguments as `claude mcp`).
    Mcp(tandem_cli::mcp::McpArgs),
    /// Serve the Language Server Protocol over standard input and output
    /// (what the editor extensions start).
    Lsp,
}

fn main() -> ExitCode {
    // The inside of a sandbox must start before any thread exists.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(tandem_core::sandbox::namespaces::SUBCOMMAND) {
        let spec = args.get(2).map(String::as_str).unwrap_or_default();
        return ExitCode::from(tandem_core::sandbox::namespaces::main(spec) as u8);
    }
    let cli = Cli::parse();
    // Logs go to stderr: in `lsp` mode stdout carries the protocol.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TANDEM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let code = match cli.command {
        Some(Command::Exec(args)) => runtime.block_on(run_exec(*args)),
        Some(Command::Config(args)) => tandem_cli::config::run_config(args),
        Some(Command::Task(args)) => runtime.block_on(tandem_cli::task::run_task(args)),
        Some(Command::Worker(args)) => runtime.block_on(tandem_cli::worker::run_worker(args)),
        Some(Command::Trust(args)) => tandem_cli::trust::run_trust(args),
        Some(Command::Mcp(args)) => tandem_cli::mcp::run_mcp(args),
        Some(Command::Sessions(args)) => tandem_cli::sessions::run_sessions(args),
        Some(Command::Lsp) => {
            runtime.block_on(tandem_lsp::serve_stdio());
            0
        }
        None if !std::io::stdin().is_terminal() => {
            runtime.block_on(tandem_lsp::serve_stdio());
            0
        }
        None => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            2
        }
    };
    // Spawned runs may still hold the runtime; do not wait for them at exit.
    runtime.shutdown_background();
    ExitCode::from(code as u8)
}
