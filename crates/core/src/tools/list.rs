//! `list`: a folder as a tree, as the agent sees it.

use super::{Permission, Tool, ToolContext, ToolOutput, parse_input, walk};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

const MAX_ENTRIES: usize = 500;

pub struct List;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    path: Option<String>,
    depth: Option<usize>,
}

#[async_trait]
impl Tool for List {
    fn name(&self) -> &str {
        "list"
    }

    fn description(&self) -> &str {
        "List a folder as a tree (folders end with `/`). Respects .gitignore and skips hidden files. Includes files you have proposed to add."
    }

    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Folder, relative to the workspace root (default: the root)"},
                "depth": {"type": "integer", "minimum": 1, "description": "Levels to show (default 2)"}
            },
            "additionalProperties": false
        })
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        let input: Input = match parse_input(self.name(), input) {
            Ok(i) => i,
            Err(e) => return e,
        };
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
    use crate::tools::walk::fixture::repo;

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
