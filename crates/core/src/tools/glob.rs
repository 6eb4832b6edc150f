//! `glob`: files whose path matches a pattern.

use super::{Permission, Tool, ToolContext, ToolOutput, parse_input, walk};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

const MAX_RESULTS: usize = 500;

pub struct Glob;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    pattern: String,
    path: Option<String>,
}

#[async_trait]
impl Tool for Glob {
    fn name(&self) -> &str {
        "glob"
    }

    fn description(&self) -> &str {
        "Find files by path pattern, e.g. `**/*.rs` or `src/**/test_*.py`. Patterns match paths relative to `path` (default: the workspace root). Respects .gitignore. Returns sorted paths."
    }

    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "pattern": {"type": "string", "description": "Glob pattern; `**` matches any number of folders"},
                "path": {"type": "string", "description": "Folder to search in (default: the root)"}
            },
            "required": ["pattern"],
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
        let matcher = match globset::GlobBuilder::new(&input.pattern)
            .literal_separator(true)
            .build()
        {
            Ok(g) => g.compile_matcher(),
            Err(e) => return ToolOutput::error(format!("invalid glob pattern: {e}")),
        };
        let base = if dir.is_empty() { 0 } else { dir.len() + 1 };
        let found: Vec<String> = walk::files(ws, &dir)
            .into_iter()
            .filter(|p| matcher.is_match(&p[base..]))
            .collect();
        if found.is_empty() {
            return ToolOutput::ok(format!("No files match {}", input.pattern));
        }
        let mut out: String = found
            .iter()
            .take(MAX_RESULTS)
            .map(|p| format!("{p}\n"))
            .collect();
        if found.len() > MAX_RESULTS {
            out.push_str(&format!(
                "[{} more files; use a narrower pattern]\n",
                found.len() - MAX_RESULTS
            ));
        }
        ToolOutput::ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::walk::fixture::repo;

    #[tokio::test]
    async fn matches_relative_to_path_with_double_star() {
        let r = repo(&[
            ("src/a.rs", ""),
            ("src/deep/b.rs", ""),
            ("src/c.txt", ""),
            ("tests/t.rs", ""),
        ]);
        let out = Glob.run(json!({"pattern": "**/*.rs"}), &r.ctx).await;
        assert_eq!(out.content, "src/a.rs\nsrc/deep/b.rs\ntests/t.rs\n");
        let out = Glob
            .run(json!({"pattern": "*.rs", "path": "src"}), &r.ctx)
            .await;
        assert_eq!(out.content, "src/a.rs\n");
        let bad = Glob.run(json!({"pattern": "a[" }), &r.ctx).await;
        assert!(bad.is_error);
    }
}
