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
    /// Set by "Ask Tandem about this image": image files (absolute, or in
    /// the workspace) sent with the prompt.
    #[serde(default)]
    pub images: Vec<std::path::PathBuf>,
}

/// The prompt of `tandem.run`, or of `tandem.ask` (`ask`): from what the
/// action sent, and `place`, the file the user is at (its workspace path
/// and text). Without a prompt where one is needed, why not.
pub fn for_run(
    a: RunArgs,
    place: Option<(String, String)>,
    ask: bool,
) -> Result<String, &'static str> {
    let prompt = a.prompt.filter(|p| !p.trim().is_empty());
    let text = match (&place, a.diagnostic, a.function, prompt, a.range) {
        (Some((path, text)), Some(d), _, extra, _) => {
            let base = fix(path, text, &d);
            extra.map_or(base.clone(), |e| format!("{base}\n\n{e}"))
        }
        (Some((path, _)), None, Some(name), extra, range) => {
            let line = range.map_or(0, |r| r.start.line);
            let base = tests(path, &name, line);
            extra.map_or(base.clone(), |e| format!("{base}\n\n{e}"))
        }
        (Some((path, text)), None, None, Some(p), Some(range)) if range.start != range.end => {
            self::ask(&p, path, text, &range)
        }
        (Some((path, _)), None, None, Some(p), _) => {
            format!("{p}\n\n(The user is looking at {path}.)")
        }
        (None, _, _, Some(p), _) => p,
        _ if ask => return Err("tandem.ask needs a `prompt`: the editor asks the user for one"),
        _ => return Err("tandem.run needs a `prompt`"),
    };
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(prompt: Option<&str>) -> RunArgs {
        RunArgs {
            prompt: prompt.map(str::to_string),
            uri: None,
            range: None,
            diagnostic: None,
            function: None,
            images: Vec::new(),
        }
    }

    fn at_a_rs() -> Option<(String, String)> {
        Some(("src/a.rs".into(), "fn total() {}\n".into()))
    }

    #[test]
    fn a_run_needs_a_prompt_and_says_so() {
        assert_eq!(
            for_run(run_args(Some("  ")), at_a_rs(), false),
            Err("tandem.run needs a `prompt`")
        );
        let ask = for_run(run_args(None), None, true).unwrap_err();
        assert!(ask.starts_with("tandem.ask needs a `prompt`"));
    }

    #[test]
    fn a_prompt_names_the_file_the_user_is_looking_at() {
        assert_eq!(
            for_run(run_args(Some("tidy")), None, false).unwrap(),
            "tidy"
        );
        assert_eq!(
            for_run(run_args(Some("tidy")), at_a_rs(), false).unwrap(),
            "tidy\n\n(The user is looking at src/a.rs.)"
        );
    }

    #[test]
    fn writing_tests_adds_what_the_user_typed() {
        let mut a = run_args(Some("use proptest"));
        a.function = Some("total".into());
        let prompt = for_run(a, at_a_rs(), false).unwrap();
        assert!(prompt.starts_with("Write tests for `total` (src/a.rs, line 1)."));
        assert!(prompt.ends_with("\n\nuse proptest"));
    }

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
