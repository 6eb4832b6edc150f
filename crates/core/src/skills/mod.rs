//! Agent Skills: folders holding a `SKILL.md` under `.agents/skills/` and
//! `.claude/skills/` in the project, and the same under the user's home.
//! Only names and descriptions go into the system prompt; the body is read
//! when the model calls the `skill` tool or the user starts a prompt with
//! `/name`; files beside it are read on demand with `read`. A project skill
//! hides a user skill of the same name. Invalid skills are reported, not
//! fatal.

pub mod args;
pub mod parse;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where skills live, relative to the project root and to the home folder,
/// in order of precedence.
pub const FOLDERS: [&str; 2] = [".agents/skills", ".claude/skills"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Project,
    User,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    pub meta: parse::Frontmatter,
    /// The skill's folder.
    pub dir: PathBuf,
    pub scope: Scope,
}

#[derive(Debug, Clone, Default)]
pub struct Skills {
    /// By name.
    pub skills: BTreeMap<String, Skill>,
    /// One line per invalid skill: its file and what is wrong.
    pub problems: Vec<String>,
    /// The project root, to show project skill folders relative to it.
    root: PathBuf,
}

impl Skills {
    /// Find the skills of the project at `root` and of the user at `home`.
    pub fn discover(root: &Path, home: Option<&Path>) -> Skills {
        let mut out = Skills {
            root: root.to_path_buf(),
            ..Skills::default()
        };
        let mut places: Vec<(PathBuf, Scope)> = FOLDERS
            .iter()
            .map(|f| (root.join(f), Scope::Project))
            .collect();
        if let Some(home) = home {
            places.extend(FOLDERS.iter().map(|f| (home.join(f), Scope::User)));
        }
        for (place, scope) in places {
            let Ok(entries) = std::fs::read_dir(&place) else {
                continue;
            };
            let mut dirs: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            dirs.sort();
            for dir in dirs {
                let file = dir.join("SKILL.md");
                if !file.is_file() {
                    continue;
                }
                let folder = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let parsed = std::fs::read_to_string(&file)
                    .map_err(|e| e.to_string())
                    .and_then(|text| parse::parse(&text, &folder));
                match parsed {
                    // The first found wins: project before user.
                    Ok((meta, _)) => {
                        out.problems.extend(
                            meta.warnings
                                .iter()
                                .map(|w| format!("skill {} loads, but: {w}", file.display())),
                        );
                        out.skills
                            .entry(meta.name.clone())
                            .or_insert(Skill { meta, dir, scope });
                    }
                    Err(e) => out
                        .problems
                        .push(format!("skill {} is invalid: {e}", file.display())),
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    pub fn names(&self) -> Vec<String> {
        self.skills.keys().cloned().collect()
    }

    pub fn get(&self, name: &str) -> Option<&Skill> {
        self.skills.get(name)
    }

    /// The skill's folder as the model should name it to `read`: relative
    /// to the project root for project skills, absolute otherwise.
    /// Note that the run used skill `name` (the report's sources).
    /// Where skill `name` came from, as the run's sources show it.
    pub fn source_of(&self, name: &str) -> Option<String> {
        self.get(name).map(|skill| self.display_dir(skill))
    }

    pub fn display_dir(&self, skill: &Skill) -> String {
        match skill.dir.strip_prefix(&self.root) {
            Ok(rel) if skill.scope == Scope::Project => rel.display().to_string(),
            _ => skill.dir.display().to_string(),
        }
    }

    /// The system prompt section: names and descriptions only.
    pub fn prompt_section(&self) -> String {
        if self.skills.values().all(|s| s.meta.user_only) {
            return String::new();
        }
        let mut out = String::from(
            "# Skills\n\nSkills are instructions for particular tasks, kept in folders. Only \
             their names and descriptions are listed here. When a task matches a skill's \
             description, call the `skill` tool with its name before you start, then follow \
             what it returns (it tells you the folder, whose other files you can read with \
             `read` when the skill points to them).\n\n",
        );
        for skill in self.skills.values().filter(|s| !s.meta.user_only) {
            let description = skill.meta.description.replace('\n', " ");
            out.push_str(&format!("- `{}`: {description}\n", skill.meta.name));
        }
        out
    }

    /// A skill's instructions for the model, with `args` put in: its
    /// folder, then its body (read from disk now, so edits since the
    /// session started count).
    pub fn invoke(&self, name: &str, args: &str) -> Result<String, String> {
        if self.get(name).is_some_and(|s| s.meta.user_only) {
            return Err(format!(
                "the skill `{name}` can only be invoked by the user (disable-model-invocation)"
            ));
        }
        self.body(name, args)
    }

    fn body(&self, name: &str, args: &str) -> Result<String, String> {
        let Some(skill) = self.get(name) else {
            let names: Vec<String> = self
                .skills
                .values()
                .filter(|s| !s.meta.user_only)
                .map(|s| s.meta.name.clone())
                .collect();
            return Err(if names.is_empty() {
                format!("there is no skill named `{name}`; no skills are installed")
            } else {
                format!(
                    "there is no skill named `{name}`; the skills are: {}",
                    names.join(", ")
                )
            });
        };
        let file = skill.dir.join("SKILL.md");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let folder = skill.dir.file_name().unwrap_or_default().to_string_lossy();
        let (_, body) = parse::parse(&text, &folder)?;
        let mut out = format!(
            "<skill name=\"{name}\" folder=\"{}\">\n",
            self.display_dir(skill)
        );
        out.push_str(
            "Files this skill mentions are relative to its folder; read them with `read` when \
             you need them.\n",
        );
        if !skill.meta.allowed_tools.is_empty() {
            out.push_str(&format!(
                "The skill lists these tools as allowed: {} (Tandem's permission rules still \
                 apply).\n",
                skill.meta.allowed_tools.join(" ")
            ));
        }
        out.push('\n');
        out.push_str(&args::substitute(&body, args));
        out.push_str("\n</skill>");
        Ok(out)
    }

    /// A prompt starting with `/name args` for a known skill: the prompt
    /// with the skill's instructions added, and the skill's name. `None`
    /// for any other prompt (including `/word` naming no skill).
    pub fn expand_prompt(&self, prompt: &str) -> Option<(String, String)> {
        let rest = prompt.trim_start().strip_prefix('/')?;
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let name = &rest[..end];
        self.get(name)?;
        let args = rest[end..].trim();
        let body = self.body(name, args).ok()?;
        Some((
            format!(
                "{}\n\nThe user invoked the skill `{name}`. Follow its instructions:\n\n{body}",
                prompt.trim()
            ),
            name.to_string(),
        ))
    }
}

/// Folders outside the workspace that `read` may read: the user's skill
/// folders (read-only, so a skill's reference files can be opened).
pub fn user_roots(home: Option<&Path>) -> Vec<PathBuf> {
    let Some(home) = home else {
        return Vec::new();
    };
    FOLDERS
        .iter()
        .map(|f| home.join(f))
        .filter(|p| p.is_dir())
        .collect()
}

#[cfg(test)]
mod tests;
