//! Claude Code hooks, read from the `hooks` object of `.claude/settings.json`
//! in Claude's own format, so hooks users already wrote work unchanged.
//!
//! A hook is a shell command run at a point of the agent's life (before a
//! tool, after a prompt, ...). It gets the event as JSON on stdin and answers
//! with its exit code and, optionally, JSON on stdout. `config` reads the
//! settings, `run` runs one command and reads its answer, `outcome` merges
//! the answers of every hook that ran for one event.

mod config;
mod outcome;
mod prompt;
mod run;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The points at which Tandem runs hooks; the names are Claude Code's, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookEvent {
    SessionStart,
    UserPromptSubmit,
    PreToolUse,
    PermissionRequest,
    PostToolUse,
    PostToolUseFailure,
    Notification,
    SubagentStart,
    SubagentStop,
    Stop,
    PreCompact,
    PostCompact,
    SessionEnd,
}

/// Claude Code's other hook events (its hooks reference, 2026): a settings
/// file may name them, and Claude Code's users' files do. Tandem has no
/// such moment, so their hooks are read (a mistake in them is still an
/// error) and a warning names the event: never a refusal to start.
pub const NOT_EMITTED: [&str; 14] = [
    "Setup",
    "InstructionsLoaded",
    "PermissionDenied",
    "TaskCreated",
    "TaskCompleted",
    "StopFailure",
    "TeammateIdle",
    "ConfigChange",
    "CwdChanged",
    "FileChanged",
    "WorktreeCreate",
    "WorktreeRemove",
    "Elicitation",
    "ElicitationResult",
];

impl HookEvent {
    pub const ALL: [HookEvent; 13] = [
        HookEvent::SessionStart,
        HookEvent::UserPromptSubmit,
        HookEvent::PreToolUse,
        HookEvent::PermissionRequest,
        HookEvent::PostToolUse,
        HookEvent::PostToolUseFailure,
        HookEvent::Notification,
        HookEvent::SubagentStart,
        HookEvent::SubagentStop,
        HookEvent::Stop,
        HookEvent::PreCompact,
        HookEvent::PostCompact,
        HookEvent::SessionEnd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::SessionStart => "SessionStart",
            HookEvent::UserPromptSubmit => "UserPromptSubmit",
            HookEvent::PreToolUse => "PreToolUse",
            HookEvent::PermissionRequest => "PermissionRequest",
            HookEvent::PostToolUse => "PostToolUse",
            HookEvent::PostToolUseFailure => "PostToolUseFailure",
            HookEvent::Notification => "Notification",
            HookEvent::SubagentStart => "SubagentStart",
            HookEvent::SubagentStop => "SubagentStop",
            HookEvent::Stop => "Stop",
            HookEvent::PreCompact => "PreCompact",
            HookEvent::PostCompact => "PostCompact",
            HookEvent::SessionEnd => "SessionEnd",
        }
    }

    /// Claude ignores matchers on events that have nothing to match against
    /// (a prompt, a stop), so a stray matcher there must not hide the hook.
    fn uses_matcher(self) -> bool {
        !matches!(self, HookEvent::UserPromptSubmit | HookEvent::Stop)
    }

    /// Whether exit code 2 has something to block and a model to tell. On the
    /// other events Claude only shows the hook's stderr to the user.
    fn can_block(self) -> bool {
        matches!(
            self,
            HookEvent::PreToolUse
                | HookEvent::PermissionRequest
                | HookEvent::PostToolUse
                | HookEvent::PostToolUseFailure
                | HookEvent::UserPromptSubmit
                | HookEvent::Stop
                | HookEvent::SubagentStop
        )
    }

    /// Events whose plain (non-JSON) stdout is added to the model's context.
    fn stdout_is_context(self) -> bool {
        matches!(self, HookEvent::UserPromptSubmit | HookEvent::SessionStart)
    }
}

impl fmt::Display for HookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HookEvent {
    type Err = HookConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HookEvent::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<_> = HookEvent::ALL.iter().map(|e| e.as_str()).collect();
                HookConfigError::new(format!(
                    "unknown hook event `{s}` (known events: {})",
                    known.join(", ")
                ))
            })
    }
}

/// A hook's say on whether a tool call may go ahead without asking the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookPermission {
    Allow,
    Deny,
    Ask,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct HookConfigError {
    pub message: String,
}

impl HookConfigError {
    fn new(message: impl Into<String>) -> Self {
        HookConfigError {
            message: message.into(),
        }
    }
}

/// What a hook gets on stdin as JSON: the common fields plus event-specific ones.
#[derive(Debug, Clone, Default)]
pub struct HookInput {
    pub session_id: String,
    pub transcript_path: String,
    /// The hook's working directory, also sent as `cwd`. Empty = Tandem's own.
    pub cwd: PathBuf,
    /// Given to the hook as `CLAUDE_PROJECT_DIR` and `TANDEM_PROJECT_DIR`.
    pub project_dir: PathBuf,
    /// Ignored by `Hooks::run`, which always sends the event it runs: one
    /// input can then serve several events.
    pub hook_event_name: Option<HookEvent>,
    /// Event-specific fields: tool_name, tool_input, tool_response, prompt,
    /// source, stop_hook_active, message, trigger...
    pub extra: Map<String, Value>,
}

impl HookInput {
    /// The JSON a hook reads for `event`. The common fields are written after
    /// `extra` so an event-specific field can never pass for one of them.
    pub fn to_json(&self, event: HookEvent) -> Value {
        let mut json = self.extra.clone();
        json.insert("session_id".into(), self.session_id.clone().into());
        json.insert(
            "transcript_path".into(),
            self.transcript_path.clone().into(),
        );
        json.insert("cwd".into(), self.cwd.to_string_lossy().into_owned().into());
        json.insert("hook_event_name".into(), event.as_str().into());
        Value::Object(json)
    }
}

/// The merged answer of every hook that ran for one event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HookOutcome {
    /// A hook blocked the action (exit code 2, or JSON decision "block" /
    /// permissionDecision "deny" / continue false): the reason, to give to the
    /// model. Check this before `permission`.
    pub blocked: Option<String>,
    /// permissionDecision from PreToolUse JSON: Some(Allow) skips the approval
    /// prompt, Some(Ask) forces one, Some(Deny) also sets `blocked`.
    pub permission: Option<HookPermission>,
    /// Text to add to the model's context (additionalContext; plain stdout of
    /// UserPromptSubmit and SessionStart hooks).
    pub context: Vec<String>,
    /// `continue: false`: stop the whole run, with `stopReason`.
    pub stop: Option<String>,
    /// `updatedInput` (PreToolUse, or PermissionRequest's allow): the tool
    /// runs with this input instead of the model's. The last hook's wins.
    pub updated_input: Option<Value>,
    /// `systemMessage`: text for the user (not the model).
    pub messages: Vec<String>,
    /// Non-blocking problems (other exit codes, timeouts, unparsable JSON)
    /// for the user, each naming the hook command.
    pub errors: Vec<String>,
}

/// The hooks of every settings layer. Default = no hooks, run on the host.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    groups: HashMap<HookEvent, Vec<MatcherGroup>>,
    place: Option<Place>,
    /// What was read but will not run (Claude events Tandem has no moment
    /// for, hook types it cannot run), for the user at session start.
    warnings: Vec<String>,
    /// Variables every command gets (Claude Code's settings `env`).
    env: Arc<Vec<(String, String)>>,
    judge: JudgeSlot,
}

/// How to start one hook command somewhere other than directly on the
/// host: a background task's sandbox (no network, no secrets, its writes
/// join the task's proposal). `setup` adapts the task's sandbox to this, so
/// hooks need not know sandboxes.
pub trait Launcher: Send + Sync {
    /// How to start `sh -c command` at the project's root.
    fn prepare(&self, command: &str) -> std::io::Result<Launch>;
    /// The command ended: take in what it wrote.
    fn finish(&self);
}

/// A prepared hook command: the whole environment is `env`.
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    /// The project as the command sees it (`CLAUDE_PROJECT_DIR`).
    pub project_dir: PathBuf,
}

/// A launcher, with the lock that runs its commands one at a time: the
/// view they share is synced before and read back after each command.
#[derive(Clone)]
struct Place {
    launcher: Arc<dyn Launcher>,
    one_at_a_time: Arc<tokio::sync::Mutex<()>>,
}

impl fmt::Debug for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Place")
    }
}

/// One entry of an event's list: the commands run when `matcher` matches.
#[derive(Debug, Clone)]
struct MatcherGroup {
    matcher: Matcher,
    commands: Vec<HookCommand>,
}

#[derive(Debug, Clone)]
enum Matcher {
    All,
    /// Anchored to the whole subject, so a plain name is an exact match.
    Regex(regex::Regex),
}

impl Matcher {
    fn matches(&self, subject: &str) -> bool {
        match self {
            Matcher::All => true,
            Matcher::Regex(r) => r.is_match(subject),
        }
    }

    /// The matcher as the user wrote it (`None` for match-all).
    fn label(&self) -> Option<&str> {
        match self {
            Matcher::All => None,
            Matcher::Regex(r) => {
                let s = r.as_str();
                Some(
                    s.strip_prefix("^(?:")
                        .and_then(|s| s.strip_suffix(")$"))
                        .unwrap_or(s),
                )
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct HookCommand {
    /// The shell command, or a `prompt` hook's prompt.
    command: String,
    timeout: Duration,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Command,
    /// Claude's `type: "prompt"`: a model judges the event; `model` names
    /// a (smaller) one, else the session's.
    Prompt {
        model: Option<String>,
    },
}

/// Asks a model for a `prompt` hook's answer; the session provides it
/// (`session::prompt_judge`), so hooks need not know providers.
#[async_trait::async_trait]
pub trait Judge: Send + Sync {
    /// The model's reply to `prompt` (`model`, or the session's).
    async fn judge(&self, model: Option<&str>, prompt: &str) -> Result<String, String>;
}

/// The judge, if the session gave one (without, prompt hooks report
/// that they could not run).
#[derive(Clone, Default)]
struct JudgeSlot(Option<Arc<dyn Judge>>);

impl fmt::Debug for JudgeSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Judge" } else { "NoJudge" })
    }
}

impl Hooks {
    /// Run every command through `launcher` from now on.
    pub fn run_in(&mut self, launcher: Arc<dyn Launcher>) {
        self.place = Some(Place {
            launcher,
            one_at_a_time: Arc::default(),
        });
    }

    /// Later layers add hooks; nothing is replaced.
    pub fn extend(&mut self, other: Hooks) {
        for (event, groups) in other.groups {
            self.groups.entry(event).or_default().extend(groups);
        }
        self.warnings.extend(other.warnings);
    }

    /// `prompt` hooks ask `judge` from now on.
    pub fn judge_with(&mut self, judge: Arc<dyn Judge>) {
        self.judge = JudgeSlot(Some(judge));
    }

    /// Variables every hook command gets, besides the project folder.
    pub fn set_env(&mut self, env: Vec<(String, String)>) {
        self.env = Arc::new(env);
    }

    /// Hooks that were read but will not run, each naming why.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The warnings, taken out (to report them once, elsewhere).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Every command as `Event (matcher): command`, events in Claude's
    /// order: what a user is asked to trust.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for event in HookEvent::ALL {
            for g in self.groups.get(&event).into_iter().flatten() {
                let head = match g.matcher.label() {
                    Some(m) if event.uses_matcher() => format!("{event} ({m})"),
                    _ => event.to_string(),
                };
                out.extend(g.commands.iter().map(|c| match c.kind {
                    // A prompt runs nothing itself, but the user trusts what it asks.
                    Kind::Prompt { .. } => format!("{head}: prompt \"{}\"", c.command),
                    Kind::Command => format!("{head}: {}", c.command),
                }));
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.groups
            .values()
            .flatten()
            .all(|g| g.commands.is_empty())
    }

    /// Run every hook of `event` whose matcher matches `subject` (the tool
    /// name for Pre/PostToolUse, SessionStart's source, PreCompact's
    /// trigger...; `None` or an event without matchers runs them all), all in
    /// parallel, and combine their results.
    pub async fn run(
        &self,
        event: HookEvent,
        subject: Option<&str>,
        input: &HookInput,
    ) -> HookOutcome {
        let commands = self.matching(event, subject);
        if commands.is_empty() {
            return HookOutcome::default();
        }
        let stdin = input.to_json(event).to_string();
        let judge = self.judge.0.as_deref();
        let outcomes = match &self.place {
            None => {
                futures::future::join_all(commands.iter().map(|c| async {
                    match &c.kind {
                        Kind::Prompt { model } => {
                            prompt::evaluate(judge, event, c, model.as_deref(), &stdin).await
                        }
                        Kind::Command => {
                            let f = run::execute(c, &stdin, input, &self.env, None).await;
                            run::interpret(event, &c.command, f)
                        }
                    }
                }))
                .await
            }
            Some(place) => {
                let _one = place.one_at_a_time.lock().await;
                let mut outcomes = Vec::new();
                for c in &commands {
                    // A prompt runs no command: nothing to sandbox.
                    if let Kind::Prompt { model } = &c.kind {
                        outcomes.push(
                            prompt::evaluate(judge, event, c, model.as_deref(), &stdin).await,
                        );
                        continue;
                    }
                    let launch = place.launcher.prepare(&c.command);
                    let finished = match launch {
                        Ok(l) => run::execute(c, &stdin, input, &self.env, Some(l)).await,
                        Err(e) => run::failed(format!("could not be sandboxed: {e}")),
                    };
                    place.launcher.finish();
                    outcomes.push(run::interpret(event, &c.command, finished));
                }
                outcomes
            }
        };
        outcome::combine(outcomes)
    }

    /// The commands to run, in settings order, each command string once:
    /// Claude runs identical commands once even when several matchers list them.
    fn matching(&self, event: HookEvent, subject: Option<&str>) -> Vec<&HookCommand> {
        let mut seen = HashSet::new();
        self.groups
            .get(&event)
            .into_iter()
            .flatten()
            .filter(|g| match subject {
                Some(s) if event.uses_matcher() => g.matcher.matches(s),
                _ => true,
            })
            .flat_map(|g| &g.commands)
            .filter(|c| seen.insert(c.command.as_str()))
            .collect()
    }
}
