//! Between the model asking for a tool call and the tool running: the
//! PreToolUse hooks, then the permission rules and mode, then (when they say
//! ask) the user through whichever face is attached; after the tool, the
//! PostToolUse hooks. Every refusal comes back as a tool result the model
//! can act on. Also runs the session-level hooks.

use super::events::Event;
use crate::hooks::{HookEvent, HookInput, HookOutcome, HookPermission, Hooks};
use crate::policy::{Decision, Mode, ModeCell, Rule, Rules, evaluate};
use crate::sync::Mutex;
use crate::tools::approval::{Approval, ApprovalRequest, Approver, summarize};
use crate::tools::{Tool, ToolOutput};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc::UnboundedSender;

/// Saves an "always allow in this project" rule.
pub type SaveRule = Arc<dyn Fn(&str) -> std::io::Result<()> + Send + Sync>;

pub struct Gate {
    /// Shared with the tools' context: `exit_plan_mode` changes it.
    pub mode: Arc<ModeCell>,
    pub rules: Mutex<Rules>,
    pub hooks: Hooks,
    pub approver: Option<Arc<dyn Approver>>,
    pub save_rule: Option<SaveRule>,
    pub root: PathBuf,
    pub session_id: String,
    /// The session's transcript file (background tasks keep one), for
    /// hooks' `transcript_path`; empty when there is none.
    pub transcript_path: String,
    /// Where commands run (the sandbox's description), for approvals.
    pub sandbox: Option<String>,
    /// Where hooks' `systemMessage`s go: the session's event stream.
    pub notices: Option<UnboundedSender<Event>>,
    /// A hook answered `continue: false`: the run ends at the next safe
    /// point, with this reason (`take_stop`).
    stopped: Mutex<Option<String>>,
}

/// Approval ids: unique in the process, never reused.
static NEXT_APPROVAL: AtomicU64 = AtomicU64::new(1);

impl Gate {
    /// No rules, no hooks, nobody to ask: mode `auto` (what tests and
    /// embedders that do their own checks want).
    pub fn open(root: PathBuf) -> Gate {
        Gate {
            mode: Arc::new(ModeCell::new(Mode::Auto)),
            rules: Mutex::new(Rules::default()),
            hooks: Hooks::default(),
            approver: None,
            save_rule: None,
            root,
            session_id: String::new(),
            transcript_path: String::new(),
            sandbox: None,
            notices: None,
            stopped: Mutex::new(None),
        }
    }

    /// The reason a hook stopped the run (`continue: false`), left in place.
    pub fn stopped(&self) -> Option<String> {
        self.stopped.lock().clone()
    }

    /// The reason a hook stopped the run (`continue: false`), once.
    pub fn take_stop(&self) -> Option<String> {
        self.stopped.lock().take()
    }

    pub fn hook_input(&self, extra: Value) -> HookInput {
        HookInput {
            session_id: self.session_id.clone(),
            transcript_path: self.transcript_path.clone(),
            cwd: self.root.clone(),
            project_dir: self.root.clone(),
            hook_event_name: None,
            extra: match extra {
                Value::Object(map) => map,
                _ => Default::default(),
            },
        }
    }

    /// Run the hooks of a session-level event (nothing to do without hooks).
    pub async fn event(
        &self,
        event: HookEvent,
        subject: Option<&str>,
        extra: Value,
    ) -> HookOutcome {
        if self.hooks.is_empty() {
            return HookOutcome::default();
        }
        let outcome = self
            .hooks
            .run(event, subject, &self.hook_input(extra))
            .await;
        // Problems with a hook are the user's to see, not the model's.
        for e in &outcome.errors {
            tracing::warn!("{event} hook: {e}");
        }
        if let Some(notices) = &self.notices {
            for m in &outcome.messages {
                let _ = notices.send(Event::Warning {
                    message: format!("{event} hook: {m}"),
                });
            }
        }
        if let Some(reason) = &outcome.stop {
            self.stopped
                .lock()
                .get_or_insert_with(|| format!("a {event} hook stopped the run: {reason}"));
        }
        outcome
    }

    /// Decide whether a call may run, and with which input (a PreToolUse
    /// or PermissionRequest hook may rewrite it). `Err` is the result to
    /// give the model. `id` is the call's id (hooks' `tool_use_id`).
    pub async fn before(
        &self,
        called: &dyn Tool,
        id: &str,
        input: &Value,
    ) -> Result<Value, ToolOutput> {
        let tool = called.name();
        let (name, hook_input) = for_hooks(called, input, &self.root);
        let pre = self
            .event(
                HookEvent::PreToolUse,
                Some(name),
                json!({ "tool_name": name, "tool_input": hook_input, "tool_use_id": id }),
            )
            .await;
        if let Some(reason) = pre.blocked.or(pre.stop) {
            return Err(ToolOutput::error(format!(
                "blocked by a PreToolUse hook: {reason}"
            )));
        }
        // The rules judge the input that will run, so a rewrite cannot
        // slip past a deny rule.
        let input = match &pre.updated_input {
            Some(updated) => from_hooks(input, updated),
            None => input.clone(),
        };
        let permission = called.permission_for(&input);
        let decision = {
            let rules = self.rules.lock();
            evaluate(
                self.mode.get(),
                &rules,
                tool,
                permission,
                &input,
                &self.root,
            )
        };
        let hook_asked = pre.permission == Some(HookPermission::Ask);
        let decision = match (decision, pre.permission) {
            (Decision::Deny, _) => Decision::Deny,
            (_, Some(HookPermission::Deny)) => Decision::Deny,
            (_, Some(HookPermission::Allow)) => Decision::Allow,
            (_, Some(HookPermission::Ask)) => Decision::Ask,
            (d, None) => d,
        };
        let summary = summarize(tool, &input);
        match decision {
            Decision::Allow => Ok(input),
            Decision::Deny
                if self.mode.get() == Mode::Plan
                    && permission != crate::tools::Permission::ReadOnly =>
            {
                Err(ToolOutput::error(format!(
                    "`{summary}` is not allowed in plan mode: only reading tools run until the user \
                 approves your plan. Finish exploring, then present the plan with exit_plan_mode."
                )))
            }
            Decision::Deny => Err(ToolOutput::error(format!(
                "`{summary}` is not allowed here (permission mode `{}` or a deny rule). \
                 Do not retry it; find another way or ask the user.",
                self.mode.get()
            ))),
            Decision::Ask => {
                // Where Claude Code would show its dialog, a
                // PermissionRequest hook may answer for the user.
                let (name, hook_input) = for_hooks(called, &input, &self.root);
                let asked = self
                    .event(
                        HookEvent::PermissionRequest,
                        Some(name),
                        json!({ "tool_name": name, "tool_input": hook_input, "tool_use_id": id }),
                    )
                    .await;
                if let Some(reason) = asked.blocked.or(asked.stop) {
                    return Err(ToolOutput::error(format!(
                        "denied by a PermissionRequest hook: {reason}"
                    )));
                }
                if asked.permission == Some(HookPermission::Allow) {
                    return Ok(match &asked.updated_input {
                        Some(updated) => from_hooks(&input, updated),
                        None => input,
                    });
                }
                let reason = self.why_ask(tool, &input, hook_asked);
                self.ask(tool, &input, summary, reason)
                    .await
                    .map(|()| input)
            }
        }
    }

    /// Why a call asks, for the user: the hook, the ask rule, or the mode.
    fn why_ask(&self, tool: &str, input: &Value, hook_asked: bool) -> String {
        if hook_asked {
            return "a PreToolUse hook asked for approval".into();
        }
        let rules = self.rules.lock();
        if let Some(rule) = rules.asking_rule(tool, input, &self.root) {
            return format!("the ask rule `{rule}`");
        }
        match self.mode.get() {
            crate::policy::Mode::Local => {
                "permission mode `local`: commands ask, and run without a sandbox".into()
            }
            mode => format!("permission mode `{mode}`: commands ask before they run"),
        }
    }

    async fn ask(
        &self,
        tool: &str,
        input: &Value,
        summary: String,
        reason: String,
    ) -> Result<(), ToolOutput> {
        let Some(approver) = &self.approver else {
            return Err(ToolOutput::error(format!(
                "`{summary}` needs the user's approval and nobody can be asked in this \
                 non-interactive run; it was not run. Do it another way, or say what the user \
                 should allow."
            )));
        };
        self.event(
            HookEvent::Notification,
            None,
            json!({ "message": format!("Tandem needs your permission to use {tool}") }),
        )
        .await;
        let cwd = match input.get("workdir").and_then(Value::as_str) {
            Some(dir) => self.root.join(dir),
            None => self.root.clone(),
        };
        let request = ApprovalRequest {
            id: NEXT_APPROVAL.fetch_add(1, Ordering::Relaxed).to_string(),
            tool: tool.to_string(),
            summary: summary.clone(),
            input: input.clone(),
            cwd,
            sandbox: self.sandbox.clone(),
            reason,
        };
        let remember = |text: &str| {
            if let Ok(rule) = Rule::parse(text, &self.root) {
                self.rules.lock().add_allow(rule);
            }
        };
        match approver.approve(&request).await {
            Approval::Allow => Ok(()),
            Approval::AllowSession => {
                remember(&Rules::allow_rule_for(tool, input));
                Ok(())
            }
            Approval::AllowProject => {
                let text = Rules::allow_rule_for(tool, input);
                remember(&text);
                if let Some(save) = &self.save_rule
                    && let Err(e) = save(&text)
                {
                    tracing::warn!("could not save the rule {text}: {e}");
                }
                Ok(())
            }
            Approval::Deny(reason) => Err(ToolOutput::error(format!(
                "the user did not allow `{summary}`: {reason}. Do not retry it as is; \
                 ask the user or find another way."
            ))),
        }
    }

    /// After the call: PostToolUse hooks (PostToolUseFailure when the tool
    /// failed) may add context or feedback.
    pub async fn after(&self, tool: &dyn Tool, id: &str, input: &Value, output: &mut ToolOutput) {
        if self.hooks.is_empty() {
            return;
        }
        let (name, hook_input) = for_hooks(tool, input, &self.root);
        let (event, extra) = if output.is_error {
            (
                HookEvent::PostToolUseFailure,
                json!({ "tool_name": name, "tool_input": hook_input, "tool_use_id": id,
                        "error": output.content, "is_interrupt": false }),
            )
        } else {
            (
                HookEvent::PostToolUse,
                json!({ "tool_name": name, "tool_input": hook_input, "tool_use_id": id,
                        "tool_response": output.content }),
            )
        };
        let post = self.event(event, Some(name), extra).await;
        for context in post.context {
            output
                .content
                .push_str(&format!("\n[hook context] {context}"));
        }
        if let Some(feedback) = post.blocked {
            output
                .content
                .push_str(&format!("\n[{event} hook feedback] {feedback}"));
        }
    }
}

/// The gate as the tools' context holds it (`ToolContext::recheck`): a
/// weak handle, since the gate holds the session's event sender and the
/// context outlives the session in the faces (which wait for the events
/// to end).
pub struct Recheck(pub std::sync::Weak<Gate>);

/// A call a tool makes itself (`web_fetch` following a redirect to another
/// domain) passes the same gate as the model's own: hooks, rules, the user.
#[async_trait::async_trait]
impl crate::tools::Recheck for Recheck {
    async fn allow(&self, tool: &dyn Tool, input: &Value) -> Result<(), ToolOutput> {
        let Some(gate) = self.0.upgrade() else {
            return Err(ToolOutput::error("the session has ended"));
        };
        let allowed = gate.before(tool, "redirect", input).await?;
        // A hook may rewrite a call's input; the tool goes where it was
        // going or not at all.
        if allowed != *input {
            return Err(ToolOutput::error(
                "a hook changed this call; the tool does not follow it changed",
            ));
        }
        Ok(())
    }
}

/// The keys of a tool's input that name a file or folder.
const PATH_KEYS: [&str; 3] = ["path", "file_path", "notebook_path"];

/// Hooks written for Claude Code match its tool names and read its input
/// fields: a tool's first Claude name (MCP tools keep their own),
/// `file_path` beside `path`, and paths absolute, as Claude Code sends them
/// (hooks compare them with `$CLAUDE_PROJECT_DIR/...`).
fn for_hooks<'a>(tool: &'a dyn Tool, input: &Value, root: &Path) -> (&'a str, Value) {
    let name = tool.answers_to().first().copied().unwrap_or(tool.name());
    let mut input = input.clone();
    if let Some(map) = input.as_object_mut() {
        for key in PATH_KEYS {
            if let Some(Value::String(p)) = map.get_mut(key) {
                *p = absolute(root, p);
            }
        }
        if let Some(path) = map.get("path").cloned() {
            map.entry("file_path").or_insert(path);
        }
    }
    (name, input)
}

/// `p` against `root`, `./` steps dropped; absolute paths stay as given.
fn absolute(root: &Path, p: &str) -> String {
    let path = Path::new(p);
    if path.is_absolute() {
        return p.to_string();
    }
    let mut out = root.to_path_buf();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.display().to_string()
}

/// A hook's `updatedInput` laid over the model's input: keys it gives
/// replace the model's, and a `file_path` it gives is the tool's `path`
/// (the alias `for_hooks` added is not sent to a tool that does not take it).
fn from_hooks(original: &Value, updated: &Value) -> Value {
    let mut out = original.clone();
    let (Some(map), Some(new)) = (out.as_object_mut(), updated.as_object()) else {
        return original.clone();
    };
    let aliased = map.contains_key("path") && !map.contains_key("file_path");
    for (k, v) in new {
        map.insert(k.clone(), v.clone());
    }
    if aliased
        && let Some(p) = map.remove("file_path")
        && new.contains_key("file_path")
    {
        map.insert("path".into(), p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::approval::ApprovalRequest;

    struct Yes;

    #[async_trait::async_trait]
    impl Approver for Yes {
        async fn approve(&self, _: &ApprovalRequest) -> Approval {
            Approval::Allow
        }
    }

    /// A hook's rewrite is judged by the rules like the model's own call:
    /// rewriting into a denied command (and allowing it) is still denied;
    /// the control rewrites into an allowed one.
    #[tokio::test]
    async fn updated_input_cannot_slip_past_a_deny_rule() {
        let dir = tempfile::tempdir().unwrap();
        let shell = crate::tools::builtin_tools().get("shell").unwrap();
        let rewrite_to = |command: &str| {
            let answer = json!({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                "permissionDecision": "allow", "updatedInput": {"command": command}}});
            let hooks = json!({"hooks": {"PreToolUse": [{"hooks": [
                {"type": "command", "command": format!("echo '{answer}'")}
            ]}]}});
            let mut gate = Gate::open(dir.path().to_path_buf());
            gate.mode.set(Mode::Auto);
            gate.rules = Mutex::new(
                Rules::parse(&[], &[], &["Bash(rm:*)".to_string()], dir.path()).unwrap(),
            );
            gate.hooks = Hooks::from_claude_settings(&hooks).unwrap();
            gate
        };
        let input = json!({"command": "echo hi"});
        let denied = rewrite_to("rm -rf src").before(&*shell, "t", &input).await;
        assert!(denied.unwrap_err().content.contains("not allowed"));
        let allowed = rewrite_to("ls src").before(&*shell, "t", &input).await;
        assert_eq!(allowed.unwrap()["command"], "ls src");
    }

    /// Claude Code's Notification hook runs when the user is asked, with
    /// the message; a PermissionRequest hook that allows means nobody is.
    #[tokio::test]
    async fn asking_the_user_notifies_and_a_permission_request_hook_can_answer_instead() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log.jsonl");
        let logger = format!("cat >> {0}; echo >> {0}", log.display());
        let allow = r#"echo '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}'"#;
        let gate_with = |permission_hook: Option<&str>| {
            let mut hooks =
                json!({"Notification": [{"hooks": [{"type": "command", "command": logger}]}]});
            if let Some(h) = permission_hook {
                hooks["PermissionRequest"] =
                    json!([{"hooks": [{"type": "command", "command": h}]}]);
            }
            let mut gate = Gate::open(dir.path().to_path_buf());
            gate.mode.set(Mode::Ask);
            gate.hooks = Hooks::from_claude_settings(&json!({ "hooks": hooks })).unwrap();
            gate.approver = Some(Arc::new(Yes));
            gate
        };
        let shell = crate::tools::builtin_tools().get("shell").unwrap();
        let input = json!({"command": "make deploy"});
        gate_with(None).before(&*shell, "t1", &input).await.unwrap();
        let text = std::fs::read_to_string(&log).unwrap();
        let notified: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(notified["hook_event_name"], "Notification");
        assert!(notified["message"].as_str().unwrap().contains("permission"));

        std::fs::remove_file(&log).unwrap();
        gate_with(Some(allow))
            .before(&*shell, "t2", &input)
            .await
            .unwrap();
        assert!(!log.exists(), "the hook answered: nobody was asked");
    }

    #[test]
    fn relative_paths_become_absolute_and_absolute_ones_stay() {
        let root = Path::new("/w/repo");
        assert_eq!(absolute(root, "src/a.rs"), "/w/repo/src/a.rs");
        assert_eq!(absolute(root, "./src/a.rs"), "/w/repo/src/a.rs");
        assert_eq!(absolute(root, "/etc/hosts"), "/etc/hosts");
    }

    #[test]
    fn updated_input_replaces_given_keys_and_maps_file_path_back() {
        let original = json!({"path": "src/a.rs", "old_string": "x", "new_string": "y"});
        let updated = json!({"file_path": "/w/repo/src/b.rs", "new_string": "z"});
        assert_eq!(
            from_hooks(&original, &updated),
            json!({"path": "/w/repo/src/b.rs", "old_string": "x", "new_string": "z"})
        );
        // A hook that echoes the whole Claude-shaped input back changes nothing.
        let echoed = json!({"path": "/w/repo/src/a.rs", "file_path": "/w/repo/src/a.rs",
                            "old_string": "x", "new_string": "y"});
        assert_eq!(from_hooks(&original, &echoed)["path"], "/w/repo/src/a.rs");
        assert!(from_hooks(&original, &echoed).get("file_path").is_none());
    }
}
