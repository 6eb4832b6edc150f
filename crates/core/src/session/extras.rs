//! What a session knows beyond the instruction files: the project's and
//! the user's skills, and the memory files. Loaded once per session and
//! attached the same way by every face: the `skill` and `memory` tools,
//! their system prompt sections, what `tandem exec` reports at the start,
//! and `/name` at the start of a prompt.

use crate::agent::{Event, Session};
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
}

impl Extras {
    /// Skills of the project at `root` and of the user at `home`; memory as
    /// the settings say, in the platform's state and config folders.
    pub fn load(root: &Path, settings: &Settings, home: Option<&Path>) -> Extras {
        Extras {
            skills: Arc::new(Skills::discover(root, home)),
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

    /// The prompt, with a skill's instructions added when it starts with
    /// `/name` for a known skill; the skill is then a source of the run.
    pub fn expand_prompt(&self, prompt: &str, ctx: &ToolContext) -> String {
        match self.skills.expand_prompt(prompt) {
            Some((text, name)) => {
                crate::tools::skill::note_use(&self.skills, &name, ctx);
                text
            }
            None => prompt.to_string(),
        }
    }
}
