//! `edit`: exact string replacement in a file's current text. A string that
//! is not found exactly is matched loosely (other quotes, shifted
//! indentation: `loose_match.rs`) when that finds one place, and the result
//! says so; else it is an error that shows the model where the nearest text
//! is, so it can retry with the right string.
//! The matching (`replace`) is shared with the other exact-replacement tools.

use super::{Access, Acts, Permission, ToolContext, ToolOutput, Touch};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

pub struct Edit;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    path: String,
    /// Exact text to replace
    old_string: String,
    /// Text to put in its place
    new_string: String,
    /// Replace every occurrence (default false)
    #[serde(default)]
    replace_all: bool,
}

#[async_trait]
impl super::TypedTool for Edit {
    type Input = Input;

    fn name(&self) -> &str {
        "edit"
    }

    fn description(&self) -> &str {
        "Replace an exact string in a file. `old_string` must match the file exactly (indentation included) and occur once, unless `replace_all` is true; include enough surrounding lines to make it unique. An empty `old_string` creates a new file with `new_string` as its content. The change becomes part of your proposal."
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

    fn touches(&self, input: &Value) -> Vec<Touch> {
        Touch::path_arg(input, Access::Write)
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
        let ws = &ctx.workspace;
        let rel = match ws.relative(&input.path) {
            Ok(r) => r,
            Err(e) => return ToolOutput::error(e.to_string()),
        };
        let current = match ws.read(&rel) {
            Ok(t) => t,
            Err(e) => return ToolOutput::error(format!("cannot read {rel}: {e}")),
        };
        let Some(current) = current else {
            if input.old_string.is_empty() {
                return match ws.write(&rel, Some(input.new_string)) {
                    Ok(()) => ToolOutput::ok(format!("Created {rel}.")),
                    Err(e) => ToolOutput::error(format!("cannot create {rel}: {e}")),
                };
            }
            return ToolOutput::error(format!(
                "{rel} does not exist; use an empty old_string to create it"
            ));
        };
        if input.old_string.is_empty() {
            return ToolOutput::error(format!(
                "{rel} already exists; give the text to replace in old_string"
            ));
        }
        let done = match replace(
            &rel,
            &current,
            &input.old_string,
            &input.new_string,
            input.replace_all,
        ) {
            Ok(done) => done,
            Err(e) => return ToolOutput::error(e),
        };
        if let Err(e) = ws.write(&rel, Some(done.text.clone())) {
            return ToolOutput::error(format!("cannot edit {rel}: {e}"));
        }
        let count = if done.count > 1 {
            format!("{} occurrences", done.count)
        } else {
            "1 occurrence".to_string()
        };
        let loose = done
            .loose
            .map(|how| format!(" old_string was not in the file exactly ({how}); the one close match was replaced."))
            .unwrap_or_default();
        ToolOutput::ok(format!(
            "Edited {rel} ({count}).{loose} Lines around the change:\n{}",
            snippet(
                &done.text,
                done.first_line,
                input.new_string.lines().count().max(1)
            )
        ))
    }
}

/// One replacement done in memory.
pub(super) struct Replaced {
    pub text: String,
    /// How many occurrences were replaced.
    pub count: usize,
    /// 1-based line of the first replacement in `text`.
    pub first_line: usize,
    /// Matched loosely: what differed from the file.
    pub loose: Option<&'static str>,
}

/// Replace `old` in `current` (once; every occurrence with `all`), or say
/// why not in words the model can act on.
pub(super) fn replace(
    rel: &str,
    current: &str,
    old: &str,
    new: &str,
    all: bool,
) -> Result<Replaced, String> {
    if old == new {
        return Err("old_string and new_string are the same; nothing to do".into());
    }
    let starts: Vec<usize> = current.match_indices(old).map(|(i, _)| i).collect();
    let text = match starts.len() {
        0 => {
            return match super::loose_match::find(current, old, new) {
                Ok(Some(l)) => {
                    let text = format!(
                        "{}{}{}",
                        &current[..l.start],
                        l.replacement,
                        &current[l.end..]
                    );
                    Ok(Replaced {
                        first_line: line_of(&text, l.start),
                        text,
                        count: 1,
                        loose: Some(l.how),
                    })
                }
                Err(n) => Err(format!(
                    "old_string was not found in {rel} exactly, and a loose match (other quotes or indentation) is at {n} places; copy the text exactly, with enough lines to pick one"
                )),
                Ok(None) => Err(not_found(rel, current, old)),
            };
        }
        1 => current.replacen(old, new, 1),
        _ if all => current.replace(old, new),
        n => {
            let lines: Vec<String> = starts
                .iter()
                .map(|&i| line_of(current, i).to_string())
                .collect();
            return Err(format!(
                "old_string occurs {n} times in {rel} (lines {}); include more surrounding text to pick one, or set replace_all",
                lines.join(", ")
            ));
        }
    };
    let first_line = line_of(&text, starts[0]);
    Ok(Replaced {
        text,
        count: starts.len(),
        first_line,
        loose: None,
    })
}

/// 1-based line number of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// Numbered lines `first - 3 .. first + len + 3`.
pub(super) fn snippet(text: &str, first: usize, len: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let from = first.saturating_sub(4);
    let to = (first + len + 2).min(lines.len());
    (from..to)
        .map(|i| format!("{:>6}\t{}\n", i + 1, lines[i]))
        .collect()
}

/// Explain a failed match: a whitespace-insensitive hit if there is one,
/// else the lines most like the first line of `old`.
fn not_found(rel: &str, text: &str, old: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let old_lines: Vec<&str> = old.lines().collect();
    let mut msg = format!("old_string was not found in {rel}.");
    if let Some(start) = (0..lines.len()).find(|&i| {
        i + old_lines.len() <= lines.len()
            && old_lines
                .iter()
                .zip(&lines[i..])
                .all(|(a, b)| a.split_whitespace().eq(b.split_whitespace()))
    }) {
        msg.push_str(&format!(
            " The same text with different whitespace or indentation is at line {}; copy it exactly:\n",
            start + 1
        ));
        for (i, line) in lines[start..start + old_lines.len()].iter().enumerate() {
            msg.push_str(&format!("{:>6}\t{line}\n", start + i + 1));
        }
        return msg;
    }
    let probe = old_lines
        .iter()
        .find(|l| !l.trim().is_empty())
        .map_or("", |l| l.trim());
    let mut scored: Vec<(f32, usize)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (similar::TextDiff::from_chars(probe, l.trim()).ratio(), i))
        .filter(|(s, _)| *s >= 0.5)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    if scored.is_empty() {
        msg.push_str(" No similar lines either; read the file again before editing.");
    } else {
        msg.push_str(" The most similar lines are:\n");
        for (_, i) in scored.into_iter().take(3) {
            msg.push_str(&format!("{:>6}\t{}\n", i + 1, lines[i]));
        }
        msg.push_str("Read the file again and copy the text exactly.");
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;

    const CODE: &str = "fn a() {\n    let x = 1;\n}\n\nfn b() {\n    let x = 1;\n}\n";

    #[tokio::test]
    async fn unique_replacement_goes_to_the_proposal_only() {
        let r = repo(&[("lib.rs", CODE)]);
        let out = Edit
            .run(
                json!({"path": "lib.rs", "old_string": "fn a() {\n    let x = 1;", "new_string": "fn a() {\n    let x = 2;"}),
                &r.ctx,
            )
            .await;
        assert!(!out.is_error, "{}", out.content);
        assert!(out.content.contains("     2\t    let x = 2;"));
        assert!(
            r.proposed("lib.rs")
                .unwrap()
                .starts_with("fn a() {\n    let x = 2;")
        );
        assert_eq!(r.disk("lib.rs").unwrap(), CODE);
    }

    #[tokio::test]
    async fn ambiguous_needs_more_context_or_replace_all() {
        let r = repo(&[("lib.rs", CODE)]);
        let input =
            json!({"path": "lib.rs", "old_string": "let x = 1;", "new_string": "let x = 3;"});
        let out = Edit.run(input.clone(), &r.ctx).await;
        assert!(
            out.is_error
                && out.content.contains("occurs 2 times")
                && out.content.contains("lines 2, 6")
        );
        let mut all = input;
        all["replace_all"] = json!(true);
        let out = Edit.run(all, &r.ctx).await;
        assert!(!out.is_error);
        assert_eq!(
            r.proposed("lib.rs").unwrap().matches("let x = 3;").count(),
            2
        );
    }

    #[tokio::test]
    async fn near_misses_are_shown() {
        let r = repo(&[("lib.rs", CODE)]);
        let out = Edit
            .run(
                json!({"path": "lib.rs", "old_string": "fn b() {\nlet x = 1;", "new_string": "z"}),
                &r.ctx,
            )
            .await;
        assert!(out.is_error);
        assert!(
            out.content
                .contains("different whitespace or indentation is at line 5"),
            "{}",
            out.content
        );
        let out = Edit
            .run(
                json!({"path": "lib.rs", "old_string": "let y = 1;", "new_string": "z"}),
                &r.ctx,
            )
            .await;
        assert!(
            out.content.contains("most similar lines")
                && out.content.contains("     2\t    let x = 1;"),
            "{}",
            out.content
        );
    }

    #[tokio::test]
    async fn a_quote_mismatch_applies_and_says_so() {
        // The file has double quotes; the model wrote single ones.
        let r = repo(&[("shop.py", "def price(item):\n    return item[\"price\"]\n")]);
        let out = Edit
            .run(
                json!({"path": "shop.py", "old_string": "return item['price']", "new_string": "return item['price'] * 1.2"}),
                &r.ctx,
            )
            .await;
        assert!(!out.is_error, "{}", out.content);
        assert!(out.content.contains("quotes differ"), "{}", out.content);
        assert_eq!(
            r.proposed("shop.py").unwrap(),
            "def price(item):\n    return item['price'] * 1.2\n"
        );
    }

    #[tokio::test]
    async fn create_with_empty_old_string() {
        let r = repo(&[]);
        let out = Edit
            .run(
                json!({"path": "new.txt", "old_string": "", "new_string": "hi\n"}),
                &r.ctx,
            )
            .await;
        assert!(!out.is_error);
        assert_eq!(r.proposed("new.txt").as_deref(), Some("hi\n"));
        let out = Edit
            .run(
                json!({"path": "gone.txt", "old_string": "x", "new_string": "y"}),
                &r.ctx,
            )
            .await;
        assert!(out.is_error && out.content.contains("does not exist"));
    }
}
