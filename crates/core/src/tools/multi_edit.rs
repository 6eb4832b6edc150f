//! `multi_edit`: several exact replacements in one file, in order, all or
//! nothing (Claude Code's `MultiEdit`). One call instead of a chain of
//! `edit`s whose later ones fail after the earlier ones landed; the matching
//! and its errors are `edit`'s.

use super::edit::{replace, snippet};
use super::{Access, Acts, Permission, ToolContext, ToolOutput, Touch};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

pub struct MultiEdit;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    path: String,
    /// Applied in order, each to the text the one before left
    edits: Vec<Replacement>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Replacement {
    old_string: String,
    new_string: String,
    #[serde(default)]
    replace_all: bool,
}

#[async_trait]
impl super::TypedTool for MultiEdit {
    type Input = Input;

    fn name(&self) -> &str {
        "multi_edit"
    }

    fn description(&self) -> &str {
        "Several `edit` replacements in one existing file, applied in order; if one fails, none is made."
    }

    fn permission(&self) -> Permission {
        Permission::Edit
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["MultiEdit"]
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
        let mut text = match ws.read(&rel) {
            Ok(Some(t)) => t,
            Ok(None) => {
                return ToolOutput::error(format!(
                    "{rel} does not exist; create it with edit or write first"
                ));
            }
            Err(e) => return ToolOutput::error(format!("cannot read {rel}: {e}")),
        };
        if input.edits.is_empty() {
            return ToolOutput::error("edits is empty; nothing to do");
        }
        let mut first_line = usize::MAX;
        for (i, edit) in input.edits.iter().enumerate() {
            let failed = |why: String| {
                ToolOutput::error(format!(
                    "edit {} of {}: {why}\nNothing was changed.",
                    i + 1,
                    input.edits.len()
                ))
            };
            if edit.old_string.is_empty() {
                return failed("old_string is empty; give the text to replace".into());
            }
            match replace(
                &rel,
                &text,
                &edit.old_string,
                &edit.new_string,
                edit.replace_all,
            ) {
                Ok(done) => {
                    text = done.text;
                    first_line = first_line.min(done.first_line);
                }
                Err(why) => return failed(why),
            }
        }
        if let Err(e) = ws.write(&rel, Some(text.clone())) {
            return ToolOutput::error(format!("cannot edit {rel}: {e}"));
        }
        ToolOutput::ok(format!(
            "Edited {rel} ({} edits). Lines from the first change:\n{}",
            input.edits.len(),
            snippet(&text, first_line, 1)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;

    const CODE: &str = "fn a() {\n    let x = 1;\n}\n\nfn b() {\n    let y = 2;\n}\n";

    #[tokio::test]
    async fn edits_apply_in_order_to_the_proposal() {
        let r = repo(&[("lib.rs", CODE)]);
        let out = MultiEdit
            .run(
                json!({"path": "lib.rs", "edits": [
                    {"old_string": "let x = 1;", "new_string": "let x = 10;"},
                    // Sees the first edit's result.
                    {"old_string": "x = 10", "new_string": "x = 11"},
                    {"old_string": "let y = 2;", "new_string": "let y = 20;"}
                ]}),
                &r.ctx,
            )
            .await;
        assert!(!out.is_error, "{}", out.content);
        assert!(
            out.content.contains("Edited lib.rs (3 edits)"),
            "{}",
            out.content
        );
        assert_eq!(
            r.proposed("lib.rs").unwrap(),
            "fn a() {\n    let x = 11;\n}\n\nfn b() {\n    let y = 20;\n}\n"
        );
        assert_eq!(r.disk("lib.rs").unwrap(), CODE);
    }

    #[tokio::test]
    async fn one_failing_edit_changes_nothing_and_says_which() {
        let r = repo(&[("lib.rs", CODE)]);
        let out = MultiEdit
            .run(
                json!({"path": "lib.rs", "edits": [
                    {"old_string": "let x = 1;", "new_string": "let x = 10;"},
                    {"old_string": "let z = 3;", "new_string": "let z = 30;"}
                ]}),
                &r.ctx,
            )
            .await;
        assert!(out.is_error);
        assert!(
            out.content
                .starts_with("edit 2 of 2: old_string was not found in lib.rs")
                && out.content.ends_with("Nothing was changed."),
            "{}",
            out.content
        );
        assert_eq!(r.proposed("lib.rs").unwrap(), CODE);
    }

    #[tokio::test]
    async fn ambiguous_and_missing_files_are_errors() {
        let r = repo(&[("lib.rs", "a\na\n")]);
        let edits = json!([{"old_string": "a", "new_string": "b"}]);
        let out = MultiEdit
            .run(json!({"path": "lib.rs", "edits": edits}), &r.ctx)
            .await;
        assert!(
            out.is_error && out.content.contains("occurs 2 times"),
            "{}",
            out.content
        );
        let all = json!([{"old_string": "a", "new_string": "b", "replace_all": true}]);
        let out = MultiEdit
            .run(json!({"path": "lib.rs", "edits": all}), &r.ctx)
            .await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(r.proposed("lib.rs").as_deref(), Some("b\nb\n"));
        let out = MultiEdit
            .run(json!({"path": "new.rs", "edits": edits}), &r.ctx)
            .await;
        assert!(out.is_error && out.content.contains("does not exist"));
    }

    #[tokio::test]
    async fn invalid_arguments_are_told_to_the_model() {
        let r = repo(&[("lib.rs", CODE)]);
        let out = MultiEdit
            .run(json!({"path": "lib.rs", "edit": []}), &r.ctx)
            .await;
        assert!(
            out.is_error
                && out
                    .content
                    .starts_with("invalid arguments for multi_edit: "),
            "{}",
            out.content
        );
    }

    #[test]
    fn it_answers_to_claude_names_and_says_what_it_touches() {
        let input = json!({"path": "src/a.rs", "edits": []});
        assert_eq!(MultiEdit.answers_to(), ["MultiEdit"]);
        assert_eq!(
            Tool::touches(&MultiEdit, &input),
            [Touch::new("src/a.rs", Access::Write)]
        );
    }
}
