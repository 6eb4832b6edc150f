//! The `task` tool: runs a child session for one part of the parent's work
//! and hands its final message back as the tool result.
//!
//! The child gets its own conversation, the system prompt of its type, a
//! subset of the parent's tools (never `task`: no recursion), the parent's
//! provider and gate, and a tool context over the parent's workspace and
//! sandbox with a cancel token that is a child of the parent's. Its events
//! reach the parent's stream wrapped in `Event::Subagent`; its usage and
//! cost go to the `Ledger`, which the parent session folds into its totals
//! after each batch of tool calls.

use super::catalog::{AgentType, Catalog, DEFAULT_TYPE};
use super::siblings::{Conflict, Siblings};
use crate::agent::events::{Event, Outcome};
use crate::agent::gate::Gate;
use crate::agent::session::{Session, SessionConfig};
use crate::agent::{instructions, prompt};
use crate::changes::ChangeSet;
use crate::model::{ModelTable, Provider, Role, Usage};
use crate::sync::Mutex;
use crate::tools::{Permission, Registry, Tool, ToolContext, ToolOutput, parse_input};
use crate::workspace::Workspace;
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::sync::mpsc::{self, UnboundedSender};

/// What children used, not yet folded into the parent's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub usage: Usage,
    /// `None` once any child's model has no known price.
    pub cost: Option<f64>,
    pub count: u32,
}

impl Totals {
    pub fn add(&mut self, usage: &Usage, cost: Option<f64>) {
        self.merge(&Totals {
            usage: *usage,
            cost,
            count: 1,
        });
    }

    pub fn merge(&mut self, other: &Totals) {
        if other.count == 0 {
            return;
        }
        let known = self.count == 0 || self.cost.is_some();
        self.usage.add(&other.usage);
        self.cost = match (known, other.cost) {
            (true, Some(c)) => Some(self.cost.unwrap_or(0.0) + c),
            _ => None,
        };
        self.count += other.count;
    }
}

/// Shared by the parent session and its `task` tool.
#[derive(Default)]
pub struct Ledger {
    state: Mutex<LedgerState>,
}

#[derive(Default)]
struct LedgerState {
    pending: Totals,
    siblings: Siblings,
    started: u32,
}

impl Ledger {
    fn next_number(&self) -> u32 {
        let mut s = self.state.lock();
        s.started += 1;
        s.started
    }

    fn finished(&self, usage: &Usage, cost: Option<f64>) {
        self.state.lock().pending.add(usage, cost);
    }

    fn record_writer(&self, owner: &str, changes: &[(String, String, String)]) -> Vec<Conflict> {
        self.state.lock().siblings.record(owner, changes)
    }

    /// The parent's turn is over: what its children used since the last
    /// call, and a fresh start for sibling conflicts.
    pub fn end_turn(&self) -> Totals {
        let mut s = self.state.lock();
        s.siblings = Siblings::default();
        std::mem::take(&mut s.pending)
    }
}

/// What a child takes from its parent session.
pub struct Parent {
    pub provider: Arc<dyn Provider>,
    pub provider_name: String,
    pub config: SessionConfig,
    pub gate: Arc<Gate>,
    pub events: UnboundedSender<Event>,
    /// The parent's tools (without `task`).
    pub tools: Registry,
    pub table: ModelTable,
    /// The parent's instruction files, for its children's prompts.
    pub instructions: instructions::Instructions,
}

pub struct TaskTool {
    parent: Parent,
    catalog: Catalog,
    ledger: Arc<Ledger>,
    description: String,
}

#[derive(Deserialize)]
struct Input {
    description: String,
    prompt: String,
}

impl TaskTool {
    pub fn new(parent: Parent, catalog: Catalog, ledger: Arc<Ledger>) -> Self {
        let description = describe(&catalog, &parent.tools);
        TaskTool {
            parent,
            catalog,
            ledger,
            description,
        }
    }

    /// The type the call names, also under Claude Code's names for the
    /// built-in ones (`Explore`, `general-purpose`), which models know.
    fn agent_type(&self, input: &Value) -> Option<&AgentType> {
        let name = input
            .get("subagent_type")
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_TYPE);
        self.catalog.get(name).or_else(|| {
            let alias = match name.to_ascii_lowercase().as_str() {
                "explore" | "explorer" => "explore",
                "general" | "general-purpose" => "general",
                _ => return None,
            };
            self.catalog.get(alias)
        })
    }

    /// The child's tools: its type's subset of the parent's (those the
    /// parent has), never `task`: `Parent.tools` is the parent's set from
    /// before its own `task` tool was added, and `map_tools` refuses `task`.
    fn child_tools(&self, agent: &AgentType) -> Registry {
        match &agent.tools {
            None => self.parent.tools.clone(),
            Some(names) => {
                let mut r = Registry::new();
                for name in names {
                    if let Some(tool) = self.parent.tools.get(name) {
                        r.add(tool);
                    }
                }
                r
            }
        }
    }

    /// Whether any of the agent's tools writes (asked up to three times
    /// per `task` call: looks tools up rather than building a registry).
    fn is_writer(&self, agent: &AgentType) -> bool {
        let writes = |t: &Arc<dyn Tool>| t.permission() != Permission::ReadOnly;
        match &agent.tools {
            None => self.parent.tools.all().iter().any(writes),
            Some(names) => names
                .iter()
                .filter_map(|n| self.parent.tools.get(n))
                .any(|t| writes(&t)),
        }
    }

    fn system_prompt(&self, agent: &AgentType) -> String {
        let c = &self.parent.config;
        prompt::system_prompt_with(
            &agent.prompt,
            &c.cwd,
            &crate::agent::session::today(),
            &self.parent.instructions,
        )
    }
}

#[async_trait]
impl Tool for TaskTool {
    fn name(&self) -> &str {
        "task"
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "description": {
                    "type": "string",
                    "description": "A short (3-5 word) description of the sub-task"
                },
                "prompt": {
                    "type": "string",
                    "description": "The complete task for the sub-agent: it sees nothing else of this conversation"
                },
                "subagent_type": {
                    "type": "string",
                    "enum": self.catalog.names(),
                    "description": "Which kind of sub-agent (default `explore`)"
                }
            },
            "required": ["description", "prompt"],
            "additionalProperties": false
        })
    }

    /// Asked without an input: a writer, the cautious answer.
    fn permission(&self) -> Permission {
        Permission::Edit
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["Task"]
    }

    /// Read-only types are readers, so several run in parallel; writers
    /// run alone. An unknown type fails at once, whatever the answer.
    fn permission_for(&self, input: &Value) -> Permission {
        match self.agent_type(input) {
            Some(agent) if self.is_writer(agent) => Permission::Edit,
            _ => Permission::ReadOnly,
        }
    }

    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        let agent = match self.agent_type(&input) {
            Some(a) => a.clone(),
            None => {
                return ToolOutput::error(format!(
                    "there is no sub-agent type `{}`; the types are: {}",
                    input["subagent_type"].as_str().unwrap_or_default(),
                    self.catalog.names().join(", ")
                ));
            }
        };
        let input: Input = match parse_input("task", input) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let p = &self.parent;
        let id = format!("{}-{}", agent.name, self.ledger.next_number());
        let writer = self.is_writer(&agent);
        let model = resolve_model(agent.model.as_deref(), &p.config.model, &p.provider_name);
        let mut config = p.config.clone();
        if model != config.model
            && let Some(window) = p.table.context_window(&model)
        {
            config.context_window = window;
        }
        config.freeform_apply_patch = p.table.freeform_apply_patch(&model);
        config.images = p.table.images(&model);
        config.model = model.clone();

        let mut child_ctx = ToolContext::new(ctx.workspace.clone(), ctx.cancel.child_token());
        child_ctx.shell_timeout = ctx.shell_timeout;
        child_ctx.output_limit = ctx.output_limit;
        child_ctx.sandbox = ctx.sandbox.clone();
        child_ctx.problems = ctx.problems.clone();
        child_ctx.read_roots = ctx.read_roots.clone();
        // The child runs under the parent's gate: so do its redirects.
        if let Some(gate) = ctx.recheck.get() {
            let _ = child_ctx.recheck.set(gate.clone());
        }
        let child_ctx = Arc::new(child_ctx);

        let _ = p.events.send(Event::SubagentStarted {
            id: id.clone(),
            agent_type: agent.name.clone(),
            description: input.description.clone(),
            model: model.clone(),
        });
        let before = writer.then(|| ctx.workspace.changes());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let table = p.table.clone();
        let cost_model = model.clone();
        let mut child = Session::new(
            p.provider.clone(),
            p.provider_name.clone(),
            self.child_tools(&agent),
            child_ctx.clone(),
            config,
            tx,
            Arc::new(move |u: &Usage| table.cost(&cost_model, u)),
        )
        .with_gate(p.gate.clone())
        .into_subagent(self.system_prompt(&agent), &agent.name, &id);

        let run = async move {
            let outcome = child.run(&input.prompt).await;
            let text = child
                .messages()
                .iter()
                .rev()
                .find(|m| m.role == Role::Assistant)
                .map(|m| m.text())
                .unwrap_or_default();
            let done = (outcome, text, child.usage(), child.cost_usd());
            drop(child); // closes the event channel
            done
        };
        let events = p.events.clone();
        let forward_id = id.clone();
        let forward = async move {
            let mut last_error = None;
            while let Some(event) = rx.recv().await {
                if let Event::Error { message } = &event {
                    last_error = Some(message.clone());
                }
                let _ = events.send(Event::Subagent {
                    id: forward_id.clone(),
                    event: Box::new(event),
                });
            }
            last_error
        };
        let ((outcome, text, usage, cost), last_error) = tokio::join!(run, forward);

        self.ledger.finished(&usage, cost);
        let commands = std::mem::take(&mut *child_ctx.commands.lock());
        ctx.commands.lock().extend(commands);
        for s in child_ctx.sources.lock().iter() {
            ctx.used_source(&s.kind, &s.name, &s.detail);
        }

        let mut changed = Vec::new();
        let mut conflicts = Vec::new();
        if let Some(before) = before {
            let files = changed_files(&ctx.workspace, &before, &ctx.workspace.changes());
            changed = files.iter().map(|(p, _, _)| p.clone()).collect();
            let owner = format!("{id} ({})", input.description);
            conflicts = self.ledger.record_writer(&owner, &files);
            for c in &conflicts {
                let _ = p.events.send(Event::SubagentConflict {
                    id: id.clone(),
                    path: c.path.clone(),
                    lines: c.lines(),
                    with: c.with.clone(),
                });
            }
        }
        let _ = p.events.send(Event::SubagentFinished {
            id: id.clone(),
            agent_type: agent.name.clone(),
            outcome,
            usage,
            cost_usd: cost,
        });
        result(outcome, text, last_error, &changed, &conflicts)
    }
}

/// The tool result: the child's final message, what it changed, and any
/// conflict with an earlier writer of the same turn.
fn result(
    outcome: Outcome,
    text: String,
    error: Option<String>,
    changed: &[String],
    conflicts: &[Conflict],
) -> ToolOutput {
    let mut out = match outcome {
        Outcome::Done if text.trim().is_empty() => {
            "(the sub-agent ended without a final message)".to_string()
        }
        Outcome::Done => text,
        Outcome::TurnLimit => format!(
            "The sub-agent stopped at its turn limit before finishing. Its last words:\n{text}"
        ),
        Outcome::Cancelled => "The sub-agent was cancelled.".to_string(),
        Outcome::Stuck | Outcome::Budget => format!(
            "The sub-agent was stopped: {}. Its last words:\n{text}",
            error
                .as_deref()
                .unwrap_or("it kept repeating a failing call")
        ),
        Outcome::ModelError => format!(
            "The sub-agent's model call failed: {}",
            error.as_deref().unwrap_or("unknown error")
        ),
    };
    if !changed.is_empty() {
        out.push_str(&format!(
            "\n\n[files this sub-agent changed in the proposal: {}]",
            changed.join(", ")
        ));
    }
    for c in conflicts {
        out.push_str(&format!(
            "\n\n[conflict] This sub-agent changed {} of {}, where sub-agent {} also made \
             changes earlier in this turn. Both sets of edits are in the proposal (this one was \
             made on top of the other); read the file and check that they fit together.",
            c.lines(),
            c.path,
            c.with
        ));
    }
    ToolOutput {
        content: out,
        is_error: outcome != Outcome::Done,
        images: Vec::new(),
    }
}

/// Each file whose text the agent sees differs between the two proposals:
/// `(path, before, after)`, a missing file as empty text.
fn changed_files(
    ws: &Workspace,
    before: &ChangeSet,
    after: &ChangeSet,
) -> Vec<(String, String, String)> {
    let paths: BTreeSet<&String> = before
        .files()
        .chain(after.files())
        .map(|(p, _)| p)
        .collect();
    let text = |cs: &ChangeSet, path: &str| match cs.proposed(path) {
        Some(t) => t.unwrap_or_default().to_string(),
        None => ws.base_text(path).ok().flatten().unwrap_or_default(),
    };
    paths
        .into_iter()
        .filter_map(|p| {
            let (b, a) = (text(before, p), text(after, p));
            (b != a).then(|| (p.clone(), b, a))
        })
        .collect()
}

/// The model a child uses. No model (or `inherit`) is the parent's. The
/// Claude aliases `sonnet`, `opus` and `haiku` name current Claude models
/// when the parent talks to Anthropic, and the parent's model otherwise
/// (another provider cannot serve them). Any other name is a model id sent
/// to the parent's provider, with the same endpoint and key.
pub fn resolve_model(wanted: Option<&str>, parent_model: &str, provider_name: &str) -> String {
    let alias = |id: &str| {
        if provider_name == "anthropic" {
            id.to_string()
        } else {
            parent_model.to_string()
        }
    };
    match wanted.map(str::trim) {
        None | Some("") | Some("inherit") => parent_model.to_string(),
        Some("sonnet") => alias("claude-sonnet-4-5"),
        Some("opus") => alias("claude-opus-4-5"),
        Some("haiku") => alias("claude-haiku-4-5"),
        Some(id) => id.to_string(),
    }
}

/// The tool description: how to use it, and the types there are.
fn describe(catalog: &Catalog, parent_tools: &Registry) -> String {
    let mut out = String::from(
        "Start a sub-agent for a self-contained part of your work. It has its own context \
         window, sees only the `prompt` you write (nothing of this conversation), works with its \
         own tools, and its final message comes back as this tool's result.\n\
         - Read-only types run in parallel: for independent questions, ask for several `task` \
         calls in one response.\n\
         - Writers (types that can edit or run commands) run one at a time; their edits join \
         your proposal. If two writers of one response change the same lines, the later one's \
         result says so.\n\
         - Give a short `description` and a complete `prompt`: the goal, where to look, and what \
         to report back.\n\nTypes (`subagent_type`, default `explore`):\n",
    );
    for agent in catalog.types() {
        let tools = match &agent.tools {
            None => "every tool".to_string(),
            Some(names) => {
                let have: Vec<&str> = names
                    .iter()
                    .filter(|n| parent_tools.get(n).is_some())
                    .map(String::as_str)
                    .collect();
                if have.is_empty() {
                    "no tools".into()
                } else {
                    have.join(", ")
                }
            }
        };
        out.push_str(&format!(
            "- {}: {} (tools: {tools})\n",
            agent.name,
            agent.description.replace('\n', " ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_inherit_or_resolve_through_the_same_provider() {
        assert_eq!(resolve_model(None, "p", "openai"), "p");
        assert_eq!(resolve_model(Some("inherit"), "p", "anthropic"), "p");
        assert_eq!(
            resolve_model(Some("haiku"), "claude-sonnet-4-5", "anthropic"),
            "claude-haiku-4-5"
        );
        assert_eq!(resolve_model(Some("haiku"), "gpt-5", "openai"), "gpt-5");
        assert_eq!(
            resolve_model(Some("gpt-5-mini"), "gpt-5", "openai"),
            "gpt-5-mini"
        );
    }

    #[test]
    fn totals_add_costs_until_one_is_unknown() {
        let u = Usage {
            input_tokens: 10,
            output_tokens: 5,
            ..Usage::default()
        };
        let mut t = Totals::default();
        t.add(&u, Some(0.5));
        t.add(&u, Some(0.25));
        assert_eq!((t.usage.input_tokens, t.cost, t.count), (20, Some(0.75), 2));
        t.add(&u, None);
        assert_eq!(t.cost, None);
        t.add(&u, Some(1.0));
        assert_eq!((t.cost, t.count), (None, 4));
        let mut total = Totals::default();
        total.merge(&Totals::default());
        assert_eq!(total.count, 0);
    }

    struct NoModel;

    #[async_trait]
    impl Provider for NoModel {
        fn name(&self) -> &str {
            "none"
        }
        async fn stream(
            &self,
            _: &crate::model::ModelRequest,
            _: &UnboundedSender<crate::model::ModelDelta>,
        ) -> Result<crate::model::ModelResponse, crate::model::ModelError> {
            Err(crate::model::ModelError::Config("no model".into()))
        }
    }

    fn tool(catalog: Catalog) -> TaskTool {
        let (events, _) = mpsc::unbounded_channel();
        TaskTool::new(
            Parent {
                provider: Arc::new(NoModel),
                provider_name: "replay".into(),
                config: SessionConfig::new("m", "/"),
                gate: Arc::new(Gate::open("/".into())),
                events,
                tools: crate::tools::builtin_tools(),
                table: ModelTable::built_in(),
                instructions: Default::default(),
            },
            catalog,
            Arc::default(),
        )
    }

    #[test]
    fn explorers_are_readers_and_writers_are_not() {
        let mut catalog = Catalog::builtin();
        for (name, tools) in [("looker", vec!["read"]), ("runner", vec!["read", "shell"])] {
            catalog.insert(AgentType {
                name: name.into(),
                description: "d".into(),
                prompt: "P".into(),
                tools: Some(tools.into_iter().map(String::from).collect()),
                model: None,
                source: "x.md".into(),
            });
        }
        let t = tool(catalog);
        let p = |input: Value| t.permission_for(&input);
        assert_eq!(p(json!({})), Permission::ReadOnly);
        assert_eq!(p(json!({"subagent_type": "Explore"})), Permission::ReadOnly);
        assert_eq!(p(json!({"subagent_type": "looker"})), Permission::ReadOnly);
        assert_eq!(
            p(json!({"subagent_type": "general-purpose"})),
            Permission::Edit
        );
        assert_eq!(p(json!({"subagent_type": "runner"})), Permission::Edit);
        assert_eq!(t.permission(), Permission::Edit);
        let mut names = t.child_tools(t.catalog.get("general").unwrap()).names();
        names.sort();
        assert!(!names.contains(&"task".to_string()), "{names:?}");
        assert!(names.contains(&"edit".to_string()), "{names:?}");
    }

    #[test]
    fn the_description_lists_every_type_with_its_tools() {
        let mut catalog = Catalog::builtin();
        catalog.insert(AgentType {
            name: "reviewer".into(),
            description: "Reviews code".into(),
            prompt: "P".into(),
            tools: Some(vec!["read".into(), "shell".into(), "mcp__x__y".into()]),
            model: None,
            source: "r.md".into(),
        });
        let d = describe(&catalog, &crate::tools::builtin_tools());
        assert!(d.contains("- explore: Read-only explorer"), "{d}");
        assert!(d.contains("(tools: read, list, glob, grep)"), "{d}");
        assert!(d.contains("- general: "), "{d}");
        assert!(
            d.contains("- reviewer: Reviews code (tools: read, shell)"),
            "{d}"
        );
    }
}
