//! `tandem mcp add | list | get | remove`: MCP servers in the files Claude
//! Code keeps them in (`tandem_config::mcp_files`), with `claude mcp`'s
//! arguments, so either tool manages the same servers. Tandem's own
//! `[mcp_servers]` in its config files are shown by `tandem config`.

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use tandem_config::mcp_files::{Places, Scope};

#[derive(Args, Debug)]
pub struct McpArgs {
    /// The repository (default: the current folder).
    #[arg(short = 'C', long = "cd", value_name = "DIR", global = true)]
    pub cd: Option<PathBuf>,
    #[command(subcommand)]
    pub command: McpCommand,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ScopeArg {
    /// Yours, this repository only (`~/.claude.json`, under the project).
    Local,
    /// Shared with the repository (`.mcp.json`; starts once the folder is trusted).
    Project,
    /// Yours, every repository (`~/.claude.json`).
    User,
}

impl From<ScopeArg> for Scope {
    fn from(s: ScopeArg) -> Scope {
        match s {
            ScopeArg::Local => Scope::Local,
            ScopeArg::Project => Scope::Project,
            ScopeArg::User => Scope::User,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TransportArg {
    Stdio,
    Http,
}

#[derive(Subcommand, Debug)]
pub enum McpCommand {
    /// Add a server: `add NAME COMMAND [ARGS…]` (stdio) or
    /// `add --transport http NAME URL`.
    Add {
        #[arg(short = 's', long, value_enum, default_value = "local")]
        scope: ScopeArg,
        #[arg(short = 't', long, value_enum, default_value = "stdio")]
        transport: TransportArg,
        /// An environment variable for a stdio server, `KEY=VALUE`.
        #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
        env: Vec<String>,
        /// A header for an HTTP server, `"Name: value"`.
        #[arg(short = 'H', long = "header", value_name = "HEADER")]
        headers: Vec<String>,
        name: String,
        /// The command (stdio) or the URL (http).
        command_or_url: String,
        /// The command's arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Every server of every scope.
    List,
    /// One server: its scope, file and entry.
    Get { name: String },
    /// Remove a server (from the one scope that has it, or `--scope`).
    Remove {
        #[arg(short = 's', long, value_enum)]
        scope: Option<ScopeArg>,
        name: String,
    },
}

/// 0 done, 1 no such server, 2 bad input (nothing was changed).
pub fn run_mcp(args: McpArgs) -> i32 {
    match mcp(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn mcp(args: McpArgs) -> Result<i32, String> {
    let root = super::workdir(&args.cd)?;
    let places = Places {
        root: root.canonicalize().unwrap_or(root),
        home: dirs::home_dir(),
    };
    match args.command {
        McpCommand::Add {
            scope,
            transport,
            env,
            headers,
            name,
            command_or_url,
            args,
        } => {
            let entry = entry(transport, &env, &headers, &command_or_url, &args)?;
            let scope = Scope::from(scope);
            let file = places.add(scope, &name, entry)?;
            outln!(
                "Added the MCP server `{name}` ({} scope) to {}",
                scope.name(),
                file.display()
            );
            if scope == Scope::Project {
                outln!("It starts once you trust this folder (`tandem trust`).");
            }
            Ok(0)
        }
        McpCommand::List => {
            let mut any = false;
            for scope in Scope::ALL {
                for (name, server) in places.servers(scope)? {
                    any = true;
                    outln!("{name}  ({})  {}", scope.name(), one_line(&server));
                }
            }
            if !any {
                outln!("No MCP servers. Add one with `tandem mcp add NAME COMMAND [ARGS…]`.");
            }
            Ok(0)
        }
        McpCommand::Get { name } => {
            for scope in Scope::ALL {
                if let Some(server) = places.servers(scope)?.get(&name) {
                    let file = places.file(scope).unwrap_or_default();
                    outln!("{name}  ({} scope, {})", scope.name(), file.display());
                    outln!(
                        "{}",
                        serde_json::to_string_pretty(server).unwrap_or_default()
                    );
                    return Ok(0);
                }
            }
            eprintln!("no MCP server `{name}` in any scope");
            Ok(1)
        }
        McpCommand::Remove { scope, name } => {
            let scopes: Vec<Scope> = match scope {
                Some(s) => vec![s.into()],
                None => {
                    let mut has = Vec::new();
                    for s in Scope::ALL {
                        if places.servers(s)?.contains_key(&name) {
                            has.push(s);
                        }
                    }
                    if has.len() > 1 {
                        let names: Vec<&str> = has.iter().map(|s| s.name()).collect();
                        return Err(format!(
                            "`{name}` is in several scopes ({}): say which with --scope",
                            names.join(", ")
                        ));
                    }
                    has
                }
            };
            for s in scopes {
                if let Some(file) = places.remove(s, &name)? {
                    outln!(
                        "Removed `{name}` ({} scope) from {}",
                        s.name(),
                        file.display()
                    );
                    return Ok(0);
                }
            }
            eprintln!("no MCP server `{name}` to remove");
            Ok(1)
        }
    }
}

/// The entry as Claude Code writes it.
fn entry(
    transport: TransportArg,
    env: &[String],
    headers: &[String],
    command_or_url: &str,
    args: &[String],
) -> Result<Value, String> {
    match transport {
        TransportArg::Stdio => {
            if !headers.is_empty() {
                return Err("--header is for HTTP servers (--transport http)".into());
            }
            let mut vars = Map::new();
            for pair in env {
                let (k, v) = pair
                    .split_once('=')
                    .filter(|(k, _)| !k.is_empty())
                    .ok_or_else(|| format!("--env `{pair}`: expected KEY=VALUE"))?;
                vars.insert(k.to_string(), json!(v));
            }
            let mut e = json!({ "type": "stdio", "command": command_or_url, "args": args });
            if !vars.is_empty() {
                e["env"] = Value::Object(vars);
            }
            Ok(e)
        }
        TransportArg::Http => {
            if !(command_or_url.starts_with("http://") || command_or_url.starts_with("https://")) {
                return Err(format!("`{command_or_url}` is not an http(s) URL"));
            }
            if !env.is_empty() || !args.is_empty() {
                return Err("--env and arguments are for stdio servers".into());
            }
            let mut hs = Map::new();
            for h in headers {
                let (k, v) = h
                    .split_once(':')
                    .filter(|(k, _)| !k.trim().is_empty())
                    .ok_or_else(|| format!("--header `{h}`: expected \"Name: value\""))?;
                hs.insert(k.trim().to_string(), json!(v.trim()));
            }
            let mut e = json!({ "type": "http", "url": command_or_url });
            if !hs.is_empty() {
                e["headers"] = Value::Object(hs);
            }
            Ok(e)
        }
    }
}

fn one_line(server: &Value) -> String {
    if let Some(url) = server["url"].as_str() {
        return format!("http {url}");
    }
    let args: Vec<&str> = server["args"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    format!(
        "stdio {} {}",
        server["command"].as_str().unwrap_or("?"),
        args.join(" ")
    )
    .trim_end()
    .to_string()
}
