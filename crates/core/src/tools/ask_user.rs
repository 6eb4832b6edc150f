//! `ask_user`: the model asks the user a question with options (Claude
//! Code's AskUserQuestion, same input), answered in the face: the editor's
//! dialog or the terminal. Offered only when a person can answer.

use super::approval::{Question, QuestionKind, QuestionOption, next_question_id};
use super::{Permission, ToolContext, ToolOutput, TypedTool};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;

pub struct AskUser;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Input {
    #[schemars(length(min = 1, max = 4))]
    questions: Vec<Asked>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Asked {
    question: String,
    /// A few words: what it is about.
    #[serde(default)]
    header: String,
    #[schemars(length(min = 2, max = 4))]
    options: Vec<Offered>,
    #[serde(default)]
    multi_select: bool,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Offered {
    label: String,
    #[serde(default)]
    description: String,
}

#[async_trait]
impl TypedTool for AskUser {
    type Input = Input;

    fn name(&self) -> &str {
        "ask_user"
    }

    fn description(&self) -> &str {
        "Ask the user when a choice is theirs to make (requirements, trade-offs). Each question offers 2-4 options; they may also answer in their own words."
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["AskUserQuestion"]
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
        let Some(user) = ctx.user.get().filter(|u| u.can_ask()) else {
            return ToolOutput::error(
                "nobody can answer questions in this run: decide yourself and say what you assumed",
            );
        };
        if input.questions.is_empty() {
            return ToolOutput::error("ask at least one question");
        }
        let mut out = String::from("The user answered:\n");
        for asked in &input.questions {
            if asked.options.len() < 2 {
                return ToolOutput::error(format!(
                    "\"{}\": offer at least two options",
                    asked.question
                ));
            }
            let header = match asked.header.trim() {
                "" if asked.multi_select => "Choose any".to_string(),
                "" => "Question".to_string(),
                h => h.to_string(),
            };
            let question = Question {
                id: next_question_id(),
                kind: QuestionKind::Choice,
                header,
                text: asked.question.clone(),
                options: asked
                    .options
                    .iter()
                    .map(|o| QuestionOption {
                        label: o.label.clone(),
                        description: o.description.clone(),
                    })
                    .collect(),
            };
            let answer = match user.ask(&question).await {
                Ok(answer) => answer,
                Err(why) => {
                    return ToolOutput::error(format!(
                        "no answer to \"{}\" ({why}): decide yourself and say what you assumed",
                        asked.question
                    ));
                }
            };
            let said = [answer.choice, answer.text]
                .into_iter()
                .flatten()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
            let said = if said.is_empty() {
                "(no answer: decide yourself)".to_string()
            } else {
                said
            };
            out.push_str(&format!("- \"{}\" → {said}\n", asked.question));
        }
        ToolOutput::ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use crate::tools::approval::Answer;
    use crate::tools::approval::fixture::User;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;

    fn input() -> serde_json::Value {
        json!({"questions": [{
            "question": "Which database?", "header": "Storage",
            "options": [{"label": "Postgres", "description": "the usual"}, {"label": "SQLite"}],
            "multiSelect": false
        }]})
    }

    #[tokio::test]
    async fn the_answer_reaches_the_model_in_claude_codes_input_shape() {
        let r = repo(&[]);
        let user = User::answering(|q| Answer {
            choice: Some(q.options[1].label.clone()),
            text: None,
        });
        let _ = r.ctx.user.set(user.clone());
        let out = Tool::run(&AskUser, input(), &r.ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert!(
            out.content.contains("\"Which database?\" → SQLite"),
            "{}",
            out.content
        );
        let asked = user.asked.lock();
        assert_eq!(asked[0].header, "Storage");
        assert_eq!(asked[0].options[0].description, "the usual");
    }

    #[tokio::test]
    async fn without_a_person_it_is_refused() {
        let r = repo(&[]);
        let out = Tool::run(&AskUser, input(), &r.ctx).await;
        assert!(out.is_error && out.content.contains("nobody can answer"));
    }
}
