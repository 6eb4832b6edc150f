//! The kinds of sub-agent the `task` tool can start: the built-in `explore`
//! and `general`, plus custom ones from `.claude/agents/*.md` (the project's,
//! then the user's `~/.claude/agents/`; on a name clash the project wins, and
//! a custom agent may replace a built-in one).

use crate::frontmatter;
use serde::Deserialize;
use std::path::Path;

/// The type `task` starts when the model names none.
pub const DEFAULT_TYPE: &str = "explore";

/// One kind of sub-agent.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentType {
    pub name: String,
    pub description: String,
    /// The child's system prompt, before the environment section.
    pub prompt: String,
    /// Tandem tool names; `None` is every tool of the parent but `task`.
    pub tools: Option<Vec<String>>,
    /// A model id or alias; `None` (or `inherit`) is the parent's model.
    pub model: Option<String>,
    /// `built-in` or the file it came from.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    types: Vec<AgentType>,
}

const READ_ONLY: &[&str] = &["read", "list", "glob", "grep"];

const EXPLORE_PROMPT: &str = "\
You are an explorer: a sub-agent of Tandem, a coding agent working in the user's repository. Another agent (your parent) gave you one focused question or search; it sees nothing of your work but your final message.

- You can only read: read, list, glob and grep. You cannot edit files or run commands.
- Search efficiently: start broad (grep, glob), then read the parts that matter. Ask for several independent reads or searches in one response.
- Your final message is your whole answer: report what you found concisely, with file paths and line numbers, quoting the few lines of code that matter. Say what you could not find. Do not describe your search steps.";

const GENERAL_PROMPT: &str = "\
You are a sub-agent of Tandem, a coding agent working in the user's repository. Another agent (your parent) gave you one self-contained part of its task; it sees nothing of your work but your final message.

- Every edit you make joins the same PROPOSAL as your parent's and other sub-agents' edits: nothing reaches the user's files until they review it. Later reads show proposed text.
- Read before you edit, change only what your part of the task needs, and follow the conventions of the code around you.
- Commands run in the same sandbox as your parent's; they see the proposal.
- Your final message is your whole answer: say briefly what you changed (files, functions) and anything your parent must know or check.";

impl Catalog {
    /// The built-in types only.
    pub fn builtin() -> Catalog {
        Catalog {
            types: vec![
                AgentType {
                    name: "explore".into(),
                    description: "Read-only explorer: finds and reads code to answer a question \
                                  (read, list, glob, grep). Several run in parallel."
                        .into(),
                    prompt: EXPLORE_PROMPT.into(),
                    tools: Some(READ_ONLY.iter().map(|s| s.to_string()).collect()),
                    model: None,
                    source: "built-in".into(),
                },
                AgentType {
                    name: "general".into(),
                    description: "General-purpose worker with every tool but `task`: can edit \
                                  files and run commands. Runs alone, not in parallel."
                        .into(),
                    prompt: GENERAL_PROMPT.into(),
                    tools: None,
                    model: None,
                    source: "built-in".into(),
                },
            ],
        }
    }

    /// The built-ins plus the custom agents of the project (`root`) and the
    /// user (`home`). Files that cannot be used are reported, not fatal.
    pub fn load(root: &Path, home: Option<&Path>) -> (Catalog, Vec<String>) {
        let mut catalog = Catalog::builtin();
        let mut problems = Vec::new();
        // The user's first, so the project's replace them.
        let dirs = home
            .map(|h| h.join(".claude/agents"))
            .into_iter()
            .chain([root.join(".claude/agents")]);
        for dir in dirs {
            for agent in load_dir(&dir, &mut problems) {
                catalog.insert(agent);
            }
        }
        (catalog, problems)
    }

    /// Add a type, replacing one of the same name.
    pub fn insert(&mut self, agent: AgentType) {
        match self.types.iter_mut().find(|t| t.name == agent.name) {
            Some(existing) => *existing = agent,
            None => self.types.push(agent),
        }
    }

    pub fn get(&self, name: &str) -> Option<&AgentType> {
        self.types.iter().find(|t| t.name == name)
    }

    pub fn types(&self) -> &[AgentType] {
        &self.types
    }

    pub fn names(&self) -> Vec<&str> {
        self.types.iter().map(|t| t.name.as_str()).collect()
    }
}

fn load_dir(dir: &Path, problems: &mut Vec<String>) -> Vec<AgentType> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && p.is_file())
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{shown}: {e}"));
                continue;
            }
        };
        match parse_agent(&text, &shown) {
            Ok((agent, notes)) => {
                problems.extend(notes.into_iter().map(|n| format!("{shown}: {n}")));
                out.push(agent);
            }
            Err(e) => problems.push(format!("{shown}: {e}; the agent is not available")),
        }
    }
    out
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ToolList {
    Text(String),
    List(Vec<String>),
}

#[derive(Deserialize)]
struct Front {
    name: Option<String>,
    description: Option<String>,
    tools: Option<ToolList>,
    model: Option<String>,
}

/// One agent file: the agent, plus notes on what was left out of it.
pub fn parse_agent(text: &str, source: &str) -> Result<(AgentType, Vec<String>), String> {
    let (front, body): (Front, String) = frontmatter::parse(text)?;
    let name = front
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or("the frontmatter has no `name`")?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "the name `{name}` may only have letters, digits, `-` and `_`"
        ));
    }
    let description = front
        .description
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .ok_or("the frontmatter has no `description`")?;
    let prompt = body.trim().to_string();
    if prompt.is_empty() {
        return Err("the body (the agent's system prompt) is empty".into());
    }
    let mut notes = Vec::new();
    let tools = front.tools.map(|list| {
        let names: Vec<String> = match list {
            ToolList::Text(t) => t.split(',').map(|s| s.trim().to_string()).collect(),
            ToolList::List(l) => l.into_iter().map(|s| s.trim().to_string()).collect(),
        };
        let (tools, unknown) = map_tools(names.iter().map(String::as_str));
        for u in unknown {
            notes.push(format!("tool `{u}` is not one Tandem has; left out"));
        }
        tools
    });
    if let Some(ts) = &tools
        && ts.is_empty()
    {
        notes.push("no usable tools: the agent can only answer from its prompt".into());
    }
    let model = front
        .model
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty() && m != "inherit");
    Ok((
        AgentType {
            name,
            description,
            prompt,
            tools,
            model,
            source: source.to_string(),
        },
        notes,
    ))
}

/// Claude Code's tool names (and Tandem's own) to Tandem's built-in tools,
/// as the tools answer to them. Returns the tools, each once, and the names
/// that map to none. `Task` is not built in: sub-agents do not start
/// sub-agents.
pub fn map_tools<'a>(names: impl IntoIterator<Item = &'a str>) -> (Vec<String>, Vec<String>) {
    let mut tools: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        if name.is_empty() {
            continue;
        }
        // MCP tools keep their names; whether the server has one is known
        // only when the sub-agent starts.
        if name.starts_with("mcp__") {
            push_unique(&mut tools, name);
            continue;
        }
        let own = crate::tools::builtin(name).map(|t| t.name());
        let answering: Vec<&str> = match own {
            Some(own) => vec![own],
            None => crate::tools::builtins()
                .iter()
                .filter(|t| t.answers_to().contains(&name))
                .map(|t| t.name())
                .collect(),
        };
        if answering.is_empty() {
            unknown.push(name.to_string());
        }
        for m in answering {
            push_unique(&mut tools, m);
        }
    }
    (tools, unknown)
}

fn push_unique(tools: &mut Vec<String>, name: &str) {
    if !tools.iter().any(|t| t == name) {
        tools.push(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_file_with_claude_tool_names() {
        let text = "---\nname: reviewer\ndescription: Reviews code for bugs\n\
                    tools: Read, Grep, Glob, Bash, WebFetch, Task\nmodel: inherit\ncolor: red\n---\n\
                    You review code.\n";
        let (agent, notes) = parse_agent(text, "x.md").unwrap();
        assert_eq!(agent.name, "reviewer");
        assert_eq!(agent.description, "Reviews code for bugs");
        assert_eq!(agent.prompt, "You review code.");
        assert_eq!(
            agent.tools.as_deref().unwrap(),
            ["read", "grep", "glob", "shell", "web_fetch"]
        );
        assert_eq!(agent.model, None);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("`Task`"), "{notes:?}");
    }

    #[test]
    fn tools_as_a_yaml_list_and_a_model() {
        let text =
            "---\nname: w\ndescription: d\ntools: [Edit, Write, Edit]\nmodel: sonnet\n---\nP";
        let (agent, notes) = parse_agent(text, "w.md").unwrap();
        assert!(notes.is_empty());
        assert_eq!(
            agent.tools.as_deref().unwrap(),
            ["edit", "apply_patch", "write"]
        );
        assert_eq!(agent.model.as_deref(), Some("sonnet"));
    }

    #[test]
    fn no_tools_line_means_every_tool() {
        let (agent, _) = parse_agent("---\nname: all\ndescription: d\n---\nP", "a.md").unwrap();
        assert_eq!(agent.tools, None);
    }

    #[test]
    fn invalid_files_say_why() {
        let err = |t: &str| parse_agent(t, "f.md").unwrap_err();
        assert!(err("---\ndescription: d\n---\nP").contains("no `name`"));
        assert!(err("---\nname: n\n---\nP").contains("no `description`"));
        assert!(err("---\nname: n\ndescription: d\n---\n  \n").contains("body"));
        assert!(err("---\nname: two words\ndescription: d\n---\nP").contains("may only"));
        assert!(err("just text").contains("no frontmatter"));
        assert!(err("---\nname: [x\n---\nP").contains("frontmatter:"));
    }

    #[test]
    fn project_agents_win_over_user_agents_and_bad_files_are_reported() {
        let root = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let write = |base: &Path, file: &str, text: &str| {
            let dir = base.join(".claude/agents");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(file), text).unwrap();
        };
        write(
            home.path(),
            "a.md",
            "---\nname: shared\ndescription: user's\n---\nU",
        );
        write(
            home.path(),
            "b.md",
            "---\nname: mine\ndescription: only mine\n---\nM",
        );
        write(
            root.path(),
            "a.md",
            "---\nname: shared\ndescription: project's\n---\nP",
        );
        write(root.path(), "bad.md", "no frontmatter here");
        write(root.path(), "notes.txt", "ignored");
        let (catalog, problems) = Catalog::load(root.path(), Some(home.path()));
        assert_eq!(catalog.names(), ["explore", "general", "shared", "mine"]);
        assert_eq!(catalog.get("shared").unwrap().description, "project's");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("bad.md") && problems[0].contains("not available"));
    }
}
