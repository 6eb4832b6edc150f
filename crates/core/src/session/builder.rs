//! `SessionBuilder`: the one place a session is put together, for every
//! face (`tandem exec`, editor runs, background tasks). A face says only
//! what differs: who approves, the editor's diagnostics, which MCP tools
//! join, the history it continues, where the transcript goes. The order of
//! the steps (sandbox, tools, gate, hooks, skills and memory, sub-agents,
//! checkpoint) is written once, here.

use super::extras::{Expanded, Extras};
use super::hook_sandbox::InSandbox;
use super::prompt_judge::ModelJudge;
use super::provider::Chosen;
use super::session_log::SessionLog;
use super::setup::Setup;
use crate::agent::subagents::Catalog;
use crate::agent::{Checkpoint, Event, Gate, Session, SessionConfig, SteerHandle};
use crate::model::{Message, Usage};
use crate::policy::{Mode, Rules};
use crate::tools::approval::Approver;
use crate::tools::diagnostics::{Diagnostics, Problems};
use crate::tools::{ToolContext, ToolSource, builtin_tools};
use crate::workspace::Workspace;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// Who answers approvals, given the session's steering handle (a terminal
/// reads both from the same standard input).
pub type MakeApprover = Box<dyn FnOnce(&SteerHandle) -> Option<Arc<dyn Approver>> + Send>;

/// Where the conversation is kept.
pub enum Record {
    /// Nowhere (tests, sub-sessions).
    None,
    /// An interactive run's session log in the state folder, started with
    /// this prompt (hooks get its path).
    SessionLog { prompt: String },
    /// Go on with a saved session (`fork`: as a new session that starts
    /// with its conversation); the builder's history is its conversation.
    Continue {
        prompt: String,
        from: Box<super::saved::Loaded>,
        fork: bool,
    },
    /// A background task's own transcript: hooks see the task's id as the
    /// session and may read `transcript` inside the task's sandbox. The
    /// task attaches its own checkpoint (`Session::with_checkpoint`), which
    /// saves the proposal from `Built::ctx` with the conversation.
    Task { id: String, transcript: PathBuf },
}

pub struct SessionBuilder<'a> {
    setup: &'a Setup,
    workspace: Arc<Workspace>,
    provider: Chosen,
    cancel: CancellationToken,
    events: UnboundedSender<Event>,
    approver: Option<MakeApprover>,
    extra_allow: Vec<String>,
    problems: Option<Arc<dyn Problems>>,
    tool_sources: Vec<Arc<dyn ToolSource>>,
    history: Vec<Message>,
    record: Record,
    sandbox_dir: Option<PathBuf>,
}

/// A session ready to run, with what the face needs around it.
pub struct Built {
    pub session: Session,
    pub ctx: Arc<ToolContext>,
    /// The session's id (its log's name): what continues it.
    pub session_id: String,
    extras: Extras,
}

impl Built {
    /// The prompt as the model gets it: a `/command` or `/skill` at its
    /// start expanded (`Extras::expand_prompt`); an unknown one is an error.
    pub fn prompt(&self, text: &str) -> Result<Expanded, String> {
        // `/model` is the session's, not a file's: which model answers.
        if matches!(crate::commands::invocation(text), Some(("model", _))) {
            return Ok(Expanded::Answer(format!(
                "Model: {}\nChoose another with --model (and --provider), or `model` under [model] in the settings.\n",
                self.session.model_line()
            )));
        }
        self.extras.expand_prompt(text, &self.ctx)
    }
}

impl<'a> SessionBuilder<'a> {
    /// A session on `workspace` with `setup`'s settings and `provider`;
    /// its events go to `events`. Start the session's MCP servers after
    /// this, so the trust report comes first.
    pub fn new(
        setup: &'a Setup,
        workspace: Arc<Workspace>,
        provider: Chosen,
        cancel: CancellationToken,
        events: UnboundedSender<Event>,
    ) -> Self {
        // First on the stream, before MCP servers report: what the
        // folder's missing trust left out.
        if let Some(u) = &setup.untrusted {
            let _ = events.send(Event::Untrusted {
                folder: u.folder.clone(),
                reason: u.reason.clone(),
                skipped: u.commands.clone(),
            });
        }
        SessionBuilder {
            setup,
            workspace,
            provider,
            cancel,
            events,
            approver: None,
            extra_allow: Vec::new(),
            problems: None,
            tool_sources: Vec::new(),
            history: Vec::new(),
            record: Record::None,
            sandbox_dir: None,
        }
    }

    /// Calls that need approval are asked of the approver this makes;
    /// without one they are refused.
    pub fn approver(mut self, make: MakeApprover) -> Self {
        self.approver = Some(make);
        self
    }

    /// Allow rules beyond the settings' (`tandem exec --allow`).
    pub fn allow(mut self, rules: &[String]) -> Self {
        self.extra_allow.extend(rules.iter().cloned());
        self
    }

    /// The editor's problems: the `diagnostics` tool joins.
    pub fn problems(mut self, problems: Arc<dyn Problems>) -> Self {
        self.problems = Some(problems);
        self
    }

    /// Tools that join while the session runs (MCP servers).
    pub fn tools_from(mut self, source: Arc<dyn ToolSource>) -> Self {
        self.tool_sources.push(source);
        self
    }

    /// The conversation so far (a task's follow-up or resume).
    pub fn history(mut self, messages: Vec<Message>) -> Self {
        self.history = messages;
        self
    }

    pub fn record(mut self, record: Record) -> Self {
        self.record = record;
        self
    }

    /// Keep the sandbox's layers in `dir` (a task keeps them beside its
    /// transcript) instead of a fresh folder.
    pub fn sandbox_dir(mut self, dir: PathBuf) -> Self {
        self.sandbox_dir = Some(dir);
        self
    }

    pub fn build(mut self) -> Result<Built, String> {
        let setup = self.setup;
        let settings = &setup.settings;
        let root = self.workspace.root().to_path_buf();
        // A background task reaches the network only where its commands
        // may: web_fetch and hosted search are left out otherwise.
        let offline_task = matches!(self.record, Record::Task { .. }) && !settings.sandbox.network;
        let mut config = session_config(&root, &self.provider, setup);
        config.web_search = settings.agent.web_search.unwrap_or(false) && !offline_task;
        let task_dir = match &self.sandbox_dir {
            Some(dir) => dir.clone(),
            None => crate::sandbox::task_dir(&root)
                .map_err(|e| format!("cannot make a sandbox folder: {e}"))?,
        };
        let mut ctx = tool_context(
            self.workspace.clone(),
            self.cancel,
            setup,
            &config,
            &task_dir,
        )?;

        let mut tools = builtin_tools();
        // Commands left running (a dev server) only where nobody watches a
        // terminal: a background task. Elsewhere the fixed head stays as it was.
        if matches!(self.record, Record::Task { .. }) {
            use crate::tools::background::{BackgroundShell, BashOutput, KillShell, Processes};
            ctx.background = Some(Processes::default());
            tools.add(Arc::new(BackgroundShell));
            tools.add(Arc::new(BashOutput));
            tools.add(Arc::new(KillShell));
        }
        if offline_task {
            tools.remove("web_fetch");
        }
        if let Some(problems) = self.problems {
            ctx.problems = Some(problems);
            tools.add(Arc::new(Diagnostics));
        }
        let extras = Extras::load(&root, settings, config.home.as_deref());
        extras.add_tools(&mut tools);
        for source in self.tool_sources {
            tools.add_source(source);
        }
        let ctx = Arc::new(ctx);

        let mut gate = gate(setup, &root, &self.extra_allow)?;
        // One mode for the gate and the tools: approving a plan changes it.
        ctx.mode.set(gate.mode.get());
        gate.mode = ctx.mode.clone();
        gate.sandbox = ctx.sandbox.as_ref().map(|s| s.describe());
        gate.notices = Some(self.events.clone());
        gate.hooks.judge_with(Arc::new(ModelJudge {
            provider: self.provider.provider.clone(),
            model: config.model.clone(),
        }));
        let mut checkpoint: Option<Arc<dyn Checkpoint>> = None;
        match self.record {
            Record::None => {}
            Record::SessionLog { prompt } => {
                if let Some(log) = SessionLog::start(&mut gate, &root, &prompt) {
                    checkpoint = Some(log);
                }
            }
            Record::Continue { prompt, from, fork } => {
                if self.history.is_empty() {
                    self.history = from.messages.clone();
                }
                if let Some(log) = SessionLog::resume(&mut gate, &root, &from, &prompt, fork) {
                    checkpoint = Some(log);
                }
            }
            Record::Task { id, transcript } => {
                // The task's hooks (the user's own too) run where its
                // commands do, and may read the task's transcript there.
                if let Some(sandbox) = &ctx.sandbox {
                    sandbox.reveal(&transcript);
                    gate.hooks.run_in(Arc::new(InSandbox {
                        sandbox: sandbox.clone(),
                        workspace: ctx.workspace.clone(),
                    }));
                }
                gate.session_id = id;
                gate.transcript_path = transcript.display().to_string();
            }
        }

        // Chat Completions has no hosted search: say so rather than
        // silently offer nothing.
        let no_hosted_search = config.web_search && self.provider.provider_name == "openai-chat";
        let (agents, problems) = Catalog::load(&root, config.home.as_deref());
        let table = setup.table.clone();
        let model = config.model.clone();
        let mut session = extras
            .attach(Session::new(
                self.provider.provider,
                self.provider.provider_name,
                tools,
                ctx.clone(),
                config,
                self.events,
                Arc::new(move |u: &Usage| table.cost(&model, u)),
            ))
            .with_subagents(agents, setup.table.clone())
            .with_history(self.history);
        for problem in problems {
            session = session.with_startup_event(Event::Warning {
                message: format!("sub-agent {problem}"),
            });
        }
        if no_hosted_search {
            session = session.with_startup_event(Event::Warning {
                message: "agent.web_search: the Chat Completions API has no hosted web search; \
                          none is offered (web_fetch still is)"
                    .into(),
            });
        }
        // Settings read but not acted on (hooks on events Tandem lacks, …).
        for message in setup.warnings.iter().chain(setup.hooks.warnings()) {
            session = session.with_startup_event(Event::Warning {
                message: message.clone(),
            });
        }
        gate.approver = self.approver.and_then(|make| make(&session.steer_handle()));
        // The tools that ask the user join only where someone can answer,
        // and the plan tool only in plan mode: the fixed head stays as it
        // was everywhere else.
        if let Some(user) = &gate.approver
            && user.can_ask()
        {
            let _ = ctx.user.set(user.clone());
            session = session.with_tool(Arc::new(crate::tools::ask_user::AskUser));
        }
        if ctx.mode.get() == Mode::Plan {
            session = session.with_tool(Arc::new(crate::tools::plan::ExitPlanMode));
        }
        let session_id = gate.session_id.clone();
        let gate = Arc::new(gate);
        let _ = ctx
            .recheck
            .set(Arc::new(crate::agent::gate::Recheck(Arc::downgrade(&gate))));
        let mut session = session.with_gate(gate);
        if let Some(checkpoint) = checkpoint {
            session = session.with_checkpoint(checkpoint);
        }
        Ok(Built {
            session,
            ctx,
            session_id,
            extras,
        })
    }
}

fn session_config(root: &Path, chosen: &Chosen, setup: &Setup) -> SessionConfig {
    let agent = &setup.settings.agent;
    let mut config = SessionConfig::new(chosen.model.clone(), root.to_path_buf());
    config.max_tokens = chosen.max_tokens;
    config.thinking_budget = chosen.thinking_budget;
    if let Some(window) = agent
        .context_window
        .or_else(|| setup.table.context_window(&chosen.model))
    {
        config.context_window = window;
    }
    config.freeform_apply_patch = setup.table.freeform_apply_patch(&chosen.model);
    config.images = setup.table.images(&chosen.model);
    if let Some(n) = agent.max_turns {
        config.max_turns = n;
    }
    config.max_cost = agent.max_cost;
    if let Some(n) = agent.tool_output_limit {
        config.tool_output_limit = n;
    }
    if let Some(n) = agent.instructions_cap {
        config.instructions_cap = n;
    }
    config.home = dirs::home_dir();
    config
}

/// The context tools run in, with a sandbox whose layers live in `task_dir`.
fn tool_context(
    workspace: Arc<Workspace>,
    cancel: CancellationToken,
    setup: &Setup,
    config: &SessionConfig,
    task_dir: &Path,
) -> Result<ToolContext, String> {
    let settings = &setup.settings;
    let root = workspace.root().to_path_buf();
    let helper =
        std::env::current_exe().map_err(|e| format!("cannot find the tandem binary: {e}"))?;
    std::fs::create_dir_all(task_dir).map_err(|e| format!("cannot make a sandbox folder: {e}"))?;
    // `local` mode is the pair-programming end: commands run in the workspace.
    let mut sandbox_settings = settings.sandbox.clone();
    if settings.permissions.mode == Some(Mode::Local) {
        sandbox_settings.backend = crate::sandbox::BackendChoice::Local;
    }
    let sandbox = crate::sandbox::create(&sandbox_settings, &root, task_dir, &helper)
        .map_err(|e| format!("cannot set up the sandbox: {e}"))?;
    let mut ctx = ToolContext::new(workspace, cancel);
    if let Some(secs) = settings.agent.shell_timeout_secs {
        ctx.shell_timeout = Duration::from_secs(secs);
    }
    ctx.output_limit = config.tool_output_limit;
    ctx.sandbox = Some(sandbox);
    ctx.read_roots = crate::skills::user_roots(config.home.as_deref());
    ctx.read_roots.extend(setup.read_roots.iter().cloned());
    Ok(ctx)
}

/// The gate: mode, the settings' rules with `extra_allow` and the files'
/// rules, every hook; nobody to ask until the approver is set.
fn gate(setup: &Setup, root: &Path, extra_allow: &[String]) -> Result<Gate, String> {
    let p = &setup.settings.permissions;
    let mut allow = p.allow.clone();
    allow.extend(extra_allow.iter().cloned());
    let mut rules =
        Rules::parse(&allow, &p.ask, &p.deny, root).map_err(|e| format!("permissions: {e}"))?;
    rules.extend(setup.file_rules.clone());
    let mut gate = Gate::open(root.to_path_buf());
    gate.mode.set(p.mode.unwrap_or_default());
    gate.rules = crate::sync::Mutex::new(rules);
    gate.hooks = setup.hooks.clone();
    gate.save_rule = setup.save_rule.clone();
    gate.session_id = session_id();
    Ok(gate)
}

fn session_id() -> String {
    use rand::Rng;
    let n: u128 = rand::rng().random();
    format!("{n:032x}")
}
