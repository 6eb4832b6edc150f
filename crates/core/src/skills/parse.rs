//! One `SKILL.md`: YAML frontmatter between `---` lines, then the Markdown
//! body. Fields and limits are the Agent Skills format's; fields other
//! tools add (`argument-hint`, `model`, ...) are accepted and ignored. The
//! spec's limits that Claude Code does not enforce (description and
//! compatibility length, name rules, name = folder) are warnings, so a
//! skill written for Claude Code loads as it does there.

use serde::Deserialize;
use std::collections::BTreeMap;

/// What the frontmatter declares, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontmatter {
    pub name: String,
    pub description: String,
    pub license: Option<String>,
    pub compatibility: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub allowed_tools: Vec<String>,
    /// Claude Code's `disable-model-invocation`: only the user may invoke
    /// it (`/name`); it is not listed for the model.
    pub user_only: bool,
    /// The Agent Skills limits this skill breaks, for the user.
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Raw {
    name: Option<String>,
    description: Option<String>,
    license: Option<String>,
    compatibility: Option<String>,
    #[serde(default)]
    metadata: BTreeMap<String, serde_norway::Value>,
    allowed_tools: Option<AllowedTools>,
    #[serde(default)]
    disable_model_invocation: bool,
    /// Other tools' fields: accepted, not used.
    #[serde(flatten)]
    _other: BTreeMap<String, serde_norway::Value>,
}

/// `allowed-tools`: space-delimited in the Agent Skills format; Claude Code
/// also takes a list.
#[derive(Deserialize)]
#[serde(untagged)]
enum AllowedTools {
    Text(String),
    List(Vec<String>),
}

/// Split a `SKILL.md` into its frontmatter text and body.
pub fn split(text: &str) -> Result<(&str, &str), String> {
    crate::frontmatter::split(text).ok_or_else(|| {
        let first = text.trim_start_matches('\u{feff}').lines().next();
        if first.is_some_and(|l| l.trim_end() == "---") {
            "the frontmatter has no closing `---` line".into()
        } else {
            "SKILL.md must start with YAML frontmatter between `---` lines".into()
        }
    })
}

/// Parse and validate a `SKILL.md` in folder `folder` (its name).
pub fn parse(text: &str, folder: &str) -> Result<(Frontmatter, String), String> {
    let (yaml, body) = split(text)?;
    let raw: Raw = serde_norway::from_str(yaml).map_err(|e| format!("frontmatter: {e}"))?;
    let mut warnings = Vec::new();
    // Claude Code names a skill without `name` after its folder.
    let name = raw.name.unwrap_or_else(|| folder.to_string());
    // A name `/name` cannot spell is an error; the rest of the spec's
    // rules Claude Code does not enforce.
    if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err(format!(
            "`name` `{name}` cannot be invoked as /name: use lowercase letters, digits and hyphens"
        ));
    }
    if let Err(e) = check_name(&name) {
        warnings.push(e);
    }
    if name != folder {
        warnings.push(format!(
            "`name` is `{name}` but the folder is `{folder}` (the Agent Skills format wants them equal)"
        ));
    }
    let description = raw
        .description
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .ok_or("frontmatter: `description` is missing or empty")?;
    let long = description.chars().count();
    if long > 1024 {
        warnings.push(format!(
            "`description` is {long} characters, over the Agent Skills format's 1024"
        ));
    }
    if let Some(c) = &raw.compatibility
        && (c.trim().is_empty() || c.chars().count() > 500)
    {
        warnings.push("`compatibility` should be 1 to 500 characters".into());
    }
    let mut metadata = BTreeMap::new();
    for (key, value) in raw.metadata {
        let text = match value {
            serde_norway::Value::String(s) => s,
            serde_norway::Value::Number(n) => n.to_string(),
            serde_norway::Value::Bool(b) => b.to_string(),
            _ => return Err(format!("`metadata.{key}` must be a string")),
        };
        metadata.insert(key, text);
    }
    let allowed_tools = match raw.allowed_tools {
        None => Vec::new(),
        Some(AllowedTools::Text(t)) => t.split_whitespace().map(str::to_string).collect(),
        Some(AllowedTools::List(l)) => l,
    };
    Ok((
        Frontmatter {
            name,
            description,
            license: raw.license,
            compatibility: raw.compatibility,
            metadata,
            allowed_tools,
            user_only: raw.disable_model_invocation,
            warnings,
        },
        body.trim().to_string(),
    ))
}

/// 1 to 64 characters of lowercase letters, digits and hyphens, not
/// starting or ending with a hyphen, no two hyphens in a row.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`name` `{name}` is invalid: use 1 to 64 lowercase letters, digits and single \
             hyphens, not at the start or end"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_frontmatter_parses() {
        let text = "---\nname: pdf-tools\ndescription: >\n  Fill PDF forms.\n  Use for PDFs.\n\
                    license: MIT\ncompatibility: needs python3\nmetadata:\n  author: me\n  version: 1.2\n\
                    allowed-tools: Bash(python3:*) Read\nargument-hint: \"[file]\"\n---\n\n# Body\n\nSteps.\n";
        let (fm, body) = parse(text, "pdf-tools").unwrap();
        assert_eq!(fm.name, "pdf-tools");
        assert_eq!(fm.description, "Fill PDF forms. Use for PDFs.");
        assert_eq!(fm.license.as_deref(), Some("MIT"));
        assert_eq!(fm.metadata["version"], "1.2");
        assert_eq!(fm.allowed_tools, ["Bash(python3:*)", "Read"]);
        assert_eq!(body, "# Body\n\nSteps.");
    }

    #[test]
    fn limits_claude_code_does_not_enforce_are_warnings_and_the_skill_loads() {
        let warns = |text: &str, folder: &str| parse(text, folder).unwrap().0.warnings;
        let long = format!("---\nname: x\ndescription: {}\n---\n", "d".repeat(1068));
        let w = warns(&long, "x");
        assert!(w[0].contains("1068") && w[0].contains("1024"), "{w:?}");
        assert!(
            warns("---\nname: Bad_Name\ndescription: d\n---\n", "Bad_Name")[0].contains("invalid")
        );
        assert!(warns("---\nname: a--b\ndescription: d\n---\n", "a--b")[0].contains("invalid"));
        assert!(warns("---\nname: other\ndescription: d\n---\n", "x")[0].contains("folder"));
        // No name: the folder's, as in Claude Code.
        let (fm, _) = parse("---\ndescription: d\n---\n", "x").unwrap();
        assert_eq!((fm.name.as_str(), fm.warnings.len()), ("x", 0));
        assert!(warns("---\nname: x\ndescription: d\n---\n", "x").is_empty());
    }

    #[test]
    fn invalid_skills_say_why() {
        let bad = |text: &str, folder: &str| parse(text, folder).unwrap_err();
        assert!(bad("# no frontmatter", "x").contains("must start with YAML"));
        assert!(bad("---\nname: x\n", "x").contains("no closing"));
        assert!(bad("---\nname: x\n---\n", "x").contains("description"));
        assert!(bad("---\nname: two words\ndescription: d\n---\n", "x").contains("/name"));
        assert!(bad("---\nname: x\ndescription: [unclosed\n---\n", "x").contains("frontmatter"));
        assert!(
            bad(
                "---\nname: x\ndescription: d\nmetadata:\n  a: [1]\n---\n",
                "x"
            )
            .contains("metadata.a")
        );
    }
}
