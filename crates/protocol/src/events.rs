//! The one stream of typed events the core emits. The CLI and the language
//! server are two consumers of it; nothing here knows about either. The
//! `type` names are the wire names every client and saved transcript reads:
//! `names::EVENT_TYPES` lists them and a test holds each variant to it.

use super::Usage;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Session started; `instructions` are the instruction files loaded.
    Started {
        model: String,
        provider: String,
        instructions: Vec<String>,
        /// Where commands run: the sandbox backend and what it isolates.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sandbox: Option<String>,
    },
    /// A model call is about to be made (1-based turn number).
    TurnStarted {
        turn: u32,
    },
    TextDelta {
        text: String,
    },
    ThinkingDelta {
        text: String,
    },
    /// The model call failed and is retried; drop partial text of this turn.
    Retrying {
        attempt: u32,
        delay_ms: u64,
        reason: String,
    },
    ToolCallStarted {
        id: String,
        name: String,
        input: Value,
    },
    ToolCallFinished {
        id: String,
        name: String,
        output: String,
        is_error: bool,
    },
    /// The proposal changed; `files` are the paths now in it, `runs_code`
    /// those of them whose change can make code run on the user's machine
    /// (left out of "accept all" and `--apply` unless named).
    ProposalChanged {
        files: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        runs_code: Vec<String>,
    },
    /// A steering message from the user was added before the next call.
    Steered {
        message: String,
    },
    /// Older turns were summarised to free context.
    Compacted {
        messages_before: usize,
        messages_after: usize,
    },
    /// Usage of the last call, and the running totals; `max_cost_usd` is
    /// the run's cost cap, when one is set, so a face can show the spend
    /// beside it.
    Usage {
        call: Usage,
        total: Usage,
        cost_usd: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_cost_usd: Option<f64>,
    },
    /// The final assistant text of the run.
    Message {
        text: String,
    },
    Finished {
        outcome: Outcome,
    },
    /// A `task` call started sub-agent `id` (e.g. `explore-1`).
    SubagentStarted {
        id: String,
        agent_type: String,
        description: String,
        model: String,
    },
    /// An event of sub-agent `id`'s own session, as it emitted it.
    Subagent {
        id: String,
        event: Box<Event>,
    },
    /// Writer `id` changed `lines` of `path` that an earlier writer of the
    /// same turn (`with`) changed too; both edits are in the proposal.
    SubagentConflict {
        id: String,
        path: String,
        lines: String,
        with: String,
    },
    /// Sub-agent `id` ended; its usage and cost join the parent's totals
    /// (a `usage` event follows once the turn's tool calls are done).
    SubagentFinished {
        id: String,
        agent_type: String,
        outcome: Outcome,
        usage: Usage,
        cost_usd: Option<f64>,
    },
    Error {
        message: String,
    },
    /// Instruction files of a folder below the working folder, loaded
    /// because a tool first touched `trigger` (a file under it); their text
    /// joined that tool's result.
    InstructionsLoaded {
        files: Vec<String>,
        trigger: String,
    },
    /// Skills and memory available to the session, reported after
    /// `Started`: skill names, and where the memory files live (whether or
    /// not they exist yet) so the user can read and edit them.
    ContextLoaded {
        skills: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project_memory: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_memory: Option<String>,
    },
    /// Something the user should know that does not stop the run (an
    /// invalid skill, an unreadable memory file).
    Warning {
        message: String,
    },
    /// An MCP server's tools joined or changed (`error` is `None`), or the
    /// server failed to start or stopped (`error` says why; the run goes on
    /// without its tools).
    McpServer {
        server: String,
        tools: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The repository's own hooks and MCP servers were left out because its
    /// folder is not trusted (`reason`); `skipped` names each command.
    Untrusted {
        folder: String,
        reason: String,
        skipped: Vec<String>,
    },
    /// How far a running tool call `id` has got, as its tool reports it (an
    /// MCP server's `notifications/progress`): `progress` of `total` when
    /// the total is known, with the server's words.
    ToolProgress {
        id: String,
        progress: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The model ended its turn.
    Done,
    /// The turn limit was reached.
    TurnLimit,
    Cancelled,
    /// The model call failed for good.
    ModelError,
    /// The agent kept repeating a call that failed the same way (or
    /// re-spawning the same failing sub-agent) after being told to stop.
    Stuck,
    /// The run's cost reached its cap (`--max-cost`, `agent.max_cost`).
    Budget,
}
