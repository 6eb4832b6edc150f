use clap::{Parser, Subcommand};
use std::process::ExitCode;
use tandem::cli::exec::{ExecArgs, run_exec};

/// Tandem: an AI coding agent that lives in a language server.
#[derive(Parser)]
#[command(name = "tandem", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one task in the current repository and print the proposed diff.
    ///
    /// Exit codes: 0 done, 2 bad usage or configuration, 3 the model or its
    /// API failed, 4 the run hit its turn limit, 130 cancelled.
    Exec(ExecArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TANDEM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let code = match cli.command {
        Command::Exec(args) => runtime.block_on(run_exec(args)),
    };
    ExitCode::from(code as u8)
}
