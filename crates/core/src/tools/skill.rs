//! `skill`: load one skill's instructions (its `SKILL.md` body) by name.

use super::{Permission, Tool, ToolContext, ToolOutput, parse_input};
use crate::skills::Skills;
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub struct SkillTool {
    skills: Arc<Skills>,
}

impl SkillTool {
    pub fn new(skills: Arc<Skills>) -> Self {
        SkillTool { skills }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    name: String,
    #[serde(default)]
    arguments: String,
}

#[async_trait]
impl Tool for SkillTool {
    fn name(&self) -> &str {
        "skill"
    }

    fn description(&self) -> &str {
        "Load a skill's instructions by name (the skills are listed in the system prompt). \
         Call it when a task matches a skill's description, before starting the task, then \
         follow the instructions it returns. `arguments` fills the skill's $ARGUMENTS."
    }

    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "The skill's name"},
                "arguments": {"type": "string", "description": "Arguments for the skill, if it takes any"}
            },
            "required": ["name"],
            "additionalProperties": false
        })
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        let input: Input = match parse_input(self.name(), input) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let name = input.name.trim();
        match self.skills.invoke(name, input.arguments.trim()) {
            Ok(text) => {
                note_use(&self.skills, name, ctx);
                ToolOutput::ok(text)
            }
            Err(e) => ToolOutput::error(e),
        }
    }
}

/// Note skill `name` as a source of the run (kept once).
pub fn note_use(skills: &Skills, name: &str, ctx: &ToolContext) {
    if let Some(dir) = skills.source_of(name) {
        ctx.used_source("skill", name, &dir);
    }
}
