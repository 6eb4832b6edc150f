//! What a session knows beyond the instruction files: the project's and
//! the user's skills, and the memory files. Loaded once per session and
//! attached the same way by every face: the `skill` and `memory` tools,
//! their system prompt sections, what `tandem exec` reports at the start,
//! and `/name` at the start of a prompt (a custom command, Tandem's own
//! `/init`, `/review` and `/help`, or a skill; an unknown one is an error).

use crate::agent::{Event, Session};
use crate::commands::{self, Commands};
use crate::memory::Memory;
use crate::settings::Settings;
use crate::skills::Skills;
use crate::tools::memory::MemoryTool;
use crate::tools::skill::SkillTool;
use crate::tools::{Registry, ToolContext};
use std::path::Path;
use std::sync::Arc;

pub struct Extras {
    pub skills: Arc<Skills>,
    pub memory: Option<Arc<Memory>>,
    pub commands: Arc<Commands>,
}

/// What a prompt becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Expanded {
    /// The text the model gets.
    Prompt(String),
    /// An answer for the user, no model call (`/help`).
    Answer(String),
    /// `/compact [focus]`: compact the conversation the face goes on with.
    Compact(Option<String>),
    /// `/clear`: the face starts a new conversation.
    Clear,
}

impl Extras {
    /// Skills of the project at `root` and of the user at `home`; memory as
    /// the settings say, in the platform's state and config folders.
    pub fn load(root: &Path, settings: &Settings, home: Option<&Path>) -> Extras {
        Extras {
            skills: Arc::new(Skills::discover(root, home)),
            commands: Arc::new(Commands::load(root, home)),
            memory: Memory::locate(
                root,
                &settings.memory,
                dirs::state_dir().or_else(dirs::data_local_dir),
                dirs::config_dir(),
            )
            .map(Arc::new),
        }
    }

    /// Add the `skill` tool (when the model may invoke a skill) and the
    /// `memory` tool.
    pub fn add_tools(&self, tools: &mut Registry) {
        if self.skills.skills.values().any(|s| !s.meta.user_only) {
            tools.add(Arc::new(SkillTool::new(self.skills.clone())));
        }
        if let Some(memory) = &self.memory {
            tools.add(Arc::new(MemoryTool::new(memory.clone())));
        }
    }

    /// The session with the skills and memory sections in its system
    /// prompt, and what to report when it starts.
    pub fn attach(&self, mut session: Session) -> Session {
        let mut warnings = self.skills.problems.clone();
        warnings.extend(
            self.commands
                .problems
                .iter()
                .map(|p| format!("custom command {p}")),
        );
        session = session.with_prompt_section(self.skills.prompt_section());
        if let Some(memory) = &self.memory {
            let (section, problems) = memory.prompt_section();
            warnings.extend(problems);
            session = session.with_prompt_section(section);
        }
        session = session.with_startup_event(Event::ContextLoaded {
            skills: self.skills.names(),
            project_memory: self
                .memory
                .as_ref()
                .map(|m| m.project.display().to_string()),
            user_memory: self
                .memory
                .as_ref()
                .and_then(|m| m.user.as_ref())
                .map(|p| p.display().to_string()),
        });
        for message in warnings {
            session = session.with_startup_event(Event::Warning { message });
        }
        session
    }

    /// The prompt as the model gets it. `/name args` at its start runs a
    /// custom command (its body with the arguments and `@file`s put in),
    /// `/help` lists what can be run, a skill's name adds its instructions
    /// (the skill is then a source of the run); any other `/name` is an
    /// error, so it never reaches the model as text.
    pub fn expand_prompt(&self, prompt: &str, ctx: &ToolContext) -> Result<Expanded, String> {
        let Some((name, args)) = commands::invocation(prompt) else {
            return Ok(Expanded::Prompt(prompt.to_string()));
        };
        match name {
            "help" => return Ok(Expanded::Answer(self.help())),
            "compact" => {
                return Ok(Expanded::Compact(
                    Some(args.to_string()).filter(|a| !a.is_empty()),
                ));
            }
            "clear" => return Ok(Expanded::Clear),
            "memory" => return Ok(Expanded::Answer(self.memory_answer())),
            _ => {}
        }
        if let Some(command) = self.commands.get(name) {
            let read = |p: &str| {
                let rel = ctx.workspace.relative(p).ok()?;
                ctx.workspace.read(&rel).ok().flatten()
            };
            return Ok(Expanded::Prompt(commands::expand(command, args, read)));
        }
        if let Some((text, name)) = self.skills.expand_prompt(prompt) {
            crate::tools::skill::note_use(&self.skills, &name, ctx);
            return Ok(Expanded::Prompt(text));
        }
        Err(format!(
            "unknown command /{name}: nothing was sent to the model (/help lists the commands and skills)"
        ))
    }

    /// `/memory`: where the memory files are and what they hold, as the
    /// next session's prompt will have them.
    fn memory_answer(&self) -> String {
        let Some(memory) = &self.memory else {
            return "Memory is off (`[memory] enabled = false` in the settings).".into();
        };
        let mut out = String::new();
        let files = [
            ("Project", Some(&memory.project)),
            ("User", memory.user.as_ref()),
        ];
        for (which, path) in files {
            let Some(path) = path else {
                continue;
            };
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let text = text.trim();
            out.push_str(&format!(
                "{which} memory ({}):\n{}\n\n",
                path.display(),
                if text.is_empty() { "(empty)" } else { text }
            ));
        }
        out.push_str("Edit the files as you like, or ask the agent to remember something (its `memory` tool).");
        out
    }

    /// `/help`: every command and skill, one line each.
    fn help(&self) -> String {
        let mut out = String::from(
            "Commands (start a prompt with one):\n  /help  this list\n  /clear  start a new conversation\n  /compact [focus]  summarise the conversation so far to free context\n  /memory  show the memory files and what they hold\n  /model  which model answers\n",
        );
        for c in self.commands.all() {
            let hint = c
                .argument_hint
                .as_deref()
                .map(|h| format!(" {h}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  /{}{hint}  {} ({})\n",
                c.name, c.description, c.origin
            ));
        }
        let skills = self.skills.names();
        if !skills.is_empty() {
            out.push_str("Skills:\n");
            for s in skills {
                out.push_str(&format!("  /{s}\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Workspace;
    use tokio_util::sync::CancellationToken;

    #[test]
    fn slash_memory_shows_the_files_and_what_they_hold_without_a_model_call() {
        let root = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let project = state.path().join("MEMORY.md");
        std::fs::write(&project, "- Tests run with `make check`.\n").unwrap();
        let extras = Extras {
            skills: Arc::new(Skills::discover(root.path(), None)),
            commands: Arc::new(Commands::load(root.path(), None)),
            memory: Some(Arc::new(Memory {
                project: project.clone(),
                user: Some(state.path().join("missing.md")),
                cap: 1000,
            })),
        };
        let ws = Arc::new(Workspace::new(root.path()).unwrap());
        let ctx = ToolContext::new(ws, CancellationToken::new());
        let Ok(Expanded::Answer(text)) = extras.expand_prompt("/memory", &ctx) else {
            panic!("an answer")
        };
        assert!(
            text.contains(&format!(
                "Project memory ({}):\n- Tests run with `make check`.",
                project.display()
            )),
            "{text}"
        );
        assert!(
            text.contains("User memory") && text.contains("(empty)"),
            "{text}"
        );
        let off = Extras {
            memory: None,
            ..extras
        };
        let Ok(Expanded::Answer(text)) = off.expand_prompt("/memory", &ctx) else {
            panic!("an answer")
        };
        assert!(text.starts_with("Memory is off"), "{text}");
    }
}
