//! The task-quality benchmark: the ten bug-fix tasks of
//! `tests/fixtures/quality/` run by the real `tandem exec --apply` against
//! any model, each judged by its own test (`python3 -m unittest test_app`
//! passes afterwards, the test file untouched). Prints solved, turns,
//! tokens, cost and wall time per task, then the totals.
//!
//! ```sh
//! cargo build --bin tandem --bin task-quality
//! target/debug/task-quality --llama 1.5b            # llama-server + Qwen2.5-Coder 1.5B from PyPI
//! target/debug/task-quality --provider anthropic -m claude-sonnet-4-5   # ANTHROPIC_API_KEY set
//! target/debug/task-quality --provider openai-chat --base-url http://127.0.0.1:11434/v1 -m qwen3-coder
//! ```

use clap::Parser;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use tandem_tests::llama::{LlamaServer, QWEN_0_5B, QWEN_1_5B};
use tandem_tests::tandem::copy_dir;

#[derive(Parser)]
#[command(about = "Ten small bug-fix tasks, each judged by its own failing test")]
struct Args {
    /// Serve a local model with llama-server from PyPI: 0.5b or 1.5b.
    #[arg(long, value_parser = ["0.5b", "1.5b"], conflicts_with_all = ["provider", "base_url"])]
    llama: Option<String>,
    /// anthropic, openai or openai-chat (its key from the environment).
    #[arg(long, required_unless_present = "llama")]
    provider: Option<String>,
    #[arg(long)]
    base_url: Option<String>,
    #[arg(short = 'm', long, default_value = "local")]
    model: String,
    #[arg(long, default_value_t = 12)]
    max_turns: u32,
    /// Only the tasks whose folder name contains this.
    #[arg(long)]
    only: Option<String>,
}

const PROMPT: &str = "The test in test_app.py fails. Find the bug in app.py and fix it there \
(do not change the test), then run `python3 -m unittest test_app` to show it passes.";

struct Outcome {
    solved: bool,
    turns: u64,
    tokens: u64,
    cost: Option<f64>,
    wall: f64,
    ended: String,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let tandem = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .with_file_name("tandem");
    if !tandem.exists() {
        return Err(format!(
            "no tandem binary at {}: build it first (cargo build --bin tandem)",
            tandem.display()
        ));
    }
    let server = match args.llama.as_deref() {
        Some(size) => Some(
            LlamaServer::start(if size == "0.5b" {
                &QWEN_0_5B
            } else {
                &QWEN_1_5B
            })
            .map_err(|e| e.0)?,
        ),
        None => None,
    };
    let (provider, base_url) = match &server {
        Some(s) => ("openai-chat".to_string(), Some(format!("{}/v1", s.url))),
        None => (
            args.provider.clone().unwrap_or_default(),
            args.base_url.clone(),
        ),
    };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/quality");
    let mut tasks: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map_err(|e| format!("{}: {e}", fixtures.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .filter(|p| {
            args.only
                .as_ref()
                .is_none_or(|o| p.to_string_lossy().contains(o.as_str()))
        })
        .collect();
    tasks.sort();
    println!("model: {} via {provider}", args.model);
    println!(
        "{:<22} {:>6} {:>6} {:>8} {:>9} {:>7}  ended",
        "task", "solved", "turns", "tokens", "cost", "wall"
    );
    let mut all = Vec::new();
    for task in &tasks {
        let name = task.file_name().unwrap().to_string_lossy().to_string();
        let o = run(&tandem, task, &provider, base_url.as_deref(), &args)?;
        println!(
            "{name:<22} {:>6} {:>6} {:>8} {:>9} {:>6.1}s  {}",
            if o.solved { "yes" } else { "no" },
            o.turns,
            o.tokens,
            o.cost.map_or("-".into(), |c| format!("${c:.4}")),
            o.wall,
            o.ended
        );
        all.push(o);
    }
    let solved = all.iter().filter(|o| o.solved).count();
    let cost: Option<f64> = all.iter().map(|o| o.cost).sum();
    println!(
        "solved {solved}/{}  turns {}  tokens {}  cost {}  wall {:.0}s",
        all.len(),
        all.iter().map(|o| o.turns).sum::<u64>(),
        all.iter().map(|o| o.tokens).sum::<u64>(),
        cost.map_or("-".into(), |c| format!("${c:.4}")),
        all.iter().map(|o| o.wall).sum::<f64>()
    );
    Ok(())
}

fn run(
    tandem: &Path,
    fixture: &Path,
    provider: &str,
    base_url: Option<&str>,
    args: &Args,
) -> Result<Outcome, String> {
    let repo = tempfile::tempdir().map_err(|e| e.to_string())?;
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    copy_dir(fixture, repo.path()).map_err(|e| e.to_string())?;
    let test_before = std::fs::read(repo.path().join("test_app.py")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(tandem);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("XDG_STATE_HOME", home.path().join(".local/state"));
    // The keys of a hosted model, nothing else of this machine's setup.
    for key in ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    cmd.args(["exec", PROMPT, "--json", "--apply", "--mode", "auto"])
        .args(["--max-turns", &args.max_turns.to_string()])
        .args(["--provider", provider, "--model", &args.model])
        .arg("-C")
        .arg(repo.path());
    if let Some(url) = base_url {
        cmd.args(["--base-url", url]);
    }
    if provider == "openai-chat" && std::env::var_os("OPENAI_API_KEY").is_none() {
        cmd.args(["-c", "model.api_key=\"local\""]);
    }
    let start = Instant::now();
    let out = cmd.output().map_err(|e| format!("run tandem: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    let result: Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .rfind(|e| e["type"] == "result")
        .unwrap_or_default();
    let test_untouched =
        std::fs::read(repo.path().join("test_app.py")).is_ok_and(|t| t == test_before);
    let passes = Command::new("python3")
        .args(["-m", "unittest", "test_app"])
        .current_dir(repo.path())
        .output()
        .is_ok_and(|o| o.status.success());
    let usage = &result["usage"];
    let tokens = [
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
    ]
    .iter()
    .map(|k| usage[k].as_u64().unwrap_or(0))
    .sum();
    Ok(Outcome {
        solved: passes && test_untouched,
        turns: result["turns"].as_u64().unwrap_or(0),
        tokens,
        cost: result["cost_usd"].as_f64(),
        wall,
        ended: result["outcome"]
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| format!("no result (exit {:?})", out.status.code())),
    })
}
