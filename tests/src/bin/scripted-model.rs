//! The scripted model server as a program, for editor tests and for
//! recording examples: `scripted-model --script FILE.json [--port N]`.

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use tandem_tests::scripted::{RequestLog, Script, ScriptedServer};

#[derive(Parser)]
#[command(
    about = "A model API server that plays a script (Anthropic, OpenAI Responses, OpenAI Chat)"
)]
struct Args {
    /// The script: {"turns": [...]} or {"conversations": [...]}.
    #[arg(long)]
    script: PathBuf,
    /// Port on 127.0.0.1 (default: any free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Append every request received, as JSON lines.
    #[arg(long)]
    requests_log: Option<PathBuf>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let text = std::fs::read_to_string(&args.script)
        .map_err(|e| format!("cannot read {}: {e}", args.script.display()))?;
    let script = Script::from_json(&text).map_err(|e| format!("{}: {e}", args.script.display()))?;
    let log: Option<RequestLog> = match &args.requests_log {
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            Some(Box::new(move |r| {
                let _ = writeln!(file, "{}", serde_json::to_string(r).unwrap_or_default());
            }))
        }
        None => None,
    };
    let server = ScriptedServer::start_on(script, args.port, log)?;
    println!("listening on {}", server.url());
    std::io::stdout().flush()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        Ok::<(), std::io::Error>(())
    })?;
    drop(server);
    Ok(())
}
