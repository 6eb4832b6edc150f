//! `todo`: the agent's plan for multi-step work, shown back as a checklist.

use super::{Permission, TodoItem, ToolContext, ToolOutput, TypedTool};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;

pub struct Todo;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    todos: Vec<TodoItem>,
}

#[async_trait]
impl TypedTool for Todo {
    type Input = Input;

    fn name(&self) -> &str {
        "todo"
    }

    fn description(&self) -> &str {
        "Replace your plan: the full list of steps with their status (pending, in_progress, completed). Keep at most one step in_progress; update the list as you work."
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["TodoWrite"]
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
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
    use crate::tools::Tool;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;

    #[test]
    fn the_schema_is_the_hand_written_one() {
        assert_eq!(
            crate::tools::input_schema::<Input>(),
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
        );
    }

    #[tokio::test]
    async fn keeps_and_renders_the_plan() {
        let r = repo(&[]);
        let out = Tool::run(
            &Todo,
            json!({"todos": [{"content": "a", "status": "completed"}, {"content": "b", "status": "in_progress"}]}), &r.ctx)
            .await;
        assert_eq!(out.content, "[x] a\n[~] b\n");
        assert_eq!(r.ctx.todos.lock().len(), 2);
        let bad = Tool::run(
            &Todo,
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
