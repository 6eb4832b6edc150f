//! Turning settings into a runnable session: the provider, the session
//! configuration and the tool context. Shared by every face (`tandem exec`,
//! `tandem lsp`) so a run is configured the same way wherever it starts.

mod extras;
mod hook_sandbox;
mod session_log;

pub use extras::Extras;
pub use hook_sandbox::InSandbox;
pub use session_log::SessionLog;

use crate::agent::{Gate, SessionConfig};
use crate::config::claude;
use crate::config::{
    Layer, Settings, load_settings, project_config_path, read_layer, user_config_path,
};
use crate::hooks::Hooks;
use crate::model::{ModelTable, Provider, select};
use crate::policy::{Mode, Rules};
use crate::sandbox;
use crate::tools::ToolContext;
use crate::tools::approval::Approver;
use crate::trust::Trust;
use crate::workspace::Workspace;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Loopback ports where a local OpenAI-compatible server is looked for:
/// Ollama's and llama.cpp's llama-server's defaults.
pub const LOCAL_MODEL_PORTS: &[u16] = &[11434, 8080];

/// The config layers of a workspace, lowest first: the user's file, the
/// project's file, then `above` (editor options, flags) in order.
pub fn layers(root: &Path, above: Vec<Layer>) -> Vec<Layer> {
    let mut layers = Vec::new();
    if let Some(user) = user_config_path() {
        layers.push(Layer::File(user));
    }
    layers.push(Layer::File(project_config_path(root)));
    layers.extend(above);
    layers
}

#[derive(Clone)]
pub struct Loaded {
    pub settings: Settings,
    pub table: ModelTable,
    /// Whether the repository's own hooks and MCP servers are in: `gate`
    /// and `mcp_servers` follow it.
    pub trust: Trust,
}

/// The settings of `root` under `above`. Unless `trust` allows the
/// repository's commands, the project file's `[hooks]`, `[mcp_servers]`
/// and the settings that would widen the sandbox or the approvals
/// (`trust::inventory::WIDENING_SETTINGS`) are left out here, and the Claude files' hooks and
/// `.mcp.json` by `gate` and `mcp_specs`: the one place every face's
/// trust decision takes effect.
pub fn load(root: &Path, above: Vec<Layer>, trust: Trust) -> Result<Loaded, String> {
    let mut layers = layers(root, above);
    if !trust.allows_repo_commands() {
        let project = project_config_path(root);
        for layer in &mut layers {
            if matches!(layer, Layer::File(p) if *p == project) {
                let mut table = read_layer(layer).map_err(|e| e.to_string())?;
                if let Some(t) = &mut table {
                    t.remove("hooks");
                    t.remove("mcp_servers");
                    crate::trust::inventory::remove_widening(t);
                }
                *layer = Layer::Table(table.unwrap_or_default());
            }
        }
    }
    let settings = load_settings(&layers).map_err(|e| e.to_string())?;
    let table = ModelTable::with_overrides(&settings.models).map_err(|e| e.to_string())?;
    Ok(Loaded {
        settings,
        table,
        trust,
    })
}

/// A provider chosen from settings and the environment.
pub struct Chosen {
    pub provider: Arc<dyn Provider>,
    pub provider_name: String,
    pub model: String,
    pub max_tokens: u32,
    pub thinking_budget: Option<u32>,
}

pub async fn choose_provider(settings: &Settings) -> Result<Chosen, String> {
    let env = |name: &str| std::env::var(name).ok();
    let s = select(&settings.model, &env, LOCAL_MODEL_PORTS)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Chosen {
        provider: s.provider,
        provider_name: s.provider_name,
        model: s.model,
        max_tokens: s.max_tokens,
        thinking_budget: s.thinking_budget,
    })
}

pub fn session_config(
    root: &Path,
    model: &str,
    max_tokens: u32,
    thinking_budget: Option<u32>,
    loaded: &Loaded,
) -> SessionConfig {
    let agent = &loaded.settings.agent;
    let mut config = SessionConfig::new(model.to_string(), root.to_path_buf());
    config.max_tokens = max_tokens;
    config.thinking_budget = thinking_budget;
    if let Some(window) = agent
        .context_window
        .or_else(|| loaded.table.context_window(model))
    {
        config.context_window = window;
    }
    if let Some(n) = agent.max_turns {
        config.max_turns = n;
    }
    if let Some(n) = agent.tool_output_limit {
        config.tool_output_limit = n;
    }
    if let Some(n) = agent.instructions_cap {
        config.instructions_cap = n;
    }
    config.home = dirs::home_dir();
    config
}

/// The context tools run in, with a fresh sandbox for this task.
pub fn tool_context(
    workspace: Arc<Workspace>,
    cancel: CancellationToken,
    settings: &Settings,
    config: &SessionConfig,
) -> Result<ToolContext, String> {
    let task_dir = sandbox::task_dir(workspace.root())
        .map_err(|e| format!("cannot make a sandbox folder: {e}"))?;
    tool_context_in(workspace, cancel, settings, config, &task_dir)
}

/// As `tool_context`, with the sandbox's layers in `task_dir` (a background
/// task keeps them beside its transcript).
pub fn tool_context_in(
    workspace: Arc<Workspace>,
    cancel: CancellationToken,
    settings: &Settings,
    config: &SessionConfig,
    task_dir: &Path,
) -> Result<ToolContext, String> {
    let root = workspace.root().to_path_buf();
    let helper =
        std::env::current_exe().map_err(|e| format!("cannot find the tandem binary: {e}"))?;
    std::fs::create_dir_all(task_dir).map_err(|e| format!("cannot make a sandbox folder: {e}"))?;
    // `local` mode is the pair-programming end: commands run in the workspace.
    let mut sandbox_settings = settings.sandbox.clone();
    if settings.permissions.mode == Some(Mode::Local) {
        sandbox_settings.backend = sandbox::BackendChoice::Local;
    }
    let sandbox = sandbox::create(&sandbox_settings, &root, task_dir, &helper)
        .map_err(|e| format!("cannot set up the sandbox: {e}"))?;
    let mut ctx = ToolContext::new(workspace, cancel);
    if let Some(secs) = settings.agent.shell_timeout_secs {
        ctx.shell_timeout = Duration::from_secs(secs);
    }
    ctx.output_limit = config.tool_output_limit;
    ctx.sandbox = Some(sandbox);
    ctx.read_roots = crate::skills::user_roots(config.home.as_deref());
    Ok(ctx)
}

/// The gate for a session: mode, rules (Tandem's config, Claude's settings
/// files, `extra_allow` from flags), hooks (the project's only when
/// trusted), and who to ask.
pub fn gate(
    root: &Path,
    loaded: &Loaded,
    extra_allow: &[String],
    approver: Option<Arc<dyn Approver>>,
) -> Result<Gate, String> {
    let settings = &loaded.settings;
    let p = &settings.permissions;
    let mut allow = p.allow.clone();
    allow.extend(extra_allow.iter().cloned());
    let mut rules =
        Rules::parse(&allow, &p.ask, &p.deny, root).map_err(|e| format!("permissions: {e}"))?;
    let home = dirs::home_dir();
    let (claude_rules, mut hooks) =
        claude::load(root, home.as_deref(), loaded.trust.allows_repo_commands())?;
    rules.extend(claude_rules);
    if !settings.hooks.is_empty() {
        let table = serde_json::to_value(&settings.hooks).map_err(|e| format!("hooks: {e}"))?;
        let ours = Hooks::from_claude_settings(&serde_json::json!({ "hooks": table }))
            .map_err(|e| format!("hooks: {e}"))?;
        hooks.extend(ours);
    }
    let save_root = root.to_path_buf();
    Ok(Gate {
        mode: p.mode.unwrap_or_default(),
        rules: crate::sync::Mutex::new(rules),
        hooks,
        approver,
        save_rule: Some(Arc::new(move |rule: &str| {
            claude::save_allow_rule(&save_root, rule)
        })),
        root: root.to_path_buf(),
        session_id: session_id(),
        transcript_path: String::new(),
        sandbox: None,
    })
}

/// The MCP servers a session at `root` would start (`.mcp.json` only when
/// the folder is trusted), and the entries that cannot start.
pub fn mcp_specs(
    root: &Path,
    loaded: &Loaded,
) -> (Vec<crate::mcp::ServerSpec>, Vec<crate::mcp::Problem>) {
    let s = &loaded.settings;
    let project = loaded.trust.allows_repo_commands();
    crate::mcp::specs(root, project, &s.mcp_servers, &s.mcp)
}

/// Start the session's MCP servers in the background; their tools join
/// through `Servers::source`, their state changes arrive as
/// `Event::McpServer`. Call `Servers::shutdown` when the session ends.
pub fn mcp_servers(
    root: &Path,
    loaded: &Loaded,
    events: tokio::sync::mpsc::UnboundedSender<crate::agent::Event>,
) -> crate::mcp::Servers {
    let report = Arc::new(move |s: crate::mcp::Status| {
        let _ = events.send(crate::agent::Event::McpServer {
            server: s.server,
            tools: s.tools,
            error: s.error,
        });
    });
    let (specs, problems) = mcp_specs(root, loaded);
    for p in problems {
        report(crate::mcp::problem_status(p));
    }
    crate::mcp::Servers::start(specs, report)
}

/// Say on the run's event stream what the folder's missing trust left
/// out, so it is never silent.
pub fn report_untrusted(
    trust: &Trust,
    events: &tokio::sync::mpsc::UnboundedSender<crate::agent::Event>,
) {
    if let Some(s) = trust.skipped() {
        let _ = events.send(crate::agent::Event::Untrusted {
            folder: s.folder,
            reason: s.reason,
            skipped: s.commands,
        });
    }
}

fn session_id() -> String {
    use rand::Rng;
    let n: u128 = rand::rng().random();
    format!("{n:032x}")
}
