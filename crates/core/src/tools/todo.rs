//! `todo`: the agent's plan for multi-step work, shown back as a checklist.

use super::{Permission, TodoItem, Tool, ToolContext, ToolOutput, parse_input};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

pub struct Todo;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    todos: Vec<TodoItem>,
}

#[async_trait]
impl Tool for Todo {
    fn name(&self) -> &str {
        "todo"
    }

    fn description(&self) -> &str {
        "Replace your plan: the full list of steps with their status (pending, in_progress, completed). Keep at most one step in_progress; update the list as you work."
    }

    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "todos": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "content": {"type": "string"},
                            "status": {"type": "string", "enum": ["pending", "in_progress", "completed"]}
                        },
                        "required": ["content", "status"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["todos"],
            "additionalProperties": false
        })
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["TodoWrite"]
    }

    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        let input: Input = match parse_input(self.name(), input) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let mut out = String::new();
        for item in &input.todos {
            let mark = match item.status.as_str() {
                "pending" => "[ ]",
                "in_progress" => "[~]",
                "completed" => "[x]",
                other => {
                    return ToolOutput::error(format!(
                        "unknown status `{other}` for \"{}\"; use pending, in_progress or completed",
                        item.content
                    ));
                }
            };
            out.push_str(&format!("{mark} {}\n", item.content));
        }
        *ctx.todos.lock() = input.todos;
        if out.is_empty() {
            out.push_str("The plan is empty.");
        }
        ToolOutput::ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::walk::fixture::repo;

    #[tokio::test]
    async fn keeps_and_renders_the_plan() {
        let r = repo(&[]);
        let out = Todo
            .run(json!({"todos": [{"content": "a", "status": "completed"}, {"content": "b", "status": "in_progress"}]}), &r.ctx)
            .await;
        assert_eq!(out.content, "[x] a\n[~] b\n");
        assert_eq!(r.ctx.todos.lock().len(), 2);
        let bad = Todo
            .run(
                json!({"todos": [{"content": "a", "status": "done"}]}),
                &r.ctx,
            )
            .await;
        assert!(bad.is_error && bad.content.contains("unknown status `done`"));
        assert_eq!(
            r.ctx.todos.lock().len(),
            2,
            "a bad plan replaced the good one"
        );
    }
}
