//! Reading the `hooks` object of a Claude settings file:
//! `{"EventName": [{"matcher": "Bash|Edit", "hooks": [{"type": "command", "command": "...", "timeout": 30}]}]}`.
//! Mistakes are errors naming where they are, because a hook that silently
//! does not run is a check the user believes in and does not have.

use super::{
    HookCommand, HookConfigError, HookEvent, Hooks, Kind, Matcher, MatcherGroup, NOT_EMITTED,
};
use serde_json::Value;
use std::time::Duration;

/// Claude's default when a hook gives no `timeout`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

impl Hooks {
    /// The `hooks` object of a Claude settings file (a missing key = no
    /// hooks). Unknown events are an error naming them; a matcher that is not
    /// a valid regex is an error.
    pub fn from_claude_settings(settings: &Value) -> Result<Hooks, HookConfigError> {
        let hooks = match settings.get("hooks") {
            None | Some(Value::Null) => return Ok(Hooks::default()),
            Some(Value::Object(h)) => h,
            Some(_) => {
                return Err(HookConfigError::new(
                    "`hooks` must be an object mapping event names to lists of matchers",
                ));
            }
        };
        // Name every unknown event at once rather than one per attempt.
        // Claude Code's own events are never unknown: a file written for
        // it must not stop Tandem from starting.
        let unknown: Vec<_> = hooks
            .keys()
            .filter(|k| k.parse::<HookEvent>().is_err() && !NOT_EMITTED.contains(&k.as_str()))
            .map(|k| format!("`{k}`"))
            .collect();
        if !unknown.is_empty() {
            let known: Vec<_> = HookEvent::ALL.iter().map(|e| e.as_str()).collect();
            return Err(HookConfigError::new(format!(
                "unknown hook event{} {} (Claude Code's events that Tandem runs: {}; it also reads {})",
                if unknown.len() > 1 { "s" } else { "" },
                unknown.join(", "),
                known.join(", "),
                NOT_EMITTED.join(", ")
            )));
        }

        let mut out = Hooks::default();
        for (name, groups) in hooks {
            let groups = groups.as_array().ok_or_else(|| {
                HookConfigError::new(format!("`hooks.{name}` must be a list of matchers"))
            })?;
            let mut parsed = Vec::new();
            for (i, g) in groups.iter().enumerate() {
                let (group, skipped) = group(g, &format!("hooks.{name}[{i}]"))?;
                out.warnings.extend(skipped);
                parsed.push(group);
            }
            match name.parse::<HookEvent>() {
                Ok(event) => out.groups.entry(event).or_default().extend(parsed),
                Err(_) if parsed.iter().any(|g| !g.commands.is_empty()) => {
                    out.warnings.push(format!(
                        "hooks on `{name}` do not run: Tandem has no `{name}` event (a Claude Code event it does not emit)"
                    ));
                }
                Err(_) => {}
            }
        }
        Ok(out)
    }
}

/// One matcher group, and a warning for each hook in it that cannot run.
fn group(value: &Value, at: &str) -> Result<(MatcherGroup, Vec<String>), HookConfigError> {
    let err = |what: &str| HookConfigError::new(format!("`{at}`: {what}"));
    let obj = value
        .as_object()
        .ok_or_else(|| err("must be an object with `matcher` and `hooks`"))?;
    let matcher = match obj.get("matcher") {
        None | Some(Value::Null) => Matcher::All,
        Some(Value::String(m)) => matcher(m).map_err(|e| err(&e))?,
        Some(_) => return Err(err("`matcher` must be a string")),
    };
    let hooks = obj
        .get("hooks")
        .and_then(Value::as_array)
        .ok_or_else(|| err("`hooks` must be a list"))?;
    let mut commands = Vec::new();
    let mut skipped = Vec::new();
    for (i, h) in hooks.iter().enumerate() {
        match command(h, &format!("{at}.hooks[{i}]"))? {
            Ok(c) => commands.push(c),
            Err(why) => skipped.push(why),
        }
    }
    Ok((MatcherGroup { matcher, commands }, skipped))
}

/// Empty and `*` match everything; anything else is a regex that must match
/// the whole subject, so `Bash` does not also catch `BashOutput`.
fn matcher(m: &str) -> Result<Matcher, String> {
    let m = m.trim();
    if m.is_empty() || m == "*" {
        return Ok(Matcher::All);
    }
    regex::Regex::new(&format!("^(?:{m})$"))
        .map(Matcher::Regex)
        .map_err(|e| format!("matcher `{m}` is not a valid regex: {e}"))
}

/// Claude's default for a `prompt` hook without `timeout`.
const PROMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// A `command` or `prompt` hook, or why a hook of a type Tandem cannot run
/// (`http`, `mcp_tool`, `agent`) is skipped: a warning, so the rest of the
/// user's hooks still work.
fn command(value: &Value, at: &str) -> Result<Result<HookCommand, String>, HookConfigError> {
    let err = |what: &str| HookConfigError::new(format!("`{at}`: {what}"));
    let obj = value
        .as_object()
        .ok_or_else(|| err("must be an object with `type` and `command`"))?;
    let (field, kind, default) = match obj.get("type").and_then(Value::as_str) {
        Some("command") => ("command", Kind::Command, DEFAULT_TIMEOUT),
        Some("prompt") => {
            let model = match obj.get("model") {
                None | Some(Value::Null) => None,
                Some(Value::String(m)) if !m.trim().is_empty() => Some(m.clone()),
                Some(_) => return Err(err("`model` must be a model name")),
            };
            ("prompt", Kind::Prompt { model }, PROMPT_TIMEOUT)
        }
        Some(other) => {
            return Ok(Err(format!(
                "`{at}`: hooks of type `{other}` are not supported; skipped"
            )));
        }
        None => return Err(err("`type` must be a string, e.g. \"command\"")),
    };
    let command = obj
        .get(field)
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| err(&format!("`{field}` must be a non-empty string")))?;
    let timeout = match obj.get("timeout") {
        None | Some(Value::Null) => default,
        Some(t) => t
            .as_f64()
            .filter(|s| s.is_finite() && *s > 0.0)
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .ok_or_else(|| err("`timeout` must be a positive number of seconds"))?,
    };
    Ok(Ok(HookCommand {
        command: command.to_string(),
        timeout,
        kind,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Hooks, HookConfigError> {
        Hooks::from_claude_settings(&v)
    }

    #[test]
    fn missing_or_null_hooks_is_no_hooks() {
        assert!(parse(json!({"model": "x"})).unwrap().is_empty());
        assert!(parse(json!({"hooks": null})).unwrap().is_empty());
        assert!(parse(json!({"hooks": {}})).unwrap().is_empty());
        assert!(Hooks::default().is_empty());
    }

    #[test]
    fn reads_the_documented_example() {
        let h = parse(json!({"hooks": {
            "PreToolUse": [{"matcher": "Bash|Edit", "hooks": [{"type": "command", "command": "./check.sh", "timeout": 30}]}],
            "UserPromptSubmit": [{"hooks": [{"type": "command", "command": "echo context"}]}]
        }}))
        .unwrap();
        assert!(!h.is_empty());
        let pre = h.matching(HookEvent::PreToolUse, Some("Edit"));
        assert_eq!(
            pre,
            [&HookCommand {
                command: "./check.sh".into(),
                timeout: Duration::from_secs(30),
                kind: Kind::Command,
            }]
        );
        assert!(h.matching(HookEvent::PreToolUse, Some("Read")).is_empty());
        let prompt = h.matching(HookEvent::UserPromptSubmit, None);
        assert_eq!(prompt[0].timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn unknown_events_are_named() {
        let e = parse(json!({"hooks": {"PreToolUse": [], "BeforeTool": [], "AfterAll": []}}))
            .unwrap_err()
            .message;
        assert!(
            e.contains("`BeforeTool`") && e.contains("`AfterAll`"),
            "{e}"
        );
        assert!(e.contains("PreToolUse"), "lists the known ones: {e}");
        let e = "Pretooluse".parse::<HookEvent>().unwrap_err().message;
        assert!(e.contains("`Pretooluse`"), "{e}");
    }

    #[test]
    fn every_claude_code_event_loads_and_the_ones_tandem_lacks_are_warnings() {
        let names: Vec<&str> = HookEvent::ALL
            .iter()
            .map(|e| e.as_str())
            .chain(NOT_EMITTED)
            .collect();
        let all: serde_json::Map<String, Value> = names
            .iter()
            .map(|n| {
                let g = json!([{"hooks": [{"type": "command", "command": "true"}]}]);
                (n.to_string(), g)
            })
            .collect();
        let h = parse(json!({ "hooks": all })).unwrap();
        for e in HookEvent::ALL {
            assert_eq!(h.matching(e, None).len(), 1, "{e}");
        }
        assert_eq!(h.warnings().len(), NOT_EMITTED.len(), "{:?}", h.warnings());
        for name in NOT_EMITTED {
            assert!(
                h.warnings()
                    .iter()
                    .any(|w| w.contains(&format!("`{name}`"))),
                "{name}"
            );
        }
        // A mistake inside a hook of such an event is still an error.
        assert!(parse(json!({"hooks": {"TeammateIdle": [{"matcher": 3, "hooks": []}]}})).is_err());
    }

    #[test]
    fn event_names_round_trip() {
        for e in HookEvent::ALL {
            assert_eq!(e.to_string().parse::<HookEvent>().unwrap(), e);
        }
    }

    #[test]
    fn bad_regex_is_an_error_naming_it() {
        let e = parse(json!({"hooks": {"PreToolUse": [{"matcher": "Bash(", "hooks": []}]}}))
            .unwrap_err()
            .message;
        assert!(
            e.contains("hooks.PreToolUse[0]") && e.contains("`Bash(`"),
            "{e}"
        );
    }

    #[test]
    fn malformed_entries_are_errors() {
        for bad in [
            json!({"hooks": []}),
            json!({"hooks": {"Stop": {}}}),
            json!({"hooks": {"Stop": [{"matcher": 3, "hooks": []}]}}),
            json!({"hooks": {"Stop": [{"matcher": "x"}]}}),
            json!({"hooks": {"Stop": [{"hooks": [{"command": "x"}]}]}}),
            json!({"hooks": {"Stop": [{"hooks": [{"type": "command"}]}]}}),
            json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "x", "timeout": 0}]}]}}),
            json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "x", "timeout": "5"}]}]}}),
        ] {
            assert!(parse(bad.clone()).is_err(), "accepted {bad}");
        }
    }

    #[test]
    fn prompt_hooks_load_and_unsupported_types_are_skipped_with_a_warning() {
        let h = parse(json!({"hooks": {"Stop": [{"hooks": [
            {"type": "prompt", "prompt": "are you done? $ARGUMENTS", "model": "small-one"},
            {"type": "http", "url": "http://127.0.0.1:9/hook"},
            {"type": "command", "command": "true"}
        ]}]}}))
        .unwrap();
        let cmds = h.matching(HookEvent::Stop, None);
        assert_eq!(cmds.len(), 2);
        assert_eq!(
            cmds[0].kind,
            Kind::Prompt {
                model: Some("small-one".into())
            }
        );
        assert_eq!(cmds[0].timeout, PROMPT_TIMEOUT);
        assert_eq!(cmds[1].command, "true");
        assert!(h.warnings()[0].contains("`http`"), "{:?}", h.warnings());
        assert!(parse(json!({"hooks": {"Stop": [{"hooks": [{"type": "prompt"}]}]}})).is_err());
    }

    #[test]
    fn extend_adds_later_layers_after_earlier_ones() {
        let mut user =
            parse(json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "a"}]}]}}))
                .unwrap();
        let project = parse(json!({"hooks": {
            "Stop": [{"hooks": [{"type": "command", "command": "b"}]}],
            "SessionEnd": [{"hooks": [{"type": "command", "command": "c"}]}]
        }}))
        .unwrap();
        user.extend(project);
        let stop: Vec<_> = user
            .matching(HookEvent::Stop, None)
            .iter()
            .map(|c| c.command.as_str())
            .collect();
        assert_eq!(stop, ["a", "b"]);
        assert_eq!(user.matching(HookEvent::SessionEnd, None).len(), 1);
    }
}
