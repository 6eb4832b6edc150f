//! `exit_plan_mode`: in plan mode the agent only reads, then presents its
//! plan with this tool. The user approves it (choosing the mode the session
//! goes on in), approves it as they edited it, or sends it back with
//! feedback. Approval switches the session's mode and makes the plan's
//! steps the todo list, so the same conversation carries it out.

use super::approval::{Question, QuestionKind, QuestionOption, next_question_id};
use super::{Permission, TodoItem, ToolContext, ToolOutput, TypedTool};
use crate::policy::Mode;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;

pub struct ExitPlanMode;

/// The answers a plan question offers, and the mode each approves into.
pub const APPROVE: &str = "approve";
pub const APPROVE_AUTO: &str = "approve-auto";
pub const KEEP_PLANNING: &str = "keep-planning";

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The plan in Markdown: one list item per step.
    plan: String,
}

#[async_trait]
impl TypedTool for ExitPlanMode {
    type Input = Input;

    fn name(&self) -> &str {
        "exit_plan_mode"
    }

    fn description(&self) -> &str {
        "Plan mode: present your finished plan for the user to approve. Only after approval may you edit files or run commands."
    }

    // It only asks: allowed in plan mode, where nothing else but reading is.
    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["ExitPlanMode"]
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
        if ctx.mode.get() != Mode::Plan {
            return ToolOutput::error(format!(
                "not in plan mode (the mode is `{}`): carry out the plan",
                ctx.mode.get()
            ));
        }
        let plan = input.plan.trim();
        if plan.is_empty() {
            return ToolOutput::error("the plan is empty: write its steps in `plan`");
        }
        let Some(user) = ctx.user.get().filter(|u| u.can_ask()) else {
            return ToolOutput::ok(
                "Nobody can approve the plan in this run; it goes to the user as your answer. \
                 End your turn now: reply with the plan, unchanged.",
            );
        };
        let answer = match user.ask(&question(plan)).await {
            Ok(answer) => answer,
            Err(why) => {
                return ToolOutput::error(format!(
                    "the plan was not approved ({why}); you are still in plan mode. End your \
                     turn with the plan as your reply."
                ));
            }
        };
        let mode = match answer.choice.as_deref() {
            Some(APPROVE) => Mode::Ask,
            Some(APPROVE_AUTO) => Mode::Auto,
            _ => {
                let feedback = answer.text.as_deref().map(str::trim).unwrap_or("");
                let said = if feedback.is_empty() {
                    String::new()
                } else {
                    format!(" They said: {feedback}")
                };
                return ToolOutput::error(format!(
                    "The user did not approve the plan.{said}\nYou are still in plan mode \
                     (reading only): revise the plan and present it again with exit_plan_mode."
                ));
            }
        };
        let edited = answer
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty() && *t != plan);
        let plan = edited.unwrap_or(plan);
        ctx.mode.set(mode);
        let steps = steps(plan);
        *ctx.todos.lock() = steps.clone();
        let how = match mode {
            Mode::Auto => "commands run without asking (in the sandbox)",
            _ => "commands ask the user first",
        };
        let mut out = format!(
            "The user approved the plan{}. The session is now in `{mode}` mode: edits are \
             proposals the user reviews, {how}. Carry out the plan; your todo list holds its \
             steps (keep it current with the todo tool), and end by running the project's \
             checks.\n\nThe approved plan:\n{plan}\n\nTodo list:\n",
            if edited.is_some() {
                " as they edited it"
            } else {
                ""
            },
        );
        for step in &steps {
            out.push_str(&format!("[ ] {}\n", step.content));
        }
        ToolOutput::ok(out)
    }
}

fn question(plan: &str) -> Question {
    let option = |label: &str, description: &str| QuestionOption {
        label: label.into(),
        description: description.into(),
    };
    Question {
        id: next_question_id(),
        kind: QuestionKind::Plan,
        header: "Plan".into(),
        text: plan.to_string(),
        options: vec![
            option(APPROVE, "Approve: edits as proposals, commands ask first"),
            option(APPROVE_AUTO, "Approve, and let commands run in the sandbox"),
            option(KEEP_PLANNING, "Keep planning (say what to change)"),
        ],
    }
}

/// The plan's list items (`-`, `*`, `1.`, `1)`, checkboxes) as pending
/// steps; a plan without a list is one step.
pub fn steps(plan: &str) -> Vec<TodoItem> {
    let items: Vec<String> = plan
        .lines()
        .filter(|line| !line.starts_with("  ") && !line.starts_with('\t'))
        .filter_map(|line| list_item(line.trim_end()))
        .map(str::to_string)
        .collect();
    let items = if items.is_empty() {
        vec!["Carry out the approved plan".to_string()]
    } else {
        items
    };
    items
        .into_iter()
        .map(|content| TodoItem {
            content,
            status: "pending".into(),
        })
        .collect()
}

fn list_item(line: &str) -> Option<&str> {
    let rest = if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        rest
    } else {
        let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return None;
        }
        line[digits..]
            .strip_prefix(". ")
            .or_else(|| line[digits..].strip_prefix(") "))?
    };
    let rest = ["[ ] ", "[x] ", "[X] "]
        .iter()
        .find_map(|b| rest.strip_prefix(b))
        .unwrap_or(rest)
        .trim();
    (!rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use crate::tools::approval::Answer;
    use crate::tools::approval::fixture::User;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;
    use std::sync::Arc;

    fn user(choice: &str, text: Option<&str>) -> Arc<User> {
        let answer = Answer {
            choice: Some(choice.into()),
            text: text.map(str::to_string),
        };
        User::answering(move |_| answer.clone())
    }

    const PLAN: &str = "Fix the greeting.\n\n1. Change `greet` in src/app.py\n   (keep the signature)\n2. Run the tests\n";

    #[test]
    fn list_items_become_steps() {
        let got: Vec<String> =
            steps("Intro\n- [ ] one\n* two\n3) three\n  - nested\n10. ten\n-not")
                .into_iter()
                .map(|s| s.content)
                .collect();
        assert_eq!(got, ["one", "two", "three", "ten"]);
        assert_eq!(steps("just prose").len(), 1);
    }

    #[tokio::test]
    async fn approval_switches_the_mode_and_seeds_the_todo_list() {
        let r = repo(&[]);
        r.ctx.mode.set(Mode::Plan);
        let u = user(APPROVE, None);
        let _ = r.ctx.user.set(u.clone());
        let out = Tool::run(&ExitPlanMode, json!({"plan": PLAN}), &r.ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(r.ctx.mode.get(), Mode::Ask);
        assert!(out.content.contains("`ask` mode") && out.content.contains("2. Run the tests"));
        let todos: Vec<String> = r
            .ctx
            .todos
            .lock()
            .iter()
            .map(|t| t.content.clone())
            .collect();
        assert_eq!(todos, ["Change `greet` in src/app.py", "Run the tests"]);
        let asked = u.asked.lock();
        assert_eq!(asked[0].kind, QuestionKind::Plan);
        assert_eq!(asked[0].text, PLAN.trim());
    }

    #[tokio::test]
    async fn an_edited_plan_is_the_one_carried_out() {
        let r = repo(&[]);
        r.ctx.mode.set(Mode::Plan);
        let _ = r.ctx.user.set(user(APPROVE_AUTO, Some("- only this")));
        let out = Tool::run(&ExitPlanMode, json!({"plan": PLAN}), &r.ctx).await;
        assert_eq!(r.ctx.mode.get(), Mode::Auto);
        assert!(out.content.contains("as they edited it") && !out.content.contains("greet"));
        assert_eq!(r.ctx.todos.lock()[0].content, "only this");
    }

    #[tokio::test]
    async fn feedback_keeps_plan_mode() {
        let r = repo(&[]);
        r.ctx.mode.set(Mode::Plan);
        let _ = r
            .ctx
            .user
            .set(user(KEEP_PLANNING, Some("add a test first")));
        let out = Tool::run(&ExitPlanMode, json!({"plan": PLAN}), &r.ctx).await;
        assert!(out.is_error);
        assert!(out.content.contains("add a test first"), "{}", out.content);
        assert_eq!(r.ctx.mode.get(), Mode::Plan);
        assert!(r.ctx.todos.lock().is_empty());
    }

    #[tokio::test]
    async fn without_a_user_the_plan_is_the_answer_and_nothing_unlocks() {
        let r = repo(&[]);
        r.ctx.mode.set(Mode::Plan);
        let out = Tool::run(&ExitPlanMode, json!({"plan": PLAN}), &r.ctx).await;
        assert!(out.content.contains("Nobody can approve"));
        assert_eq!(r.ctx.mode.get(), Mode::Plan);
        r.ctx.mode.set(Mode::Ask);
        let out = Tool::run(&ExitPlanMode, json!({"plan": PLAN}), &r.ctx).await;
        assert!(out.is_error && out.content.contains("not in plan mode"));
    }
}
