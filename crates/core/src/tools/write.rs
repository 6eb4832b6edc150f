//! `write`: a whole file's new content, into the proposal.

use super::{Access, Acts, Permission, ToolContext, ToolOutput, Touch};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

pub struct Write;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    path: String,
    /// The complete new content
    content: String,
}

#[async_trait]
impl super::TypedTool for Write {
    type Input = Input;

    fn name(&self) -> &str {
        "write"
    }

    fn description(&self) -> &str {
        "Write a whole file (create it or replace its content). For changes to an existing file prefer edit or apply_patch. The result is part of your proposal."
    }

    fn permission(&self) -> Permission {
        Permission::Edit
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["Write"]
    }

    fn acts_on(&self) -> Acts {
        Acts::Files
    }

    fn touches(&self, input: &Value) -> Vec<Touch> {
        Touch::path_arg(input, Access::Write)
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
        let ws = &ctx.workspace;
        let rel = match ws.relative(&input.path) {
            Ok(r) => r,
            Err(e) => return ToolOutput::error(e.to_string()),
        };
        if ws.absolute(&rel).is_dir() {
            return ToolOutput::error(format!("{rel} is a directory"));
        }
        let existed = ws.exists(&rel);
        let lines = input.content.lines().count();
        match ws.write(&rel, Some(input.content)) {
            Ok(()) if existed => ToolOutput::ok(format!("Replaced {rel} ({lines} lines).")),
            Ok(()) => ToolOutput::ok(format!("Created {rel} ({lines} lines).")),
            Err(e) => ToolOutput::error(format!("cannot write {rel}: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;

    #[tokio::test]
    async fn creates_and_replaces_in_the_proposal() {
        let r = repo(&[("a.txt", "old\n")]);
        let out = Write
            .run(json!({"path": "a.txt", "content": "new\n"}), &r.ctx)
            .await;
        assert_eq!(out.content, "Replaced a.txt (1 lines).");
        let out = Write
            .run(json!({"path": "d/b.txt", "content": ""}), &r.ctx)
            .await;
        assert_eq!(out.content, "Created d/b.txt (0 lines).");
        assert_eq!(r.disk("a.txt").as_deref(), Some("old\n"));
        assert_eq!(r.proposed("a.txt").as_deref(), Some("new\n"));
        assert!(!r.dir.path().join("d").exists());
    }

    #[tokio::test]
    async fn nothing_inside_git_is_written() {
        let r = repo(&[(".git/config", "[core]\n"), ("sub/.git", "gitdir: x\n")]);
        for path in [".git/config", ".git/hooks/pre-commit", "sub/.git"] {
            let out = Write
                .run(json!({"path": path, "content": "x\n"}), &r.ctx)
                .await;
            assert!(out.is_error, "{path}: {}", out.content);
            assert!(out.content.contains("inside .git"), "{}", out.content);
        }
        assert!(r.ctx.workspace.changes().is_empty());
    }
}
