//! Claude Code's `type: "prompt"` hooks: the hook's prompt, with the event
//! JSON in place of `$ARGUMENTS` (or after it), goes to a model, whose JSON
//! answer `{"ok": false, "reason": "…"}` blocks as a command's exit code 2
//! would, and `{"ok": true}` lets the action go on.

use super::run::block;
use super::{HookCommand, HookEvent, HookOutcome, Judge};
use serde::Deserialize;

/// What the model is told besides the hook's own prompt, so that any model
/// answers in the one shape read here.
const ANSWER_SHAPE: &str = "Answer with one JSON object and nothing else: \
{\"ok\": true} to let this go ahead, or {\"ok\": false, \"reason\": \"why\"} to stop it.";

#[derive(Deserialize)]
struct Verdict {
    ok: bool,
    reason: Option<String>,
}

/// Ask `judge` about one event; every failure (no model, a timeout, an
/// answer that is not the JSON asked for) is an error that blocks nothing,
/// as a failing command hook's is.
pub(super) async fn evaluate(
    judge: Option<&dyn Judge>,
    event: HookEvent,
    hook: &HookCommand,
    model: Option<&str>,
    input_json: &str,
) -> HookOutcome {
    let name = format!("prompt hook `{}`", short(&hook.command));
    let mut out = HookOutcome::default();
    let Some(judge) = judge else {
        out.errors.push(format!(
            "{name} did not run: this session has no model for it"
        ));
        return out;
    };
    let prompt = if hook.command.contains("$ARGUMENTS") {
        hook.command.replace("$ARGUMENTS", input_json)
    } else {
        format!("{}\n\nThe event:\n{input_json}", hook.command)
    };
    let prompt = format!("{prompt}\n\n{ANSWER_SHAPE}");
    let reply = match tokio::time::timeout(hook.timeout, judge.judge(model, &prompt)).await {
        Err(_) => {
            out.errors.push(format!(
                "{name} timed out after {}s",
                hook.timeout.as_secs_f64()
            ));
            return out;
        }
        Ok(Err(e)) => {
            out.errors.push(format!("{name} failed: {e}"));
            return out;
        }
        Ok(Ok(reply)) => reply,
    };
    match verdict(&reply) {
        Some(Verdict { ok: true, .. }) => {}
        Some(Verdict { ok: false, reason }) => {
            let reason = reason
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| format!("{name} said no without giving a reason."));
            if event.can_block() {
                block(&mut out, reason);
            } else {
                out.errors.push(format!("{name} said no: {reason}"));
            }
        }
        None => out.errors.push(format!(
            "{name}: the model's answer is not the JSON asked for: {}",
            short(&reply)
        )),
    }
    out
}

/// The JSON object in a reply, even inside a code fence or after a preamble.
fn verdict(reply: &str) -> Option<Verdict> {
    let start = reply.find('{')?;
    let end = reply.rfind('}')?;
    serde_json::from_str(reply.get(start..=end)?).ok()
}

fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::Kind;
    use std::sync::Mutex;
    use std::time::Duration;

    struct Says(&'static str, Mutex<Vec<String>>);

    #[async_trait::async_trait]
    impl Judge for Says {
        async fn judge(&self, model: Option<&str>, prompt: &str) -> Result<String, String> {
            self.1.lock().unwrap().push(format!("{model:?}|{prompt}"));
            Ok(self.0.to_string())
        }
    }

    fn hook(prompt: &str) -> HookCommand {
        HookCommand {
            command: prompt.into(),
            timeout: Duration::from_secs(5),
            kind: Kind::Prompt { model: None },
        }
    }

    #[tokio::test]
    async fn a_no_blocks_with_its_reason_and_the_input_takes_arguments_place() {
        let judge = Says(
            "```json\n{\"ok\": false, \"reason\": \"tests are red\"}\n```",
            Mutex::default(),
        );
        let o = evaluate(
            Some(&judge),
            HookEvent::Stop,
            &hook("Done? $ARGUMENTS"),
            Some("small"),
            r#"{"x":1}"#,
        )
        .await;
        assert_eq!(o.blocked.as_deref(), Some("tests are red"));
        let asked = judge.1.lock().unwrap()[0].clone();
        assert!(
            asked.starts_with("Some(\"small\")|Done? {\"x\":1}"),
            "{asked}"
        );
    }

    #[tokio::test]
    async fn a_yes_passes_and_nonsense_or_no_model_is_an_error_that_blocks_nothing() {
        let yes = Says("{\"ok\": true}", Mutex::default());
        let o = evaluate(Some(&yes), HookEvent::Stop, &hook("Done?"), None, "{}").await;
        assert_eq!(o, HookOutcome::default());
        let asked = yes.1.lock().unwrap()[0].clone();
        assert!(asked.contains("The event:\n{}"), "{asked}");
        let nonsense = Says("sure thing", Mutex::default());
        let o = evaluate(Some(&nonsense), HookEvent::Stop, &hook("Done?"), None, "{}").await;
        assert_eq!((o.blocked, o.errors.len()), (None, 1));
        let o = evaluate(None, HookEvent::Stop, &hook("Done?"), None, "{}").await;
        assert!(o.errors[0].contains("no model"), "{:?}", o.errors);
    }
}
