//! `tandem config`: the effective settings of a repository and where each
//! value came from (built-in default, user file, project file, flags).
//! A file with an error is named with its line and column; the command
//! still shows what the other layers set.

use super::overrides::RunFlags;
use clap::Args;
use std::path::{Path, PathBuf};
use tandem_config::sources::{Source, defaults, explain};
use tandem_config::{Layer, project_config_path, user_config_path};

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// The repository (default: the current folder).
    #[arg(short = 'C', long = "cd", value_name = "DIR")]
    pub cd: Option<PathBuf>,
    /// Print JSON: every key with its value, source and overridden values.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub flags: RunFlags,
}

pub fn run_config(args: ConfigArgs) -> i32 {
    match show(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            2
        }
    }
}

fn show(args: &ConfigArgs) -> Result<i32, String> {
    let root = super::workdir(&args.cd)?;
    let mut sources = vec![Source {
        name: "default".into(),
        layer: Layer::Table(defaults()),
    }];
    if let Some(user) = user_config_path() {
        sources.push(Source {
            name: tilde(&user),
            layer: Layer::File(user),
        });
    }
    let project = project_config_path(&root);
    sources.push(Source {
        name: project
            .strip_prefix(&root)
            .unwrap_or(&project)
            .display()
            .to_string(),
        layer: Layer::File(project),
    });
    sources.push(Source {
        name: "flags".into(),
        layer: Layer::Table(args.flags.table()?),
    });
    let (entries, errors) = explain(&sources);
    for e in &errors {
        eprintln!("error: {e} (this file is left out below)");
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&entries).map_err(|e| e.to_string())?
        );
    } else {
        let order: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        outln!(
            "Settings for {} (later layers win: {})\n",
            root.display(),
            order.join(" < ")
        );
        let width = entries
            .iter()
            .map(|e| e.key.len() + e.value.to_string().len() + 3)
            .max()
            .unwrap_or(0);
        for e in &entries {
            let line = format!("{} = {}", e.key, e.value);
            let mut from = format!("# {}", e.source);
            if !e.overridden.is_empty() {
                let over: Vec<String> = e
                    .overridden
                    .iter()
                    .map(|(s, v)| format!("{s}: {v}"))
                    .collect();
                from.push_str(&format!(" (over {})", over.join(", ")));
            }
            outln!("{line:<width$}  {from}");
        }
        if !entries.iter().any(|e| e.key == "model.provider") {
            outln!(
                "\nmodel.provider is chosen at run time: ANTHROPIC_API_KEY, then OPENAI_API_KEY, then a local server on 127.0.0.1 (11434, 8080)."
            );
        }
        claude_files(&root);
        codex_file();
    }
    Ok(if errors.is_empty() { 0 } else { 2 })
}

/// Claude Code's settings files that exist, and in each the keys Tandem
/// reads but does not act on: listed, so nothing is dropped silently.
fn claude_files(root: &Path) {
    let home = dirs::home_dir();
    let files = tandem_config::claude::not_used(root, home.as_deref());
    if files.is_empty() {
        return;
    }
    outln!(
        "\nClaude Code settings, also read (permissions, defaultMode, additionalDirectories, hooks, disableAllHooks, env, model, enabled/disabledMcpjsonServers):"
    );
    for (path, unused) in files {
        let name = match path.strip_prefix(root) {
            Ok(rel) => rel.display().to_string(),
            Err(_) => tilde(&path),
        };
        if unused.is_empty() {
            outln!("  {name}");
        } else {
            outln!("  {name}: read, not used: {}", unused.join(", "));
        }
    }
}

/// Codex's config file, when there is one: its MCP servers join, the rest
/// is listed as read, not used.
fn codex_file() {
    let home = dirs::home_dir();
    let Some(path) = tandem_config::codex::config_path(home.as_deref()).filter(|p| p.exists())
    else {
        return;
    };
    match tandem_config::codex::load(home.as_deref()) {
        Err(e) => outln!("\nCodex settings: {e}"),
        Ok(file) => {
            let servers: Vec<&str> = file.servers.keys().map(String::as_str).collect();
            outln!(
                "\nCodex settings, also read: {} (mcp_servers: {})",
                tilde(&path),
                if servers.is_empty() {
                    "none".to_string()
                } else {
                    servers.join(", ")
                }
            );
            if !file.not_used.is_empty() {
                outln!("  read, not used: {}", file.not_used.join(", "));
            }
        }
    }
}

/// `~/…` for paths under the home folder.
fn tilde(path: &Path) -> String {
    match dirs::home_dir().and_then(|h| path.strip_prefix(h).ok().map(Path::to_path_buf)) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}
