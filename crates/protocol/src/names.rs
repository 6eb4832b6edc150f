//! Every name a client spells: LSP commands (`tandem.*`), custom methods
//! (`tandem/*`) and event `type`s. Defined once here; the server's handlers
//! use these constants and a test checks the editor clients against them
//! (`clients.rs`), so a name cannot drift in one place only.

/// `workspace/executeCommand` names the server handles.
pub mod commands {
    pub const RUN: &str = "tandem.run";
    pub const ASK: &str = "tandem.ask";
    pub const STEER: &str = "tandem.steer";
    pub const CANCEL: &str = "tandem.cancel";
    pub const ACCEPT_HUNK: &str = "tandem.acceptHunk";
    pub const REJECT_HUNK: &str = "tandem.rejectHunk";
    pub const ACCEPT_FILE: &str = "tandem.acceptFile";
    pub const REJECT_FILE: &str = "tandem.rejectFile";
    pub const ACCEPT_ALL: &str = "tandem.acceptAll";
    pub const REJECT_ALL: &str = "tandem.rejectAll";
    pub const RERUN: &str = "tandem.rerun";
    /// The next run starts a new conversation (else it goes on with the
    /// current one); `{"session": id}` goes on with a saved one instead.
    pub const NEW_CONVERSATION: &str = "tandem.newConversation";
    pub const DIFF: &str = "tandem.diff";
    /// What the accepting commands (hunk, file, all) start with.
    pub const ACCEPT_PREFIX: &str = "tandem.accept";

    /// Background tasks run inside the server.
    pub const TASK_START: &str = "tandem.task.start";
    pub const TASK_LIST: &str = "tandem.task.list";
    pub const TASK_SHOW: &str = "tandem.task.show";
    pub const TASK_APPLY: &str = "tandem.task.apply";
    pub const TASK_DISCARD: &str = "tandem.task.discard";
    pub const TASK_FOLLOW_UP: &str = "tandem.task.followUp";
    pub const TASK_RESUME: &str = "tandem.task.resume";
    pub const TASK_CANCEL: &str = "tandem.task.cancel";
    pub const TASK_ATTEMPTS: &str = "tandem.task.attempts";
    pub const TASK_BRANCH: &str = "tandem.task.branch";
    /// What every task command starts with.
    pub const TASK_PREFIX: &str = "tandem.task.";

    /// The run and proposal commands, in the order the server advertises them.
    pub const RUNS: &[&str] = &[
        RUN,
        ASK,
        STEER,
        CANCEL,
        ACCEPT_HUNK,
        REJECT_HUNK,
        ACCEPT_FILE,
        REJECT_FILE,
        ACCEPT_ALL,
        REJECT_ALL,
        RERUN,
        DIFF,
        NEW_CONVERSATION,
    ];

    /// The task commands, in the order the server advertises them.
    pub const TASKS: &[&str] = &[
        TASK_START,
        TASK_LIST,
        TASK_SHOW,
        TASK_APPLY,
        TASK_DISCARD,
        TASK_FOLLOW_UP,
        TASK_RESUME,
        TASK_CANCEL,
        TASK_ATTEMPTS,
        TASK_BRANCH,
    ];
}

/// Custom JSON-RPC methods, both directions.
pub mod methods {
    /// Server → client notification: one agent event of a run.
    pub const EVENT: &str = "tandem/event";
    /// Server → client request: approve a tool call.
    pub const APPROVE: &str = "tandem/approve";
    /// Server → client notification: an approval question no longer stands.
    pub const APPROVAL_CLOSED: &str = "tandem/approvalClosed";
    /// Server → client request: a question for the user (`ask_user`, a
    /// plan to approve, an MCP server's form field): `{id, kind, header,
    /// text, options}` → `{id, choice, text}`, or null when dismissed.
    pub const QUESTION: &str = "tandem/question";
    /// Server → client notification: a background task changed.
    pub const TASK_CHANGED: &str = "tandem/taskChanged";
    /// Client → server request: the proposed text of a file.
    pub const PROPOSED_CONTENT: &str = "tandem/proposedContent";
    /// Client → server request: the background tasks.
    pub const TASKS: &str = "tandem/tasks";
    /// Client → server notification: other servers' diagnostics.
    pub const DIAGNOSTICS: &str = "tandem/diagnostics";
    /// Client → server request: a file's hunks for an inline diff.
    pub const HUNKS: &str = "tandem/hunks";
    /// Client → server request: every proposal under review, file by file.
    pub const REVIEW: &str = "tandem/review";
    /// Client → server request that panics (tests of the panic guard only).
    pub const DEBUG_PANIC: &str = "tandem/debug/panic";

    pub const ALL: &[&str] = &[
        EVENT,
        APPROVE,
        APPROVAL_CLOSED,
        QUESTION,
        TASK_CHANGED,
        PROPOSED_CONTENT,
        TASKS,
        DIAGNOSTICS,
        HUNKS,
        REVIEW,
        DEBUG_PANIC,
    ];
}

/// The `type` of every `Event` variant as it is on the wire. Renaming one
/// breaks both clients and every saved transcript: a test checks the serde
/// output of each variant against this list.
pub const EVENT_TYPES: &[&str] = &[
    "started",
    "turn_started",
    "text_delta",
    "thinking_delta",
    "retrying",
    "tool_call_started",
    "tool_call_finished",
    "proposal_changed",
    "steered",
    "compacted",
    "usage",
    "message",
    "finished",
    "subagent_started",
    "subagent",
    "subagent_conflict",
    "subagent_finished",
    "error",
    "instructions_loaded",
    "context_loaded",
    "warning",
    "mcp_server",
    "untrusted",
    "tool_progress",
];

/// Every command a client may send (`commands::RUNS` and `commands::TASKS`).
pub fn all_commands() -> impl Iterator<Item = &'static str> {
    commands::RUNS.iter().chain(commands::TASKS).copied()
}
