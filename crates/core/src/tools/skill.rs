//! `skill`: load one skill's instructions (its `SKILL.md` body) by name.

use super::{Permission, ToolContext, ToolOutput};
use crate::skills::Skills;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use std::sync::Arc;

pub struct SkillTool {
    skills: Arc<Skills>,
}

impl SkillTool {
    pub fn new(skills: Arc<Skills>) -> Self {
        SkillTool { skills }
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The skill's name
    name: String,
    /// Arguments for the skill, if it takes any
    #[serde(default)]
    arguments: String,
}

#[async_trait]
impl super::TypedTool for SkillTool {
    type Input = Input;

    fn name(&self) -> &str {
        "skill"
    }

    fn description(&self) -> &str {
        "Load a skill's instructions by name (the skills are listed in the system prompt). \
         Call it when a task matches a skill's description, before starting the task, then \
         follow the instructions it returns. `arguments` fills the skill's $ARGUMENTS."
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_the_hand_written_one() {
        assert_eq!(
            crate::tools::input_schema::<Input>(),
            serde_json::json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "The skill's name"},
                    "arguments": {"type": "string", "description": "Arguments for the skill, if it takes any"}
                },
                "required": ["name"],
                "additionalProperties": false
            })
        );
    }
}
