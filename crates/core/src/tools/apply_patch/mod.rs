//! `apply_patch`: multi-file edits in the `*** Begin Patch` format.

mod apply;
use tandem_patch::parser;

pub use apply::{Applied, apply};
pub use parser::{Chunk, FileOp, ParseError, Patch, parse};

use super::{Access, Acts, Permission, Tool, ToolContext, ToolOutput, Touch};
use async_trait::async_trait;
use serde_json::{Value, json};

pub struct ApplyPatch;

/// The patch format as a Lark grammar, for models that take `apply_patch`
/// as a freeform tool (OpenAI's custom tools constrain what the model
/// writes to it). It says the canonical form `parse` reads: what the parser
/// also tolerates (spaces around markers, a heredoc) it leaves out.
pub const GRAMMAR: &str = include_str!("patch.lark");

/// The patch of a call (`input` is what some models call it).
fn patch_text(input: &Value) -> Option<&str> {
    input
        .get("patch")
        .or_else(|| input.get("input"))
        .and_then(Value::as_str)
}

#[async_trait]
impl Tool for ApplyPatch {
    fn name(&self) -> &str {
        "apply_patch"
    }

    fn description(&self) -> &str {
        "Edit, add, delete or move files with a patch. All of it applies or none of it does. Format:\n\
*** Begin Patch\n\
*** Update File: <path>\n\
@@ <a line above the change>\n\
 <context line>\n\
-<line to remove>\n\
+<line to add>\n\
*** Add File: <path>\n\
+<line of the new file>\n\
*** Delete File: <path>\n\
*** End Patch\n\
In an Update, lines start with ' ' (context, ~3 lines around each change), '-' (remove) or '+' (add); `@@ line` (one per chunk) finds that line first, e.g. a function header; `*** Move to: path` right after the Update line moves the file; `*** End of File` after a chunk anchors it at the end."
    }

    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "patch": {"type": "string", "description": "The whole patch, from *** Begin Patch to *** End Patch"}
            },
            "required": ["patch"]
        })
    }

    fn freeform(&self) -> Option<crate::model::Freeform> {
        Some(crate::model::Freeform {
            syntax: "lark".into(),
            definition: GRAMMAR.into(),
            field: "patch".into(),
        })
    }

    fn permission(&self) -> Permission {
        Permission::Edit
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["Edit", "MultiEdit"]
    }

    fn acts_on(&self) -> Acts {
        Acts::Files
    }

    /// Through the parser `run` uses, so rules see the files the patch
    /// really changes; a patch that does not parse changes none.
    fn touches(&self, input: &Value) -> Vec<Touch> {
        let Some(patch) = patch_text(input).and_then(|t| parse(t).ok()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for op in patch.ops {
            match op {
                FileOp::Add { path, .. } => out.push(Touch::new(path, Access::Write)),
                FileOp::Delete { path } => out.push(Touch::new(path, Access::Delete)),
                FileOp::Update { path, move_to, .. } => match move_to {
                    // The old place is where the text is read and changed.
                    Some(to) => {
                        out.push(Touch::new(path, Access::Write));
                        out.push(Touch::new(to, Access::Write));
                    }
                    None => out.push(Touch::new(path, Access::Write)),
                },
            }
        }
        out
    }

    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        let Some(text) = patch_text(&input) else {
            return ToolOutput::error(
                "invalid arguments for apply_patch: give the patch text as `patch`",
            );
        };
        let patch = match parse(text) {
            Ok(p) => p,
            Err(e) => {
                return ToolOutput::error(format!(
                    "the patch is not valid: {e}. Nothing was changed."
                ));
            }
        };
        match apply(&patch, &ctx.workspace) {
            Ok(done) => {
                let mut out = String::from("Patch applied to the proposal:\n");
                for a in done {
                    let from = a.from.map(|f| format!("{f} -> ")).unwrap_or_default();
                    out.push_str(&format!(
                        "{} {from}{} (+{} -{})\n",
                        a.mark, a.path, a.added, a.removed
                    ));
                }
                ToolOutput::ok(out)
            }
            Err(e) => ToolOutput::error(format!("{e}\nNothing was changed.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::walk::fixture::repo;

    #[tokio::test]
    async fn through_the_tool_interface() {
        let r = repo(&[("a.py", "x = 1\n")]);
        let out = ApplyPatch
            .run(json!({"patch": "*** Begin Patch\n*** Update File: a.py\n-x = 1\n+x = 2\n*** Add File: b.py\n+y\n*** End Patch"}), &r.ctx)
            .await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(
            out.content,
            "Patch applied to the proposal:\nM a.py (+1 -1)\nA b.py (+1 -0)\n"
        );
        assert_eq!(r.proposed("a.py").as_deref(), Some("x = 2\n"));
        assert_eq!(r.disk("a.py").as_deref(), Some("x = 1\n"));
        assert!(r.disk("b.py").is_none());

        let bad = ApplyPatch
            .run(
                json!({"patch": "*** Begin Patch\n*** Update File: a.py\n?? x\n*** End Patch"}),
                &r.ctx,
            )
            .await;
        assert!(
            bad.is_error && bad.content.contains("patch line 3"),
            "{}",
            bad.content
        );
        let missing = ApplyPatch.run(json!({"diff": "x"}), &r.ctx).await;
        assert!(missing.is_error && missing.content.contains("`patch`"));
    }
}
