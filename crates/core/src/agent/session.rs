//! A session: the conversation and the turn loop. Each `run` adds a user
//! request and loops model call → tool calls → model call until the model
//! ends its turn, the turn limit, a cancel, or a model error.

use super::budget;
use super::compaction;
use super::dispatch::{Call, run_calls};
use super::events::{Event, Outcome};
use super::gate::Gate;
use super::instructions;
use super::loop_guard::LoopGuard;
use super::prompt::system_prompt;
use super::subagents::{self, Catalog, Ledger, Totals};
use super::text_calls::{self, InText};
use crate::hooks::{HookEvent, HookOutcome};
use crate::model::{
    Block, Image, Message, ModelDelta, ModelError, ModelRequest, ModelResponse, ModelTable,
    Provider, Role, StopReason, Usage,
};
use crate::tools::{Permission, Registry, ToolContext};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// Paused turns sent back in one run before its reply counts as final.
const MAX_PAUSES: u32 = 5;

pub type CostFn = Arc<dyn Fn(&Usage) -> Option<f64> + Send + Sync>;

/// Told the whole conversation at every safe point (before each model call
/// and when a run ends), so a task can persist it and resume from it after a
/// crash: at those points the conversation is valid to send as is.
pub trait Checkpoint: Send + Sync {
    fn checkpoint(&self, messages: &[Message]);
}

#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub model: String,
    pub max_tokens: u32,
    pub thinking_budget: Option<u32>,
    /// Model calls allowed per `run`.
    pub max_turns: u32,
    /// The cost cap in USD: the run ends once the session's cost reaches it.
    pub max_cost: Option<f64>,
    /// Tokens the model can take in; compaction keeps below it.
    pub context_window: u64,
    /// Compact when the last call used more than this share of the window.
    pub compact_threshold: f64,
    /// Messages kept verbatim (at least) when compacting.
    pub keep_recent_messages: usize,
    /// Bytes of one tool result before head/tail truncation.
    pub tool_output_limit: usize,
    /// Byte cap on instruction files in the system prompt.
    pub instructions_cap: usize,
    /// The working folder.
    pub cwd: PathBuf,
    /// The user's home, for global instruction files.
    pub home: Option<PathBuf>,
    /// Offer tools that have a freeform form (`apply_patch`) in it: the
    /// model table's `freeform_apply_patch`. Only the OpenAI Responses
    /// adapter sends that form; the others send the function form anyway.
    pub freeform_apply_patch: bool,
    /// The model takes images (the model table's `images`): when not, each
    /// image is replaced by a note in what is sent (the conversation keeps it).
    pub images: bool,
    /// Offer the provider's hosted web search (`agent.web_search`; never
    /// in a background task that may not reach the network).
    pub web_search: bool,
}

impl SessionConfig {
    pub fn new(model: impl Into<String>, cwd: impl Into<PathBuf>) -> Self {
        SessionConfig {
            model: model.into(),
            max_tokens: 16_000,
            thinking_budget: None,
            max_turns: 100,
            max_cost: None,
            context_window: 200_000,
            compact_threshold: 0.8,
            keep_recent_messages: 6,
            tool_output_limit: 30_000,
            instructions_cap: 32 * 1024,
            cwd: cwd.into(),
            home: None,
            freeform_apply_patch: false,
            images: true,
            web_search: false,
        }
    }
}

/// Sends steering messages into a running session.
#[derive(Clone)]
pub struct SteerHandle(UnboundedSender<String>);

impl SteerHandle {
    pub fn send(&self, message: impl Into<String>) {
        let _ = self.0.send(message.into());
    }
}

pub struct Session {
    provider: Arc<dyn Provider>,
    provider_name: String,
    tools: Registry,
    ctx: Arc<ToolContext>,
    config: SessionConfig,
    events: UnboundedSender<Event>,
    cost: CostFn,
    system: Option<String>,
    messages: Vec<Message>,
    usage: Usage,
    /// Context size of the last call, to decide on compaction.
    last_context_tokens: u64,
    steer_tx: UnboundedSender<String>,
    steer_rx: UnboundedReceiver<String>,
    turn: u32,
    gate: Arc<Gate>,
    /// Extra system prompt sections (skills, memory, ...), after the
    /// instruction files.
    sections: Vec<String>,
    checkpoint: Option<Arc<dyn Checkpoint>>,
    /// Sub-agent types for the `task` tool, installed on the first run.
    subagents: Option<(Catalog, ModelTable)>,
    /// What this session's sub-agents used, shared with its `task` tool.
    ledger: Arc<Ledger>,
    children: Totals,
    /// Set when this session is itself a sub-agent: its type and id.
    subagent: Option<String>,
    subagent_id: String,
    /// Events to report right after `Started` (skills, memory, warnings).
    startup_events: Vec<Event>,
    /// Instruction files of folders below the working folder, loaded as
    /// tools touch files under them.
    nested: Option<instructions::Nested>,
    /// Repeated failing calls and sub-agents of the current run.
    guard: LoopGuard,
    /// The cap could not be checked (a price unknown): said once.
    told_unpriced: bool,
}

impl Session {
    pub fn new(
        provider: Arc<dyn Provider>,
        provider_name: String,
        tools: Registry,
        ctx: Arc<ToolContext>,
        config: SessionConfig,
        events: UnboundedSender<Event>,
        cost: CostFn,
    ) -> Self {
        let (steer_tx, steer_rx) = mpsc::unbounded_channel();
        Session {
            provider,
            provider_name,
            tools,
            ctx,
            config,
            events,
            cost,
            system: None,
            messages: Vec::new(),
            usage: Usage::default(),
            last_context_tokens: 0,
            steer_tx,
            steer_rx,
            turn: 0,
            gate: Arc::new(Gate::open(PathBuf::new())),
            sections: Vec::new(),
            checkpoint: None,
            subagents: None,
            ledger: Arc::default(),
            children: Totals::default(),
            subagent: None,
            subagent_id: String::new(),
            startup_events: Vec::new(),
            nested: None,
            guard: LoopGuard::default(),
            told_unpriced: false,
        }
    }

    /// An event to report right after `Started` (before the first call).
    pub fn with_startup_event(mut self, event: Event) -> Self {
        self.startup_events.push(event);
        self
    }

    /// Offer the `task` tool with these sub-agent types; `table` prices
    /// and sizes the models they use.
    pub fn with_subagents(mut self, catalog: Catalog, table: ModelTable) -> Self {
        self.subagents = Some((catalog, table));
        self
    }

    /// Make this session a sub-agent of type `agent_type` with its own
    /// system prompt: no session-level hooks or `started` event, and the
    /// SubagentStop hook where a session would run Stop.
    pub(super) fn into_subagent(mut self, system: String, agent_type: &str, id: &str) -> Self {
        self.system = Some(system);
        self.subagent = Some(agent_type.to_string());
        self.subagent_id = id.to_string();
        self
    }

    /// Persist the conversation at every safe point.
    pub fn with_checkpoint(mut self, checkpoint: Arc<dyn Checkpoint>) -> Self {
        self.checkpoint = Some(checkpoint);
        self
    }

    /// Start from an earlier conversation (a follow-up or a resumed task).
    pub fn with_history(mut self, messages: Vec<Message>) -> Self {
        self.messages = messages;
        self
    }

    /// Add a section to the system prompt (each a Markdown text with its
    /// own `#` heading). Only before the first `run`: the prompt is fixed
    /// for the session so the provider's prompt cache keeps hitting.
    pub fn with_prompt_section(mut self, section: String) -> Self {
        if !section.trim().is_empty() {
            self.sections.push(section);
        }
        self
    }

    /// Offer one more tool (before the first `run`, like prompt sections).
    pub fn with_tool(mut self, tool: Arc<dyn crate::tools::Tool>) -> Self {
        self.tools.add(tool);
        self
    }

    /// Permissions, approvals and hooks for this session's tool calls.
    pub fn with_gate(mut self, gate: Arc<Gate>) -> Self {
        self.gate = gate;
        self
    }

    /// Run the SessionEnd hooks (the session will take no more requests).
    pub async fn end(&self, reason: &str) {
        self.gate
            .event(HookEvent::SessionEnd, None, json!({ "reason": reason }))
            .await;
    }

    pub fn steer_handle(&self) -> SteerHandle {
        SteerHandle(self.steer_tx.clone())
    }

    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Tokens used so far, sub-agents' included.
    pub fn usage(&self) -> Usage {
        let mut total = self.usage;
        total.add(&self.children.usage);
        total
    }

    /// What the session cost so far, sub-agents included (each priced for
    /// its own model); `None` when a model's price is unknown.
    pub fn cost_usd(&self) -> Option<f64> {
        let own = (self.cost)(&self.usage);
        if self.children.count == 0 {
            return own;
        }
        Some(own? + self.children.cost?)
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    fn save_checkpoint(&self) {
        if let Some(c) = &self.checkpoint {
            c.checkpoint(&self.messages);
        }
    }

    fn finish(&self, outcome: Outcome) -> Outcome {
        self.save_checkpoint();
        self.emit(Event::Finished { outcome });
        outcome
    }

    /// Handle one user request; may be called again to follow up.
    /// `model via provider`, as `/model` answers.
    pub fn model_line(&self) -> String {
        format!("{} via {}", self.config.model, self.provider_name)
    }

    pub async fn run(&mut self, prompt: &str) -> Outcome {
        self.run_with_images(prompt, Vec::new()).await
    }

    /// `run`, with images after the prompt's text in its message
    /// (`tandem exec -i`).
    pub async fn run_with_images(&mut self, prompt: &str, images: Vec<Image>) -> Outcome {
        self.start().await;
        // A sub-agent's prompt comes from the model, not the user: its
        // hooks are SubagentStart's, whose context the sub-agent gets.
        let submit = match &self.subagent {
            Some(agent_type) => {
                let start = self
                    .gate
                    .event(
                        HookEvent::SubagentStart,
                        Some(agent_type),
                        json!({ "agent_id": self.subagent_id, "agent_type": agent_type }),
                    )
                    .await;
                HookOutcome {
                    context: start.context,
                    ..Default::default()
                }
            }
            None => {
                self.gate
                    .event(
                        HookEvent::UserPromptSubmit,
                        None,
                        json!({ "prompt": prompt }),
                    )
                    .await
            }
        };
        self.hook_context(&submit);
        if let Some(outcome) = self.stopped_by_hook() {
            return outcome;
        }
        if let Some(reason) = submit.blocked {
            self.emit(Event::Error {
                message: format!("a UserPromptSubmit hook blocked the prompt: {reason}"),
            });
            return self.finish(Outcome::Done);
        }
        self.add_user_text(prompt.to_string());
        if let Some(last) = self.messages.last_mut() {
            last.content.extend(images.into_iter().map(Block::Image));
        }
        self.drive().await
    }

    /// Carry on from the history given by `with_history` without a new
    /// request: the model is asked again where the conversation stopped (a
    /// task interrupted mid-run).
    pub async fn resume(&mut self) -> Outcome {
        self.start().await;
        match self.messages.last() {
            None => return self.finish(Outcome::Done),
            // The model had the last word and asked for no tools: done.
            Some(last) if last.role == Role::Assistant && last.tool_uses().next().is_none() => {
                self.emit(Event::Message { text: last.text() });
                return self.finish(Outcome::Done);
            }
            // Tool calls whose results were lost with the process: say so
            // and let the model decide what to redo.
            Some(last) if last.role == Role::Assistant => {
                let lost: Vec<Block> = last
                    .tool_uses()
                    .map(|(id, _, _)| Block::ToolResult {
                        tool_use_id: id.to_string(),
                        content: "not finished: the task was interrupted; run it again if needed"
                            .into(),
                        is_error: true,
                        images: Vec::new(),
                    })
                    .collect();
                self.messages.push(Message {
                    role: Role::User,
                    content: lost,
                });
            }
            Some(_) => {}
        }
        self.drive().await
    }

    /// Build the system prompt and run the start hooks, once per session.
    async fn start(&mut self) {
        if self.system.is_none() {
            let ins = instructions::load(
                &self.config.cwd,
                self.config.home.as_deref(),
                self.config.instructions_cap,
            );
            if let Some((catalog, table)) = self.subagents.take() {
                let parent = subagents::Parent {
                    provider: self.provider.clone(),
                    provider_name: self.provider_name.clone(),
                    config: self.config.clone(),
                    gate: self.gate.clone(),
                    events: self.events.clone(),
                    tools: self.tools.clone(),
                    table,
                    instructions: ins.clone(),
                };
                let task = subagents::TaskTool::new(parent, catalog, self.ledger.clone());
                self.tools.add(Arc::new(task));
            }
            let date = today();
            let mut system = system_prompt(&self.config.cwd, &date, &ins);
            for section in &self.sections {
                system.push('\n');
                system.push_str(section.trim_end());
                system.push('\n');
            }
            self.system = Some(system);
            self.emit(Event::Started {
                model: self.config.model.clone(),
                provider: self.provider_name.clone(),
                instructions: ins.loaded.iter().map(|p| p.display().to_string()).collect(),
                sandbox: self.ctx.sandbox.as_ref().map(|s| s.describe()),
            });
            for event in std::mem::take(&mut self.startup_events) {
                self.emit(event);
            }
            self.unpriced_cap();
            self.nested = Some(instructions::Nested::new(
                &self.config.cwd,
                self.config.home.as_deref(),
                self.config.instructions_cap,
                &ins.loaded,
            ));
            // A follow-up or a resumed task continues a conversation.
            let source = if self.messages.is_empty() {
                "startup"
            } else {
                "resume"
            };
            self.session_start(source).await;
        }
    }

    /// SessionStart's hooks with `source` (startup, resume, compact); their
    /// context joins the conversation.
    async fn session_start(&mut self, source: &str) {
        let start = self
            .gate
            .event(
                HookEvent::SessionStart,
                Some(source),
                json!({ "source": source, "model": self.config.model }),
            )
            .await;
        self.hook_context(&start);
    }

    /// A hook answered `continue: false`: the run ends here, its reason
    /// shown. A sub-agent ends too but leaves the reason for its parent,
    /// whose run it also ends.
    fn stopped_by_hook(&mut self) -> Option<Outcome> {
        let reason = match self.subagent {
            Some(_) => self.gate.stopped()?,
            None => self.gate.take_stop()?,
        };
        self.emit(Event::Error { message: reason });
        Some(self.finish(Outcome::Done))
    }

    /// The turn loop, from a conversation that ends with a user message.
    async fn drive(&mut self) -> Outcome {
        let mut stop_hook_active = false;
        let mut told_broken = false;
        // Turns the provider paused and the loop sent back to go on.
        let mut paused = 0;
        // A new request (or a resumed one) starts the counts again.
        self.guard = LoopGuard::default();

        for _ in 0..self.config.max_turns {
            if self.ctx.cancel.is_cancelled() {
                return self.finish(Outcome::Cancelled);
            }
            if let Some(outcome) = self.stopped_by_hook() {
                return outcome;
            }
            self.take_steering();
            if self.needs_compaction() {
                self.compact().await;
            }
            self.save_checkpoint();
            self.turn += 1;
            self.emit(Event::TurnStarted { turn: self.turn });
            let request = self.request(self.messages.clone(), true);
            let response = match self.call_model(&request).await {
                Ok(r) => r,
                Err(ModelError::Cancelled) => return self.finish(Outcome::Cancelled),
                Err(e) => {
                    self.emit(Event::Error {
                        message: e.to_string(),
                    });
                    return self.finish(Outcome::ModelError);
                }
            };
            self.account(&response.usage);
            let stop_reason = response.stop_reason;
            let mut message = response.message;
            super::hosted::report(&message, &self.ctx, |e| self.emit(e));
            if let Some(why) = self.over_budget() {
                return self.end_over_budget(message, why);
            }
            if message.tool_uses().next().is_none() {
                match text_calls::read(&message.text(), |n| self.tools.get(n).is_some()) {
                    InText::Calls(found) => self.calls_from_text(&mut message, found),
                    InText::Broken(why) if !told_broken => {
                        // Once: the model is told, and tries again.
                        told_broken = true;
                        self.messages.push(message);
                        self.emit(Event::Warning {
                            message: format!(
                                "the model wrote what looks like a tool call in its reply, but {why}; it was asked to call the tool properly"
                            ),
                        });
                        self.add_user_text(format!(
                            "[Tandem] Your reply looks like a tool call written as text, but {why}. Call tools with tool calls, not in the reply text."
                        ));
                        continue;
                    }
                    InText::Broken(why) => self.emit(Event::Warning {
                        message: format!(
                            "the model's last reply looks like a tool call that could not be run ({why}): nothing was done for it"
                        ),
                    }),
                    InText::Nothing => {}
                }
            }
            let calls: Vec<Call> = message
                .tool_uses()
                .map(|(id, name, input)| Call {
                    id: id.to_string(),
                    name: name.to_string(),
                    input: input.clone(),
                })
                .collect();
            let text = message.text();
            self.messages.push(message);
            // Hooks about to run (PreToolUse, Stop) read the transcript
            // with the model's latest reply in it, as Claude Code's do.
            self.save_checkpoint();
            // A turn the provider paused (its own search ran long) goes on
            // when the conversation is sent back as it is.
            if calls.is_empty() && stop_reason == StopReason::Paused && paused < MAX_PAUSES {
                paused += 1;
                continue;
            }
            if calls.is_empty() {
                // A Stop hook may send the agent back to work (once per
                // stop, so a hook cannot loop it forever).
                let mut input = json!({
                    "stop_hook_active": stop_hook_active,
                    "last_assistant_message": text,
                });
                let event = match &self.subagent {
                    Some(agent_type) => {
                        input["agent_type"] = agent_type.clone().into();
                        input["agent_id"] = self.subagent_id.clone().into();
                        HookEvent::SubagentStop
                    }
                    None => HookEvent::Stop,
                };
                let subject = self.subagent.clone();
                let stop = self.gate.event(event, subject.as_deref(), input).await;
                // `continue: false` wins over a block: the agent stops.
                if stop.stop.is_some() {
                    self.emit(Event::Message { text: text.clone() });
                    if let Some(outcome) = self.stopped_by_hook() {
                        return outcome;
                    }
                }
                if let Some(reason) = stop.blocked.filter(|_| !stop_hook_active) {
                    stop_hook_active = true;
                    self.add_user_text(format!("[Stop hook] {reason}"));
                    continue;
                }
                self.emit(Event::Message { text });
                return self.finish(Outcome::Done);
            }
            stop_hook_active = false;
            // Only the paths each call names, and only when nested
            // instruction files are followed (not the calls' whole inputs).
            let seen: Vec<(String, Value, bool)> = calls
                .iter()
                .map(|c| (c.name.clone(), c.input.clone(), self.read_only(c)))
                .collect();
            let touched: Vec<Vec<String>> = match self.nested {
                Some(_) => calls
                    .iter()
                    .map(|c| instructions::touched_paths(&c.name, &c.input))
                    .collect(),
                None => Vec::new(),
            };
            let mut results = run_calls(
                calls,
                &self.tools,
                &self.ctx,
                &self.gate,
                self.config.tool_output_limit,
                &self.events,
            )
            .await;
            self.add_nested_instructions(&touched, &mut results);
            let checked = self.guard.after_calls(&seen, &mut results);
            self.messages.push(Message {
                role: Role::User,
                content: results,
            });
            self.fold_subagents();
            for message in checked.warnings {
                self.emit(Event::Warning { message });
            }
            if let Some(message) = checked.stuck {
                self.emit(Event::Error { message });
                return self.finish(Outcome::Stuck);
            }
            if let Some(message) = self.over_budget() {
                self.emit(Event::Error { message });
                return self.finish(Outcome::Budget);
            }
        }
        if self.ctx.cancel.is_cancelled() {
            return self.finish(Outcome::Cancelled);
        }
        self.finish(Outcome::TurnLimit)
    }

    /// The first time a tool touches a file under a folder below the
    /// working folder that has instruction files, their text joins that
    /// tool's result (once per session).
    /// `touched`: the paths of each call, in call order.
    fn add_nested_instructions(&mut self, touched: &[Vec<String>], results: &mut [Block]) {
        let Some(nested) = self.nested.as_mut() else {
            return;
        };
        for (paths, result) in touched.iter().zip(results.iter_mut()) {
            let Block::ToolResult {
                content, is_error, ..
            } = result
            else {
                continue;
            };
            if *is_error {
                continue;
            }
            for path in paths {
                let Ok(rel) = self.ctx.workspace.relative(path) else {
                    continue;
                };
                if let Some(load) = nested.touch(&self.ctx.workspace.absolute(&rel)) {
                    content.push_str(&load.text);
                    let _ = self.events.send(Event::InstructionsLoaded {
                        files: load.files.iter().map(|p| p.display().to_string()).collect(),
                        trigger: rel,
                    });
                }
            }
        }
    }

    /// Hook output meant for the model joins the conversation as context
    /// (the gate reports hook problems).
    fn hook_context(&mut self, outcome: &HookOutcome) {
        if !outcome.context.is_empty() {
            self.add_user_text(format!("[hook context]\n{}", outcome.context.join("\n")));
        }
    }

    /// Add user text, joining the pending user message (tool results, or an
    /// earlier request left unanswered) so roles keep alternating.
    /// The calls a model wrote in its reply become the reply's tool calls
    /// (its text stays), and the user is told.
    fn calls_from_text(&mut self, message: &mut Message, found: Vec<(String, Value)>) {
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        self.emit(Event::Warning {
            message: format!(
                "the model wrote {} tool call{} as text ({}); Tandem ran {} as tool calls",
                found.len(),
                if found.len() == 1 { "" } else { "s" },
                names.join(", "),
                if found.len() == 1 { "it" } else { "them" },
            ),
        });
        for (i, (name, input)) in found.into_iter().enumerate() {
            message.content.push(Block::ToolUse {
                id: format!("text_call_{}_{}", self.turn, i + 1),
                name,
                input,
            });
        }
    }

    fn add_user_text(&mut self, text: String) {
        let block = Block::Text { text };
        match self.messages.last_mut() {
            Some(last) if last.role == Role::User => last.content.push(block),
            _ => self.messages.push(Message {
                role: Role::User,
                content: vec![block],
            }),
        }
    }

    fn take_steering(&mut self) {
        while let Ok(message) = self.steer_rx.try_recv() {
            self.emit(Event::Steered {
                message: message.clone(),
            });
            self.add_user_text(format!(
                "[The user added while you were working]: {message}"
            ));
        }
    }

    fn request(&self, mut messages: Vec<Message>, with_tools: bool) -> ModelRequest {
        if !self.config.images {
            messages = messages.iter().map(Message::without_images).collect();
        }
        ModelRequest {
            model: self.config.model.clone(),
            system: self.system.clone().unwrap_or_default(),
            messages,
            tools: if with_tools {
                self.tools.specs_for(self.config.freeform_apply_patch)
            } else {
                Vec::new()
            },
            max_tokens: self.config.max_tokens,
            thinking_budget: self.config.thinking_budget,
            web_search: self.config.web_search && with_tools,
        }
    }

    fn account(&mut self, call: &Usage) {
        self.usage.add(call);
        self.last_context_tokens = call.context_tokens() + call.output_tokens;
        self.emit(Event::Usage {
            call: *call,
            total: self.usage(),
            cost_usd: self.cost_usd(),
            max_cost_usd: self.config.max_cost,
        });
    }

    fn read_only(&self, call: &Call) -> bool {
        self.tools
            .get(&call.name)
            .is_none_or(|t| t.permission_for(&call.input) == Permission::ReadOnly)
    }

    /// A cap on a model whose price is unknown cannot be enforced: said
    /// (once) rather than silently ignored.
    fn unpriced_cap(&mut self) {
        if let Some(cap) = self.config.max_cost
            && !self.told_unpriced
            && self.cost_usd().is_none()
        {
            self.told_unpriced = true;
            let model = self.config.model.clone();
            self.emit(Event::Warning {
                message: budget::unenforceable(cap, &model),
            });
        }
    }

    /// Why the run must end now: its cost reached the cap.
    fn over_budget(&mut self) -> Option<String> {
        self.unpriced_cap();
        budget::reached(self.config.max_cost, self.cost_usd())
    }

    /// End the run after the call that crossed the cap: its reply is kept
    /// (with "not run" results for its tool calls, so the conversation can
    /// be continued) and shown.
    fn end_over_budget(&mut self, message: Message, why: String) -> Outcome {
        let text = message.text();
        let not_run: Vec<Block> = message
            .tool_uses()
            .map(|(id, _, _)| Block::ToolResult {
                tool_use_id: id.to_string(),
                content: "not run: the run's cost cap was reached".into(),
                is_error: true,
                images: Vec::new(),
            })
            .collect();
        self.messages.push(message);
        if !not_run.is_empty() {
            self.messages.push(Message {
                role: Role::User,
                content: not_run,
            });
        }
        if !text.trim().is_empty() {
            self.emit(Event::Message { text });
        }
        self.emit(Event::Error { message: why });
        self.finish(Outcome::Budget)
    }

    /// Add what the turn's sub-agents used to the totals.
    fn fold_subagents(&mut self) {
        let turn = self.ledger.end_turn();
        if turn.count > 0 {
            self.children.merge(&turn);
            self.emit(Event::Usage {
                call: turn.usage,
                total: self.usage(),
                cost_usd: self.cost_usd(),
                max_cost_usd: self.config.max_cost,
            });
        }
    }

    /// One model call, forwarding display deltas, abandoned on cancel.
    async fn call_model(&self, request: &ModelRequest) -> Result<ModelResponse, ModelError> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let call = self.provider.stream(request, &tx);
        tokio::pin!(call);
        let forward = |d: ModelDelta| match d {
            ModelDelta::Text { text } => self.emit(Event::TextDelta { text }),
            ModelDelta::Thinking { text } => self.emit(Event::ThinkingDelta { text }),
            ModelDelta::Retrying {
                attempt,
                delay_ms,
                reason,
            } => self.emit(Event::Retrying {
                attempt,
                delay_ms,
                reason,
            }),
            ModelDelta::ToolCallStarted { .. } => {}
        };
        loop {
            tokio::select! {
                biased;
                _ = self.ctx.cancel.cancelled() => return Err(ModelError::Cancelled),
                Some(d) = rx.recv() => forward(d),
                result = &mut call => {
                    while let Ok(d) = rx.try_recv() {
                        forward(d);
                    }
                    return result;
                }
            }
        }
    }

    fn needs_compaction(&self) -> bool {
        self.last_context_tokens as f64
            > self.config.compact_threshold * self.config.context_window as f64
    }

    /// Compact the conversation now (`/compact [focus]`): the older part
    /// replaced by a summary that keeps `focus` in view, saved at once.
    /// False when there was nothing to compact or the summary failed (said
    /// in an event).
    pub async fn compact_now(&mut self, focus: Option<&str>) -> bool {
        self.start().await;
        let before = self.messages.len();
        self.compact_with("manual", focus).await;
        self.save_checkpoint();
        self.messages.len() < before
    }

    /// Replace the older part of the conversation with a summary. A failure
    /// is reported and the run goes on uncompacted.
    async fn compact(&mut self) {
        self.compact_with("auto", None).await;
    }

    async fn compact_with(&mut self, trigger: &str, focus: Option<&str>) {
        self.gate
            .event(
                HookEvent::PreCompact,
                Some(trigger),
                json!({ "trigger": trigger, "custom_instructions": focus.unwrap_or("") }),
            )
            .await;
        // Asked for: even a short conversation, keeping its last reply.
        let keep = match trigger {
            "manual" => self.config.keep_recent_messages.min(1),
            _ => self.config.keep_recent_messages,
        };
        let Some(split) = compaction::split_point(&self.messages, keep) else {
            if trigger == "manual" {
                self.emit(Event::Warning {
                    message: "nothing to compact yet".into(),
                });
            }
            return;
        };
        let older = &self.messages[..split];
        let mut ask = compaction::summary_request(older);
        if let Some(focus) = focus.filter(|f| !f.trim().is_empty())
            && let Some(last) = ask.last_mut()
        {
            last.content.push(Block::Text {
                text: format!("Focus the summary on: {focus}"),
            });
        }
        let request = self.request(ask, true);
        let summary = match self.call_model(&request).await {
            Ok(r) if !r.message.text().trim().is_empty() => {
                self.account(&r.usage);
                r.message.text()
            }
            Ok(_) => {
                self.emit(Event::Error {
                    message: "compaction skipped: the model returned no summary".into(),
                });
                return;
            }
            Err(e) => {
                self.emit(Event::Error {
                    message: format!("compaction skipped: {e}"),
                });
                return;
            }
        };
        let first_request = self.messages[0].text();
        let before = self.messages.len();
        let mut compacted = vec![compaction::summary_message(&first_request, &summary)];
        compacted.extend(self.messages.drain(split..));
        self.messages = compacted;
        if let Some(nested) = self.nested.as_mut() {
            nested.forget();
        }
        // Unknown until the next call reports it; do not compact twice in a row.
        self.last_context_tokens = 0;
        self.emit(Event::Compacted {
            messages_before: before,
            messages_after: self.messages.len(),
        });
        self.gate
            .event(
                HookEvent::PostCompact,
                Some(trigger),
                json!({ "trigger": trigger, "compact_summary": summary }),
            )
            .await;
        // As after Claude Code's compaction: SessionStart hooks with
        // source `compact` put back what the summary may have lost.
        self.session_start("compact").await;
    }
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
pub(super) fn today() -> String {
    crate::clock::today()
}

#[cfg(test)]
mod tests;
