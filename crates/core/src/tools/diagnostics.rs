//! `diagnostics`: the problems the editor's other language servers report
//! for a file (compiler errors, lints), so the agent sees what the user
//! sees. They describe the user's text (with the hunks accepted so far),
//! not the proposal: the editor has not seen proposed edits.

use super::{Permission, ToolContext, ToolOutput};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One problem in a file, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub line: u32,
    pub column: u32,
    /// error, warning, info or hint.
    pub severity: String,
    pub source: Option<String>,
    pub code: Option<String>,
    pub message: String,
}

/// Where problems come from (the editor, through the language server).
pub trait Problems: Send + Sync {
    /// The problems of `path` (workspace-relative) now; `None` when the
    /// editor has reported nothing for it.
    fn problems(&self, path: &str) -> Option<Vec<Problem>>;
    /// Files with at least one problem.
    fn files(&self) -> Vec<String>;
}

pub struct Diagnostics;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// File path, relative to the workspace root
    path: Option<String>,
}

#[async_trait]
impl super::TypedTool for Diagnostics {
    type Input = Input;

    fn name(&self) -> &str {
        "diagnostics"
    }

    fn description(&self) -> &str {
        "The problems (errors, warnings) the user's editor reports for a file, from its other language servers: compiler errors, type errors, lints. Without `path`, lists the files that have problems. They describe the user's current text, which includes the hunks the user accepted, not your pending proposal."
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
        let Some(source) = &ctx.problems else {
            return ToolOutput::error(
                "no editor is attached: diagnostics come from the editor's language servers; run the project's checks with shell instead",
            );
        };
        let Some(path) = input.path else {
            let files = source.files();
            return ToolOutput::ok(if files.is_empty() {
                "The editor reports no problems in any file.".to_string()
            } else {
                format!("Files with problems:\n{}", files.join("\n"))
            });
        };
        let rel = match ctx.workspace.relative(&path) {
            Ok(r) => r,
            Err(e) => return ToolOutput::error(e.to_string()),
        };
        match source.problems(&rel) {
            None => ToolOutput::ok(format!(
                "The editor has reported no diagnostics for {rel} (it may not be open, or no language server covers it)."
            )),
            Some(list) if list.is_empty() => ToolOutput::ok(format!("{rel}: no problems.")),
            Some(list) => {
                let mut out = format!("{rel}: {} problem(s)\n", list.len());
                for p in list {
                    let origin = match (&p.source, &p.code) {
                        (Some(s), Some(c)) => format!(" [{s} {c}]"),
                        (Some(s), None) => format!(" [{s}]"),
                        (None, Some(c)) => format!(" [{c}]"),
                        (None, None) => String::new(),
                    };
                    out.push_str(&format!(
                        "{}:{}: {}{origin}: {}\n",
                        p.line, p.column, p.severity, p.message
                    ));
                }
                ToolOutput::ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use serde_json::json;

    #[test]
    fn the_schema_is_the_hand_written_one() {
        assert_eq!(
            crate::tools::input_schema::<Input>(),
            serde_json::json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "File path, relative to the workspace root"}
                },
                "additionalProperties": false
            })
        );
    }
    use crate::workspace::Workspace;
    use std::sync::Arc;
    use tokio_util::sync::CancellationToken;

    struct Fixed;
    impl Problems for Fixed {
        fn problems(&self, path: &str) -> Option<Vec<Problem>> {
            (path == "src/a.rs").then(|| {
                vec![Problem {
                    line: 3,
                    column: 5,
                    severity: "error".into(),
                    source: Some("rustc".into()),
                    code: Some("E0308".into()),
                    message: "mismatched types".into(),
                }]
            })
        }
        fn files(&self) -> Vec<String> {
            vec!["src/a.rs".into()]
        }
    }

    #[tokio::test]
    async fn reports_the_editors_problems_and_says_when_there_is_no_editor() {
        let d = tempfile::tempdir().unwrap();
        let ws = Arc::new(Workspace::new(d.path()).unwrap());
        let mut ctx = ToolContext::new(ws.clone(), CancellationToken::new());
        let none = Diagnostics.run(json!({"path": "src/a.rs"}), &ctx).await;
        assert!(none.is_error && none.content.contains("no editor"));
        ctx.problems = Some(Arc::new(Fixed));
        let out = Diagnostics.run(json!({"path": "src/a.rs"}), &ctx).await;
        assert_eq!(
            out.content,
            "src/a.rs: 1 problem(s)\n3:5: error [rustc E0308]: mismatched types\n"
        );
        let other = Diagnostics.run(json!({"path": "b.rs"}), &ctx).await;
        assert!(other.content.contains("no diagnostics for b.rs"));
        let all = Diagnostics.run(json!({}), &ctx).await;
        assert_eq!(all.content, "Files with problems:\nsrc/a.rs");
    }
}
