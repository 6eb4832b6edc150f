//! `memory`: the agent's notes across sessions (see `crate::memory`).
//! Writes the memory file directly: memory is Tandem's own file, not a
//! change to the user's code, so it is not a proposal. Its permission is
//! `Edit`: it runs without asking in `ask` mode, rules and PreToolUse hooks
//! see it as `memory`, and `read-only` mode refuses it.

use super::{Permission, ToolContext, ToolOutput, TypedTool};
use crate::memory::{Memory, Scope, edit};
use crate::state_files::lock::lock_dir;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

pub struct MemoryTool {
    memory: Arc<Memory>,
}

impl MemoryTool {
    pub fn new(memory: Arc<Memory>) -> Self {
        MemoryTool { memory }
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Action {
    View,
    Add,
    Replace,
    Remove,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    action: Action,
    /// Which memory (default project)
    #[serde(default = "project")]
    scope: Scope,
    /// add: the note; replace: the new text
    text: Option<String>,
    /// add: the section to put the note under, e.g. Commands, Conventions, Pitfalls
    heading: Option<String>,
    /// replace / remove: exact text now in the file
    old_text: Option<String>,
}

fn project() -> Scope {
    Scope::Project
}

#[async_trait]
impl TypedTool for MemoryTool {
    type Input = Input;

    fn name(&self) -> &str {
        "memory"
    }

    fn description(&self) -> &str {
        "Your notes across sessions, in Markdown files the user can read and edit: `project` \
         (this repository) and `user` (all their projects). Both are in the system prompt at \
         the start of every session. Record what a future session needs and could not easily \
         rediscover: conventions, commands that work, pitfalls. Keep each note to a line; never \
         store secrets. Actions: `view`; `add` appends `text` as a bullet under `heading` \
         (default \"Notes\"); `replace` swaps the exact `old_text` for `text`; `remove` deletes \
         the exact `old_text`. This writes the memory file directly: it is not part of the \
         proposal the user reviews."
    }

    fn permission(&self) -> Permission {
        Permission::Edit
    }

    async fn run(&self, input: Input, _ctx: &ToolContext) -> ToolOutput {
        let Some(path) = self.memory.path(input.scope) else {
            return ToolOutput::error(format!(
                "there is no {} memory on this machine (no config folder)",
                input.scope.as_str()
            ));
        };
        let path = path.to_path_buf();
        // Blocking file work, and a lock other sessions may hold for a moment.
        tokio::task::spawn_blocking(move || run_on_file(&path, input))
            .await
            .unwrap_or_else(|e| ToolOutput::error(format!("the memory edit failed: {e}")))
    }
}

/// View or change the memory file. A change is read, edited and written
/// under a lock on the file's folder, so two sessions (editor, CLI,
/// background tasks) adding notes at once both keep theirs.
fn run_on_file(path: &Path, input: Input) -> ToolOutput {
    let read = || match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ToolOutput::error(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    };
    if let Action::View = input.action {
        return match read() {
            Ok(Some(t)) if !t.trim().is_empty() => {
                ToolOutput::ok(format!("{}:\n\n{t}", path.display()))
            }
            Ok(_) => ToolOutput::ok(format!("{} is empty.", path.display())),
            Err(e) => e,
        };
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let _lock = match std::fs::create_dir_all(dir).and_then(|()| lock_dir(dir)) {
        Ok(l) => l,
        Err(e) => return ToolOutput::error(format!("cannot lock {}: {e}", dir.display())),
    };
    let current = match read() {
        Ok(c) => c,
        Err(e) => return e,
    };
    let need = |field: &Option<String>, name: &str| {
        field
            .clone()
            .ok_or_else(|| ToolOutput::error(format!("`{name}` is required for this action")))
    };
    let text = current
        .clone()
        .unwrap_or_else(|| edit::new_file(input.scope));
    let changed = match input.action {
        Action::View => unreachable!("answered above"),
        Action::Add => need(&input.text, "text")
            .map(|note| edit::add(&text, input.heading.as_deref().unwrap_or(""), &note)),
        Action::Replace => need(&input.old_text, "old_text")
            .and_then(|old| need(&input.text, "text").map(|new| edit::replace(&text, &old, &new))),
        Action::Remove => need(&input.old_text, "old_text").map(|old| edit::remove(&text, &old)),
    };
    let changed = match changed {
        Ok(Ok(t)) => t,
        Ok(Err(message)) => return ToolOutput::error(message),
        Err(output) => return output,
    };
    if current.as_deref() == Some(changed.as_str()) {
        return ToolOutput::ok(format!(
            "{} already says that; nothing changed.",
            path.display()
        ));
    }
    match edit::write(path, &changed) {
        Ok(()) => ToolOutput::ok(format!(
            "Saved {} memory ({}).",
            input.scope.as_str(),
            path.display()
        )),
        Err(e) => ToolOutput::error(format!("cannot write {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use serde_json::{Value, json};

    #[test]
    fn the_schema_is_the_hand_written_one() {
        assert_eq!(
            crate::tools::input_schema::<Input>(),
            json!({
                "type": "object",
                "properties": {
                    "action": {"type": "string", "enum": ["view", "add", "replace", "remove"]},
                    "scope": {"type": "string", "enum": ["project", "user"], "description": "Which memory (default project)"},
                    "text": {"type": "string", "description": "add: the note; replace: the new text"},
                    "heading": {"type": "string", "description": "add: the section to put the note under, e.g. Commands, Conventions, Pitfalls"},
                    "old_text": {"type": "string", "description": "replace / remove: exact text now in the file"}
                },
                "required": ["action"],
                "additionalProperties": false
            })
        );
    }
    use crate::tools::walk::fixture::repo;

    #[tokio::test]
    async fn add_view_replace_remove_on_the_file() {
        let r = repo(&[]);
        let d = tempfile::tempdir().unwrap();
        let memory = Arc::new(Memory {
            project: d.path().join("state/p/MEMORY.md"),
            user: None,
            cap: 1000,
        });
        let tool = MemoryTool::new(memory.clone());
        let run = |v: Value| Tool::run(&tool, v, &r.ctx);
        let out =
            run(json!({"action": "add", "text": "Tests: make check", "heading": "Commands"})).await;
        assert!(!out.is_error, "{}", out.content);
        let file = std::fs::read_to_string(&memory.project).unwrap();
        assert!(
            file.starts_with("# Project memory\n")
                && file.contains("## Commands\n\n- Tests: make check\n")
        );
        let view = run(json!({"action": "view"})).await;
        assert!(view.content.contains("- Tests: make check"));
        let out =
            run(json!({"action": "replace", "old_text": "make check", "text": "make test"})).await;
        assert!(!out.is_error, "{}", out.content);
        let out = run(json!({"action": "remove", "old_text": "Tests: make test"})).await;
        assert!(!out.is_error, "{}", out.content);
        assert!(
            !std::fs::read_to_string(&memory.project)
                .unwrap()
                .contains("Tests")
        );
        let user = run(json!({"action": "add", "scope": "user", "text": "x"})).await;
        assert!(user.is_error && user.content.contains("no user memory"));
        let bad = run(json!({"action": "add"})).await;
        assert!(bad.is_error && bad.content.contains("`text` is required"));
        assert!(
            r.ctx.workspace.changes().files().next().is_none(),
            "not a proposal"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn notes_added_at_once_are_all_kept() {
        let r = Arc::new(repo(&[]));
        let d = tempfile::tempdir().unwrap();
        let memory = Arc::new(Memory {
            project: d.path().join("MEMORY.md"),
            user: None,
            cap: 100_000,
        });
        // Eight sessions, each with its own tool, adding ten notes each.
        let sessions: Vec<_> = (0..8)
            .map(|s| {
                let tool = MemoryTool::new(memory.clone());
                let r = r.clone();
                tokio::spawn(async move {
                    for n in 0..10 {
                        let note = format!("session {s} note {n}");
                        let out =
                            Tool::run(&tool, json!({"action": "add", "text": note}), &r.ctx).await;
                        assert!(!out.is_error, "{}", out.content);
                    }
                })
            })
            .collect();
        for s in sessions {
            s.await.unwrap();
        }
        let file = std::fs::read_to_string(&memory.project).unwrap();
        let lost: Vec<String> = (0..8)
            .flat_map(|s| (0..10).map(move |n| format!("- session {s} note {n}\n")))
            .filter(|note| !file.contains(note.as_str()))
            .collect();
        assert!(lost.is_empty(), "lost {} notes: {lost:?}", lost.len());
    }
}
