//! `list`: a folder as a tree, as the agent sees it.

use super::{Access, Acts, Permission, ToolContext, ToolOutput, Touch, walk};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

const MAX_ENTRIES: usize = 500;

pub struct List;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Folder, relative to the workspace root (default: the root)
    path: Option<String>,
    /// Levels to show (default 2)
    #[schemars(range(min = 1))]
    depth: Option<usize>,
}

#[async_trait]
impl super::TypedTool for List {
    type Input = Input;

    fn name(&self) -> &str {
        "list"
    }

    fn description(&self) -> &str {
        "List a folder as a tree (folders end with `/`). Respects .gitignore and skips hidden files. Includes files you have proposed to add."
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["LS"]
    }

    fn acts_on(&self) -> Acts {
        Acts::Files
    }

    fn touches(&self, input: &Value) -> Vec<Touch> {
        vec![Touch::new(
            input.get("path").and_then(Value::as_str).unwrap_or("."),
            Access::Search,
        )]
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
        let ws = &ctx.workspace;
        let dir = match ws.relative(input.path.as_deref().unwrap_or(".")) {
            Ok(r) => r,
            Err(e) => return ToolOutput::error(e.to_string()),
        };
        let on_disk = ws.absolute(&dir).is_dir();
        let entries = walk::entries(ws, &dir, Some(input.depth.unwrap_or(2)));
        if !on_disk && entries.is_empty() {
            return ToolOutput::error(format!("{} is not a folder", display(&dir)));
        }
        let base = if dir.is_empty() { 0 } else { dir.len() + 1 };
        let mut out = format!("{}/\n", display(&dir));
        for (path, is_dir) in entries.iter().take(MAX_ENTRIES) {
            let below = &path[base..];
            let depth = below.matches('/').count();
            let name = below.rsplit('/').next().unwrap_or(below);
            out.push_str(&"  ".repeat(depth + 1));
            out.push_str(name);
            if *is_dir {
                out.push('/');
            }
            out.push('\n');
        }
        if entries.len() > MAX_ENTRIES {
            out.push_str(&format!(
                "[{} more entries; list a subfolder or lower the depth]\n",
                entries.len() - MAX_ENTRIES
            ));
        }
        ToolOutput::ok(out)
    }
}

fn display(dir: &str) -> &str {
    if dir.is_empty() { "." } else { dir }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;

    #[tokio::test]
    async fn tree_with_proposal_overlay() {
        let r = repo(&[
            (".gitignore", "target/\n"),
            ("target/x", ""),
            ("src/lib.rs", ""),
            ("src/old.rs", ""),
            ("Cargo.toml", ""),
        ]);
        r.ctx.workspace.write("src/old.rs", None).unwrap();
        r.ctx
            .workspace
            .write("src/new.rs", Some(String::new()))
            .unwrap();
        let out = List.run(json!({}), &r.ctx).await;
        assert_eq!(
            out.content,
            "./\n  Cargo.toml\n  src/\n    lib.rs\n    new.rs\n"
        );
        let missing = List.run(json!({"path": "nope"}), &r.ctx).await;
        assert!(missing.is_error);
    }
}
