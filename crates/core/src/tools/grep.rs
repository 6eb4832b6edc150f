//! `grep`: search file contents with ripgrep's own engine (`grep-regex`,
//! `grep-searcher`): .gitignore respected, hidden and binary files skipped,
//! files in the proposal searched in their proposed text.

use super::{Access, Acts, Permission, ToolContext, ToolOutput, Touch, walk};
use async_trait::async_trait;
use grep_regex::RegexMatcherBuilder;
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder, Sink, SinkContext, SinkMatch};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

const DEFAULT_MAX: usize = 200;

pub struct Grep;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Regular expression
    pattern: String,
    /// File or folder to search (default: the root)
    path: Option<String>,
    /// Only files matching this glob, e.g. `*.py` or `src/**/*.rs`
    glob: Option<String>,
    #[serde(default)]
    case_insensitive: bool,
    // A string, not an enum, so a wrong mode gets grep's own message.
    #[schemars(extend("enum" = ["files_with_matches", "content", "count"]))]
    output_mode: Option<String>,
    /// Lines of context around matches (content mode)
    context: Option<usize>,
    /// Most lines or files to return (default 200)
    #[schemars(range(min = 1))]
    max_results: Option<usize>,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Files,
    Content,
    Count,
}

#[async_trait]
impl super::TypedTool for Grep {
    type Input = Input;

    fn name(&self) -> &str {
        "grep"
    }

    fn description(&self) -> &str {
        "Search file contents with a regular expression (ripgrep syntax). Respects .gitignore; skips hidden and binary files; searches your proposed text for files you edited. output_mode: `files_with_matches` (default, paths only), `content` (path:line:text, with optional context lines), or `count`."
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["Grep"]
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
        let mode = match input.output_mode.as_deref() {
            None | Some("files_with_matches") => Mode::Files,
            Some("content") => Mode::Content,
            Some("count") => Mode::Count,
            Some(other) => {
                return ToolOutput::error(format!(
                    "unknown output_mode `{other}`; use files_with_matches, content or count"
                ));
            }
        };
        let matcher = match RegexMatcherBuilder::new()
            .case_insensitive(input.case_insensitive)
            .build(&input.pattern)
        {
            Ok(m) => m,
            Err(e) => return ToolOutput::error(format!("invalid regular expression: {e}")),
        };
        let glob = match input.glob.as_deref().map(globset::Glob::new) {
            Some(Ok(g)) => Some(g.compile_matcher()),
            Some(Err(e)) => return ToolOutput::error(format!("invalid glob: {e}")),
            None => None,
        };
        let ws = &ctx.workspace;
        let target = match ws.relative(input.path.as_deref().unwrap_or(".")) {
            Ok(r) => r,
            Err(e) => return ToolOutput::error(e.to_string()),
        };
        let candidates =
            if !target.is_empty() && !ws.absolute(&target).is_dir() && ws.exists(&target) {
                vec![target.clone()]
            } else {
                walk::files(ws, &target)
            };
        let context = if mode == Mode::Content {
            input.context.unwrap_or(0)
        } else {
            0
        };
        let mut searcher = SearcherBuilder::new()
            .line_number(true)
            .binary_detection(BinaryDetection::quit(b'\x00'))
            .before_context(context)
            .after_context(context)
            .build();
        let max = input.max_results.unwrap_or(DEFAULT_MAX);

        let mut out = String::new();
        let mut shown = 0;
        let mut more = 0;
        for path in candidates {
            if let Some(g) = &glob {
                let name = path.rsplit('/').next().unwrap_or(&path);
                if !g.is_match(&path) && !g.is_match(name) {
                    continue;
                }
            }
            let mut sink = Collect::default();
            let searched = match ctx.workspace.changes().proposed(&path) {
                Some(Some(text)) => searcher.search_slice(&matcher, text.as_bytes(), &mut sink),
                Some(None) => continue,
                None => searcher.search_path(&matcher, ws.absolute(&path), &mut sink),
            };
            if searched.is_err() || sink.binary || sink.matches == 0 {
                continue;
            }
            match mode {
                Mode::Files => {
                    if shown < max {
                        out.push_str(&format!("{path}\n"));
                        shown += 1;
                    } else {
                        more += 1;
                    }
                }
                Mode::Count => {
                    if shown < max {
                        out.push_str(&format!("{path}:{}\n", sink.matches));
                        shown += 1;
                    } else {
                        more += 1;
                    }
                }
                Mode::Content => {
                    let mut cited: Option<(u64, u64)> = None;
                    for line in &sink.lines {
                        let Some((n, is_match, text)) = line else {
                            if shown < max {
                                out.push_str("--\n");
                            }
                            continue;
                        };
                        if shown >= max {
                            more += usize::from(*is_match);
                            continue;
                        }
                        let sep = if *is_match { ':' } else { '-' };
                        out.push_str(&format!(
                            "{path}{sep}{n}{sep}{}\n",
                            text.trim_end_matches(['\n', '\r'])
                        ));
                        shown += usize::from(*is_match);
                        cited = Some(match cited {
                            Some((s, e)) if *n == e + 1 => (s, *n),
                            Some((s, e)) => {
                                ws.cite(&path, s as usize, e as usize);
                                (*n, *n)
                            }
                            None => (*n, *n),
                        });
                    }
                    if let Some((s, e)) = cited {
                        ws.cite(&path, s as usize, e as usize);
                    }
                }
            }
        }
        if out.is_empty() {
            return ToolOutput::ok(format!("No matches for {}", input.pattern));
        }
        if more > 0 {
            let what = if mode == Mode::Content {
                "matching lines"
            } else {
                "files"
            };
            out.push_str(&format!(
                "[{more} more {what}; narrow the search or raise max_results]\n"
            ));
        }
        ToolOutput::ok(out)
    }
}

/// Matched and context lines of one file; `None` marks a break between groups.
#[derive(Default)]
struct Collect {
    lines: Vec<Option<(u64, bool, String)>>,
    matches: usize,
    binary: bool,
}

impl Sink for Collect {
    type Error = std::io::Error;

    fn matched(&mut self, _: &Searcher, m: &SinkMatch<'_>) -> Result<bool, Self::Error> {
        let first = m.line_number().unwrap_or(0);
        for (n, line) in (first..).zip(m.lines()) {
            self.lines
                .push(Some((n, true, String::from_utf8_lossy(line).into_owned())));
            self.matches += 1;
        }
        Ok(true)
    }

    fn context(&mut self, _: &Searcher, c: &SinkContext<'_>) -> Result<bool, Self::Error> {
        self.lines.push(Some((
            c.line_number().unwrap_or(0),
            false,
            String::from_utf8_lossy(c.bytes()).into_owned(),
        )));
        Ok(true)
    }

    fn context_break(&mut self, _: &Searcher) -> Result<bool, Self::Error> {
        self.lines.push(None);
        Ok(true)
    }

    fn binary_data(&mut self, _: &Searcher, _: u64) -> Result<bool, Self::Error> {
        self.binary = true;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;

    fn files() -> Vec<(&'static str, &'static str)> {
        vec![
            (".gitignore", "build/\n"),
            ("build/gen.py", "def hidden_match(): pass\n"),
            ("src/a.py", "import os\n\ndef alpha():\n    return 1\n"),
            ("src/b.py", "def beta():\n    return 2\n"),
            ("notes.txt", "def in text\n"),
        ]
    }

    #[tokio::test]
    async fn files_mode_respects_gitignore_and_glob() {
        let r = repo(&files());
        std::fs::write(r.dir.path().join("src/blob.bin"), b"def \x00\x01binary").unwrap();
        let out = Grep.run(json!({"pattern": "def \\w+"}), &r.ctx).await;
        assert_eq!(out.content, "notes.txt\nsrc/a.py\nsrc/b.py\n");
        let out = Grep
            .run(json!({"pattern": "def", "glob": "*.py"}), &r.ctx)
            .await;
        assert_eq!(out.content, "src/a.py\nsrc/b.py\n");
    }

    #[tokio::test]
    async fn content_mode_with_context_and_citations() {
        let r = repo(&files());
        let out = Grep
            .run(
                json!({"pattern": "alpha", "path": "src", "output_mode": "content", "context": 1}),
                &r.ctx,
            )
            .await;
        assert_eq!(
            out.content,
            "src/a.py-2-\nsrc/a.py:3:def alpha():\nsrc/a.py-4-    return 1\n"
        );
        let c: Vec<_> = r.ctx.workspace.citations().iter().collect();
        assert_eq!(
            (c[0].path.as_str(), c[0].start_line, c[0].end_line),
            ("src/a.py", 2, 4)
        );
    }

    #[tokio::test]
    async fn searches_the_proposal() {
        let r = repo(&files());
        let ws = &r.ctx.workspace;
        ws.write("src/b.py", Some("def gamma():\n".into())).unwrap();
        ws.write("src/c.py", Some("def gamma2():\n".into()))
            .unwrap();
        ws.write("src/a.py", None).unwrap();
        let out = Grep
            .run(
                json!({"pattern": "gamma|alpha|beta", "output_mode": "count"}),
                &r.ctx,
            )
            .await;
        assert_eq!(out.content, "src/b.py:1\nsrc/c.py:1\n");
    }

    #[tokio::test]
    async fn bad_input_is_reported() {
        let r = repo(&files());
        let out = Grep.run(json!({"pattern": "("}), &r.ctx).await;
        assert!(out.is_error && out.content.contains("invalid regular expression"));
        let out = Grep
            .run(json!({"pattern": "x", "output_mode": "lines"}), &r.ctx)
            .await;
        assert!(out.is_error);
        let out = Grep.run(json!({"pattern": "zzz"}), &r.ctx).await;
        assert_eq!(out.content, "No matches for zzz");
    }
}
