//! The prompts the editor's actions send the agent: a diagnostic to fix, a
//! selection to change, a function to test, a conflicted change to redo.
//! Each carries the file and the code around the place.

use serde::Deserialize;
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Range};

/// Lines `from..=to` (0-based, clamped) of `text`, numbered from 1.
pub fn excerpt(text: &str, from: usize, to: usize) -> String {
    text.lines()
        .enumerate()
        .skip(from)
        .take(to.saturating_sub(from) + 1)
        .map(|(i, l)| format!("{:>5}  {l}\n", i + 1))
        .collect()
}

fn around(text: &str, range: &Range, margin: usize) -> (usize, usize, String) {
    let from = (range.start.line as usize).saturating_sub(margin);
    let to = range.end.line as usize + margin;
    let last = text.lines().count().saturating_sub(1);
    let to = to.min(last);
    (from + 1, to + 1, excerpt(text, from, to))
}

pub fn fix(path: &str, text: &str, d: &Diagnostic) -> String {
    let severity = match d.severity {
        Some(DiagnosticSeverity::ERROR) => "error",
        Some(DiagnosticSeverity::WARNING) => "warning",
        Some(DiagnosticSeverity::INFORMATION) => "note",
        _ => "hint",
    };
    let source = d.source.as_deref().unwrap_or("the editor");
    let code = match &d.code {
        Some(NumberOrString::String(s)) => format!(" [{s}]"),
        Some(NumberOrString::Number(n)) => format!(" [{n}]"),
        None => String::new(),
    };
    let (a, b, code_text) = around(text, &d.range, 10);
    format!(
        "Fix this {severity} that {source} reports in {path} at line {line}{code}:\n\n\
         {message}\n\nThe code around it ({path}, lines {a}-{b}):\n```\n{code_text}```\n\n\
         Make the smallest correct change; change other files only if the fix needs it.",
        line = d.range.start.line + 1,
        message = d.message,
    )
}

pub fn ask(request: &str, path: &str, text: &str, range: &Range) -> String {
    let (a, b, code_text) = around(text, range, 0);
    format!(
        "{request}\n\nThis is about the selected code in {path}, lines {a}-{b}:\n```\n{code_text}```"
    )
}

pub fn tests(path: &str, name: &str, line: u32) -> String {
    format!(
        "Write tests for `{name}` ({path}, line {}). Follow the project's existing test \
         layout and conventions; cover the normal case, edge cases and errors.",
        line + 1
    )
}

pub fn rerun(path: &str, text: &str, start: usize, len: usize, old: &str, new: &str) -> String {
    let from = start.saturating_sub(3);
    let to = start + len + 3;
    format!(
        "Your earlier change to {path} overlapped edits the user made meanwhile, so it was \
         dropped. Redo it against the file as it is now.\n\nYou had replaced:\n```\n{old}```\n\
         with:\n```\n{new}```\n\nThe file now reads (lines {}-{}):\n```\n{}```",
        from + 1,
        to + 1,
        excerpt(text, from, to)
    )
}

/// A function, method or test-worthy definition starting on `line`.
pub fn function_name(line: &str) -> Option<String> {
    static PATTERN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^\s*(?:(?:pub(?:\([^)]*\))?|export|default|async|static|public|private|protected|unsafe|const)\s+)*(?:fn|def|function|func)\s+(?:\([^)]*\)\s*)?([A-Za-z_][A-Za-z0-9_]*)",
        )
        .expect("valid pattern")
    });
    PATTERN.captures(line).map(|c| c[1].to_string())
}

/// Arguments of `tandem.run` and `tandem.ask`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunArgs {
    pub prompt: Option<String>,
    pub uri: Option<tower_lsp_server::ls_types::Uri>,
    pub range: Option<Range>,
    /// Set by "Fix with Tandem": the diagnostic to fix.
    pub diagnostic: Option<Diagnostic>,
    /// Set by "Write tests for this": the function's name.
    pub function: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_functions_in_common_languages() {
        assert_eq!(
            function_name("pub async fn total(x: u32)").as_deref(),
            Some("total")
        );
        assert_eq!(
            function_name("    def add_item(self, x):").as_deref(),
            Some("add_item")
        );
        assert_eq!(
            function_name("export function render() {").as_deref(),
            Some("render")
        );
        assert_eq!(
            function_name("func (s *S) Serve() {").as_deref(),
            Some("Serve")
        );
        assert_eq!(function_name("let x = 1;"), None);
    }

    #[test]
    fn excerpts_are_numbered_from_one() {
        assert_eq!(excerpt("a\nb\nc\n", 1, 5), "    2  b\n    3  c\n");
    }
}
