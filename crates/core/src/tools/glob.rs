//! `glob`: files whose path matches a pattern.

use super::{Access, Acts, Permission, ToolContext, ToolOutput, Touch, walk};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

const MAX_RESULTS: usize = 500;

pub struct Glob;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Glob pattern; `**` matches any number of folders
    pattern: String,
    /// Folder to search in (default: the root)
    path: Option<String>,
}

#[async_trait]
impl super::TypedTool for Glob {
    type Input = Input;

    fn name(&self) -> &str {
        "glob"
    }

    fn description(&self) -> &str {
        "Find files by path pattern, e.g. `**/*.rs` or `src/**/test_*.py`. Patterns match paths relative to `path` (default: the workspace root). Respects .gitignore. Returns sorted paths."
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["Glob"]
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

    fn subject(&self, input: &Value) -> Option<String> {
        input
            .get("pattern")
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
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
    use crate::tools::Tool;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;

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
