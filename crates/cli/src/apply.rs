//! The terminal face of `tandem_core::apply`, shared by `tandem exec --apply` and
//! `tandem task apply`: the flags that name files which run code, and the
//! lines saying what was written, merged, refused and left out.

use clap::Args;
use tandem_core::apply::{Applied, Include};
use tandem_core::workspace::Workspace;

#[derive(Args, Debug, Clone, Default)]
pub struct ApplyFlags {
    /// Also apply PATH, a proposed change to a file that runs code on your
    /// machine (hooks, MCP servers, `.vscode/tasks.json`, git config, …),
    /// which is otherwise left out. Repeatable.
    #[arg(long = "apply-path", value_name = "PATH")]
    pub apply_path: Vec<String>,
    /// Also apply every proposed change to files that run code on your
    /// machine. `.git` is never written.
    #[arg(long = "apply-protected")]
    pub apply_protected: bool,
}

impl ApplyFlags {
    /// The named paths, relative to the workspace as the proposal keys them
    /// (`./x`, or an absolute path inside it, name the same file).
    pub fn include(&self, ws: &Workspace) -> Result<Include, String> {
        let paths = self
            .apply_path
            .iter()
            .map(|p| ws.relative(p).map_err(|e| format!("--apply-path: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(Include {
            paths,
            all_protected: self.apply_protected,
        })
    }
}

/// The exit status for an apply: 1 when a file was refused (the user has to
/// act: their edit conflicts, or a write failed), else 0. Files left out
/// for running code are a choice the user is told of, not a failure.
pub fn exit_code(applied: &Applied) -> i32 {
    if applied.refused.is_empty() { 0 } else { 1 }
}

/// What happened to each file, for the terminal. `again` is the command
/// that applies what was left out when given `--apply-path` (a task's
/// result is kept; an exec run's proposal is not, so then only the diff
/// above is left to the user).
pub fn render(applied: &Applied, again: Option<&str>) -> String {
    let mut out = String::new();
    for path in &applied.written {
        let note = if applied.merged.contains(path) {
            " (merged with your edits since the run read it)"
        } else {
            ""
        };
        out.push_str(&format!("   written   {path}{note}\n"));
    }
    for r in &applied.refused {
        out.push_str(&format!("   refused   {}: {}\n", r.path, r.reason));
    }
    for path in &applied.left_out {
        let how = match again {
            Some(cmd) => format!("apply it with `{cmd} --apply-path {path}`"),
            None => format!("not applied without `--apply-path {path}` (its diff is above)"),
        };
        out.push_str(&format!(
            "   left out  {path}: {}; {how}\n",
            tandem_core::changes::protected::RUNS_CODE
        ));
    }
    out
}

/// The last line: whether everything landed.
pub fn ending(applied: &Applied) -> String {
    if applied.complete() {
        return "Applied to your files.".into();
    }
    let total = applied.written.len() + applied.refused.len() + applied.left_out.len();
    let mut parts = Vec::new();
    if !applied.refused.is_empty() {
        parts.push(format!("{} refused", applied.refused.len()));
    }
    if !applied.left_out.is_empty() {
        parts.push(format!("{} left out", applied.left_out.len()));
    }
    format!(
        "Applied {} of {total} files to your files ({}); the others are unchanged.",
        applied.written.len(),
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::apply::Refused;

    #[test]
    fn lists_every_file_and_how_to_apply_what_was_left_out() {
        let applied = Applied {
            written: vec!["a.py".into(), "b.py".into()],
            merged: vec!["b.py".into()],
            refused: vec![Refused {
                path: "c.py".into(),
                reason: "your edits since the run read it overlap its change at line 3".into(),
            }],
            left_out: vec![".mcp.json".into()],
        };
        let text = render(&applied, Some("tandem task apply 7f3a"));
        assert!(text.contains("written   a.py\n"), "{text}");
        assert!(text.contains("b.py (merged with your edits"), "{text}");
        assert!(text.contains("refused   c.py: your edits"), "{text}");
        assert!(
            text.contains("left out  .mcp.json: runs code on your machine; apply it with `tandem task apply 7f3a --apply-path .mcp.json`"),
            "{text}"
        );
        assert_eq!(
            ending(&applied),
            "Applied 2 of 4 files to your files (1 refused, 1 left out); the others are unchanged."
        );
        assert_eq!(exit_code(&applied), 1);
    }
}
