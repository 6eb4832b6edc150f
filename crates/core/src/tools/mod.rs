//! Tools the model can call. Each tool is one file with one job; this module
//! holds the trait, the context a tool runs in and the registry.

pub mod apply_patch;
pub mod approval;
pub mod ask_user;
pub mod background;
mod builtin;
pub mod diagnostics;
pub mod edit;
pub mod glob;
pub mod grep;
pub mod list;
mod loose_match;
pub mod memory;
mod multi_edit;
pub mod plan;
pub mod progress;
pub mod read;
pub mod shell;
pub mod skill;
pub mod todo;
pub mod truncate;
mod typed;
mod walk;
pub mod web_fetch;
mod web_page;
pub mod write;

pub use builtin::{builtin, builtin_tools, builtins};
pub use typed::{TypedTool, input_schema};

use crate::sync::Mutex;
use crate::workspace::Workspace;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How risky a tool is; policy decides what each class may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Reads files or state; may run in parallel with other readers.
    ReadOnly,
    /// Changes the proposal (never the user's files directly).
    Edit,
    /// Runs commands.
    Execute,
}

/// What a tool hands back to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput {
    pub content: String,
    pub is_error: bool,
    /// Images for the model after the text (a `read` of a PNG, an MCP
    /// tool's image content); faces show only the text.
    pub images: Vec<crate::model::Image>,
}

impl ToolOutput {
    pub fn ok(content: impl Into<String>) -> Self {
        ToolOutput {
            content: content.into(),
            is_error: false,
            images: Vec::new(),
        }
    }

    pub fn error(content: impl Into<String>) -> Self {
        ToolOutput {
            content: content.into(),
            is_error: true,
            images: Vec::new(),
        }
    }
}

// One entry of the agent's plan (the `todo` tool). A plain comment: a doc
// comment would become a description in the schema the model gets.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
// The schema closes the object without refusing extra fields when parsing.
#[schemars(extend("additionalProperties" = false))]
pub struct TodoItem {
    pub content: String,
    // "pending", "in_progress" or "completed": a string, so that another
    // value gets the todo tool's own message rather than serde's.
    #[schemars(extend("enum" = ["pending", "in_progress", "completed"]))]
    pub status: String,
}

/// A finished shell command, kept for the task's terminal log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommandRecord {
    pub command: String,
    /// None when killed (timeout or cancel).
    pub exit_code: Option<i32>,
    pub output: String,
    pub timed_out: bool,
}

/// Content from outside the repository the agent used (a skill's body, an
/// MCP tool's result), for the result's citation log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceUse {
    /// `skill` or `mcp`.
    pub kind: String,
    /// The skill's name, or `server/tool`.
    pub name: String,
    /// Where it came from: the skill's folder, or the MCP server.
    pub detail: String,
}

/// Everything a tool may touch while it runs.
pub struct ToolContext {
    pub workspace: Arc<Workspace>,
    pub cancel: CancellationToken,
    /// Default and maximum time for a shell command.
    pub shell_timeout: Duration,
    /// Bytes of output a tool may return before truncation.
    pub output_limit: usize,
    pub todos: Mutex<Vec<TodoItem>>,
    pub commands: Mutex<Vec<CommandRecord>>,
    /// Skills and MCP tools whose content the agent used, once each.
    pub sources: Mutex<Vec<SourceUse>>,
    /// Where commands run; `None` runs them in the workspace directly.
    pub sandbox: Option<Arc<dyn crate::sandbox::Sandbox>>,
    /// The editor's diagnostics, when an editor is attached.
    pub problems: Option<Arc<dyn diagnostics::Problems>>,
    /// Folders outside the workspace that `read` may read (the user's
    /// skill folders); never written.
    pub read_roots: Vec<std::path::PathBuf>,
    /// The session's permission mode, shared with its gate.
    pub mode: Arc<crate::policy::ModeCell>,
    /// Who answers `ask_user` and plan approvals: the face's approver,
    /// set once the session has one.
    pub user: std::sync::OnceLock<Arc<dyn approval::Approver>>,
    /// The session's background commands, where they are offered.
    pub background: Option<background::Processes>,
    /// The session's gate, for calls a tool makes on its own after the
    /// gate let it run (`web_fetch` following a redirect to another
    /// domain); set once the session has one.
    pub recheck: std::sync::OnceLock<Arc<dyn Recheck>>,
}

/// Judges a call a tool is about to make itself as if the model had made
/// it: the gate's hooks, rules and approval (`agent::Gate` is one).
#[async_trait]
pub trait Recheck: Send + Sync {
    /// `Err` is the refusal, in the words the model would get.
    async fn allow(&self, tool: &dyn Tool, input: &Value) -> Result<(), ToolOutput>;
}

impl ToolContext {
    pub fn new(workspace: Arc<Workspace>, cancel: CancellationToken) -> Self {
        ToolContext {
            workspace,
            cancel,
            shell_timeout: Duration::from_secs(120),
            output_limit: 30_000,
            todos: Mutex::new(Vec::new()),
            commands: Mutex::new(Vec::new()),
            sources: Mutex::new(Vec::new()),
            sandbox: None,
            problems: None,
            read_roots: Vec::new(),
            mode: Arc::default(),
            user: std::sync::OnceLock::new(),
            background: None,
            recheck: std::sync::OnceLock::new(),
        }
    }
}

impl ToolContext {
    /// Note a source the agent used (kept once).
    pub fn used_source(&self, kind: &str, name: &str, detail: &str) {
        let used = SourceUse {
            kind: kind.into(),
            name: name.into(),
            detail: detail.into(),
        };
        let mut sources = self.sources.lock();
        if !sources.contains(&used) {
            sources.push(used);
        }
    }
}

/// What the calls of a tool act on, known without a call: it tells what the
/// specifier of a rule naming the tool means (`Edit(src/**)` a path,
/// `Bash(npm test:*)` a command, `WebFetch(domain:example.com)` a domain,
/// anything else nothing Tandem can read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acts {
    Files,
    Command,
    Domain,
    Other,
}

/// How a call touches one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads the file.
    Read,
    /// Lists or searches under the folder.
    Search,
    /// Creates or changes the file (in the proposal).
    Write,
    /// Removes the file (in the proposal).
    Delete,
}

/// One path a call touches, as the model wrote it (relative to the
/// workspace or absolute; not checked here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    pub path: String,
    pub access: Access,
}

impl Touch {
    pub fn new(path: impl Into<String>, access: Access) -> Touch {
        Touch {
            path: path.into(),
            access,
        }
    }

    /// The file a call names in its `path` argument (none when it names
    /// none): what the file tools touch.
    pub fn path_arg(input: &Value, access: Access) -> Vec<Touch> {
        input
            .get("path")
            .and_then(Value::as_str)
            .map(|p| Touch::new(p, access))
            .into_iter()
            .collect()
    }
}

/// A tool describes itself, so policy, hooks, sub-agent types, nested
/// instructions and the faces ask it instead of keeping lists of tool names
/// and input fields: a new tool is its file, its `mod` line here and one
/// line in `builtin.rs`.
/// The defaults describe a tool Tandem cannot see into (an MCP tool).
#[async_trait]
pub trait Tool: Send + Sync {
    fn name(&self) -> &str;
    fn description(&self) -> &str;
    /// JSON Schema of the input object.
    fn schema(&self) -> Value;
    /// The free-text form of the input, for models that take it: a
    /// grammar, and the string field of the input object the text fills.
    fn freeform(&self) -> Option<crate::model::Freeform> {
        None
    }
    fn permission(&self) -> Permission;
    /// The permission of one call, when it depends on the input (a `task`
    /// starting a read-only or a writing sub-agent).
    fn permission_for(&self, _input: &Value) -> Permission {
        self.permission()
    }
    /// Claude Code's names for this tool, so settings, hooks and agent
    /// files written for Claude work: `tools: Bash` in an agent file, a
    /// `Bash(...)` rule, a hook matching `Bash`. The first is the name hooks
    /// see.
    fn answers_to(&self) -> &'static [&'static str] {
        &[]
    }
    /// What a rule's specifier matches for this tool.
    fn acts_on(&self) -> Acts {
        Acts::Other
    }
    /// The paths one call touches, read from its input (empty when the
    /// input is not what the tool takes: the call will fail anyway).
    fn touches(&self, _input: &Value) -> Vec<Touch> {
        Vec::new()
    }
    /// The command line one call runs.
    fn command(&self, _input: &Value) -> Option<String> {
        None
    }
    /// The domain one call reaches (a tool that `acts_on` `Domain`).
    fn domain(&self, _input: &Value) -> Option<String> {
        None
    }
    /// What one call acts on, in a few words for people (`cargo test`,
    /// `src/a.rs, src/b.rs`); None when the tool cannot say.
    fn subject(&self, input: &Value) -> Option<String> {
        if let Some(command) = self.command(input) {
            return Some(command);
        }
        let paths: Vec<String> = self
            .touches(input)
            .into_iter()
            .filter(|t| t.access != Access::Search)
            .map(|t| t.path)
            .collect();
        (!paths.is_empty()).then(|| paths.join(", "))
    }
    /// Run with the model's arguments. Invalid arguments, missing files and
    /// every other failure come back as an error output the model can read,
    /// never a panic.
    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput;
}

/// Parse a tool's arguments into its input struct, with an error message that
/// tells the model what was wrong.
pub fn parse_input<T: serde::de::DeserializeOwned>(
    tool: &str,
    input: Value,
) -> Result<T, ToolOutput> {
    serde_json::from_value(input)
        .map_err(|e| ToolOutput::error(format!("invalid arguments for {tool}: {e}")))
}

/// Tools whose set changes while a session runs (an MCP server that starts
/// in the background, or announces a new tool list). Asked on every model
/// call and every tool call, so it must be cheap.
pub trait ToolSource: Send + Sync {
    fn tools(&self) -> Vec<Arc<dyn Tool>>;

    /// One tool by name (every tool call looks one up): override when
    /// listing them all is not free.
    fn get(&self, name: &str) -> Option<Arc<dyn Tool>> {
        self.tools().into_iter().find(|t| t.name() == name)
    }
}

/// The tools available to a session, by name: a fixed set plus sources
/// whose tools join when they are ready. A fixed tool wins a name clash.
#[derive(Clone, Default)]
pub struct Registry {
    tools: BTreeMap<String, Arc<dyn Tool>>,
    sources: Vec<Arc<dyn ToolSource>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, tool: Arc<dyn Tool>) {
        self.tools.insert(tool.name().to_string(), tool);
    }

    /// Leave a fixed tool out (`web_fetch` where the session may not reach
    /// the network).
    pub fn remove(&mut self, name: &str) {
        self.tools.remove(name);
    }

    pub fn add_source(&mut self, source: Arc<dyn ToolSource>) {
        self.sources.push(source);
    }

    /// Every tool now: the fixed ones, then those of the sources.
    pub fn all(&self) -> Vec<Arc<dyn Tool>> {
        let mut out: Vec<Arc<dyn Tool>> = self.tools.values().cloned().collect();
        for source in &self.sources {
            out.extend(
                source
                    .tools()
                    .into_iter()
                    .filter(|t| !self.tools.contains_key(t.name())),
            );
        }
        out
    }

    pub fn get(&self, name: &str) -> Option<Arc<dyn Tool>> {
        if let Some(t) = self.tools.get(name) {
            return Some(t.clone());
        }
        self.sources.iter().find_map(|s| s.get(name))
    }

    /// The tools as the model sees them, in their function form.
    pub fn specs(&self) -> Vec<crate::model::ToolSpec> {
        self.specs_for(false)
    }

    /// The specs, with the freeform form of the tools that have one when
    /// `freeform` (see `SessionConfig::freeform_apply_patch`).
    pub fn specs_for(&self, freeform: bool) -> Vec<crate::model::ToolSpec> {
        self.all()
            .iter()
            .map(|t| crate::model::ToolSpec {
                name: t.name().to_string(),
                description: t.description().to_string(),
                input_schema: t.schema(),
                freeform: if freeform { t.freeform() } else { None },
            })
            .collect()
    }

    pub fn names(&self) -> Vec<String> {
        self.all().iter().map(|t| t.name().to_string()).collect()
    }
}
