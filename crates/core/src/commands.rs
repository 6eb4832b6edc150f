//! Slash commands as people already write them: Claude Code's custom
//! commands (`.claude/commands/*.md` of the repository, then
//! `~/.claude/commands/*.md`) and Codex's prompts (`~/.codex/prompts/*.md`),
//! each a Markdown file whose body is the prompt (frontmatter
//! `description`, `argument-hint`, `allowed-tools`, `model`), with
//! `$ARGUMENTS` (everything typed after the name), `$1`…`$9` (its words,
//! quotes grouping) and `@path` (that file's text) put in. Tandem's own
//! prompt commands are `/init` and `/review`. A prompt that starts with a
//! `/name` none of these (nor a skill) knows is an error, never sent to the
//! model as text.

use crate::skills::args::words;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One command's file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub name: String,
    pub description: String,
    pub argument_hint: Option<String>,
    /// Claude Code's `allowed-tools`: rules allowed while it runs.
    pub allowed_tools: Vec<String>,
    pub model: Option<String>,
    pub body: String,
    /// Where it came from ("project", "user", "codex", "tandem").
    pub origin: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct Front {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    argument_hint: Option<String>,
    #[serde(default)]
    allowed_tools: Option<Tools>,
    #[serde(default)]
    model: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Tools {
    One(String),
    Many(Vec<String>),
}

const INIT: &str = "Write an AGENTS.md at the root of this repository for coding agents: how to build, test and lint it (the exact commands, checked against its files), its layout, its conventions, and anything a newcomer would trip over. Read the repository first (README, build files, CI config, a few source files); keep it short and true. If an AGENTS.md exists, improve it instead.";

const REVIEW: &str = "Review the changes in this repository: the working tree against HEAD (`git diff HEAD`, and untracked files) and your own proposed edits if there are any. Report bugs, risks and missing tests first, each with file and line, then smaller points. Do not change files. $ARGUMENTS";

/// The commands a session can run, by name; the first definition of a
/// name wins (project over user over Codex; Tandem's own last).
#[derive(Debug, Clone, Default)]
pub struct Commands {
    by_name: BTreeMap<String, Command>,
    /// Files that could not be read, for a warning.
    pub problems: Vec<String>,
}

impl Commands {
    /// The commands of the folder `root` and the user's (`home`).
    pub fn load(root: &Path, home: Option<&Path>) -> Commands {
        let mut out = Commands::default();
        out.add_dir(&root.join(".claude/commands"), "project");
        if let Some(home) = home {
            out.add_dir(&home.join(".claude/commands"), "user");
            let codex = std::env::var_os("CODEX_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".codex"));
            out.add_dir(&codex.join("prompts"), "codex");
        }
        for (name, body, description) in [
            (
                "init",
                INIT,
                "write an AGENTS.md for this repository (a proposal)",
            ),
            (
                "review",
                REVIEW,
                "review the working tree's and the proposal's changes",
            ),
        ] {
            out.by_name.entry(name.to_string()).or_insert(Command {
                name: name.to_string(),
                description: description.to_string(),
                argument_hint: None,
                allowed_tools: Vec::new(),
                model: None,
                body: body.to_string(),
                origin: "tandem",
            });
        }
        out
    }

    fn add_dir(&mut self, dir: &Path, origin: &'static str) {
        let mut files = Vec::new();
        collect(dir, &mut files);
        files.sort();
        for path in files {
            let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if self.by_name.contains_key(name) {
                continue;
            }
            match read(&path, name, origin) {
                Ok(c) => {
                    self.by_name.insert(name.to_string(), c);
                }
                Err(e) => self.problems.push(format!("{}: {e}", path.display())),
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Command> {
        self.by_name.get(name)
    }

    pub fn all(&self) -> impl Iterator<Item = &Command> {
        self.by_name.values()
    }
}

/// Markdown files in `dir` and its sub-folders (Claude Code's namespaces).
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
}

fn read(path: &Path, name: &str, origin: &'static str) -> Result<Command, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let (front, body) = match crate::frontmatter::split(&text) {
        Some(_) => crate::frontmatter::parse::<Front>(&text)?,
        None => (Front::default(), text.clone()),
    };
    let first_line = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    Ok(Command {
        name: name.to_string(),
        description: front
            .description
            .unwrap_or_else(|| first_line.chars().take(80).collect()),
        argument_hint: front.argument_hint,
        allowed_tools: match front.allowed_tools {
            Some(Tools::One(s)) => s
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            Some(Tools::Many(v)) => v,
            None => Vec::new(),
        },
        model: front.model,
        body: body.trim().to_string(),
        origin,
    })
}

/// `/name rest…` at the start of a prompt: the name and the rest. A path
/// (`/etc/hosts is wrong`) is not a command.
pub fn invocation(prompt: &str) -> Option<(&str, &str)> {
    let rest = prompt.trim_start().strip_prefix('/')?;
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let name = &rest[..end];
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
    ok.then(|| (name, rest[end..].trim()))
}

/// A command's prompt with the arguments and `@file` includes put in;
/// `read_file` gives a workspace file's text (the proposal's, so a command
/// sees the agent's own edits).
pub fn expand(command: &Command, args: &str, read_file: impl Fn(&str) -> Option<String>) -> String {
    let ws = words(args);
    let mut out = String::with_capacity(command.body.len() + args.len());
    let mut used = false;
    let mut rest = command.body.as_str();
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("ARGUMENTS") {
            out.push_str(args);
            used = true;
            rest = tail;
        } else if let Some(d) = after.chars().next().filter(|c| ('1'..='9').contains(c)) {
            let n = d.to_digit(10).unwrap_or(1) as usize;
            out.push_str(ws.get(n - 1).map_or("", String::as_str));
            used = true;
            rest = &after[1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    if !used && !args.is_empty() {
        out.push_str("\n\n");
        out.push_str(args);
    }
    include_files(&out, read_file)
}

/// `@path` of an existing file becomes the file's text after the prompt
/// (the reference stays where it was written).
fn include_files(text: &str, read_file: impl Fn(&str) -> Option<String>) -> String {
    let mut files = Vec::new();
    for word in text.split_whitespace() {
        let Some(path) = word.strip_prefix('@') else {
            continue;
        };
        let path = path.trim_end_matches([',', '.', ';', ':', ')']);
        if path.is_empty() || files.iter().any(|(p, _)| p == path) {
            continue;
        }
        if let Some(body) = read_file(path) {
            files.push((path.to_string(), body));
        }
    }
    let mut out = text.to_string();
    for (path, body) in files {
        out.push_str(&format!(
            "\n\nContents of {path}:\n```\n{}\n```",
            body.trim_end()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn project_commands_win_over_the_users_and_carry_their_frontmatter() {
        let root = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        write(
            root.path(),
            ".claude/commands/rev.md",
            "---\ndescription: Review a file\nargument-hint: <file>\nallowed-tools: Bash(git diff:*), Read\nmodel: claude-haiku-4-5\n---\nReview $1 for bugs. Context: $ARGUMENTS\n",
        );
        write(home.path(), ".claude/commands/rev.md", "the user's rev");
        write(
            home.path(),
            ".claude/commands/team/fix.md",
            "Fix $ARGUMENTS",
        );
        write(home.path(), ".codex/prompts/explain.md", "Explain $1");
        let c = Commands::load(root.path(), Some(home.path()));
        let rev = c.get("rev").unwrap();
        assert_eq!(
            (rev.origin, rev.description.as_str()),
            ("project", "Review a file")
        );
        assert_eq!(rev.allowed_tools, vec!["Bash(git diff:*)", "Read"]);
        assert_eq!(rev.model.as_deref(), Some("claude-haiku-4-5"));
        assert_eq!(c.get("fix").unwrap().origin, "user");
        assert_eq!(c.get("explain").unwrap().origin, "codex");
        assert_eq!(c.get("init").unwrap().origin, "tandem");
        assert!(c.problems.is_empty(), "{:?}", c.problems);
    }

    #[test]
    fn arguments_positions_and_files_are_put_in() {
        let cmd = Command {
            name: "rev".into(),
            description: String::new(),
            argument_hint: None,
            allowed_tools: Vec::new(),
            model: None,
            body: "Review $1 (then $2) for: $ARGUMENTS. Costs $5 or $.".into(),
            origin: "project",
        };
        let out = expand(&cmd, "src/a.py \"the parser\"", |_| None);
        assert_eq!(
            out,
            "Review src/a.py (then the parser) for: src/a.py \"the parser\". Costs  or $."
        );
        let cmd = Command {
            body: "Look at @src/a.py, please.".into(),
            ..cmd
        };
        let out = expand(&cmd, "quickly", |p| {
            (p == "src/a.py").then(|| "x = 1\n".into())
        });
        assert_eq!(
            out,
            "Look at @src/a.py, please.\n\nquickly\n\nContents of src/a.py:\n```\nx = 1\n```"
        );
    }

    #[test]
    fn only_a_name_at_the_start_is_an_invocation() {
        assert_eq!(
            invocation("  /rev src/a.py now"),
            Some(("rev", "src/a.py now"))
        );
        assert_eq!(invocation("/init"), Some(("init", "")));
        assert_eq!(invocation("/etc/hosts is wrong"), None);
        assert_eq!(invocation("fix /rev"), None);
        assert_eq!(invocation("/ nothing"), None);
    }
}
