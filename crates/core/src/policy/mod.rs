//! Whether a tool call may run: the session's mode plus allow, ask and deny
//! rules written as in Claude Code's `.claude/settings.json`.

mod rules;
use tandem_shell_words as shell_words;

pub use rules::{Rule, RuleError, Rules};
pub use shell_words::{split_commands, strip_wrappers};

use crate::tools::Permission;
use serde_json::Value;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Ask,
    Deny,
}

/// How much the agent may do without asking, before rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Only reading tools; nothing can lift this.
    ReadOnly,
    /// Reads and edits run (edits are only proposals), commands ask.
    #[default]
    Ask,
    /// Everything runs unless a rule denies or asks.
    Auto,
    /// Like `Ask`; kept apart because commands run unsandboxed here.
    Local,
    /// Only reading, until the user approves the plan the agent presents
    /// (`exit_plan_mode`), which switches the session to the mode they chose.
    Plan,
}

impl Mode {
    pub const ALL: [Mode; 5] = [
        Mode::ReadOnly,
        Mode::Ask,
        Mode::Auto,
        Mode::Local,
        Mode::Plan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ReadOnly => "read-only",
            Mode::Ask => "ask",
            Mode::Auto => "auto",
            Mode::Local => "local",
            Mode::Plan => "plan",
        }
    }

    /// Only tools that read may run.
    pub fn reads_only(self) -> bool {
        matches!(self, Mode::ReadOnly | Mode::Plan)
    }
}

/// A session's mode, shared by its gate (which reads it for every call) and
/// the `exit_plan_mode` tool (which changes it when the user approves).
#[derive(Debug, Default)]
pub struct ModeCell(crate::sync::Mutex<Mode>);

impl ModeCell {
    pub fn new(mode: Mode) -> Self {
        ModeCell(crate::sync::Mutex::new(mode))
    }

    pub fn get(&self) -> Mode {
        *self.0.lock()
    }

    pub fn set(&self, mode: Mode) {
        *self.0.lock() = mode;
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mode `{0}` (expected read-only, ask, auto, local or plan)")]
pub struct UnknownMode(pub String);

impl FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownMode(s.to_string()))
    }
}

/// The whole decision for one tool call: rules first (deny beats
/// everything), then the mode's default.
pub fn evaluate(
    mode: Mode,
    rules: &Rules,
    tool: &str,
    permission: Permission,
    input: &Value,
    root: &Path,
) -> Decision {
    if mode.reads_only() && permission != Permission::ReadOnly {
        return Decision::Deny;
    }
    if let Some(decision) = rules.decide(tool, input, root) {
        return decision;
    }
    match (mode, permission) {
        (Mode::Auto, _) => Decision::Allow,
        (_, Permission::ReadOnly | Permission::Edit) => Decision::Allow,
        (_, Permission::Execute) => Decision::Ask,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROOT: &str = "/work/project";

    fn rules(allow: &[&str], ask: &[&str], deny: &[&str]) -> Rules {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Rules::parse(&own(allow), &own(ask), &own(deny), Path::new(ROOT)).unwrap()
    }

    fn shell(mode: Mode, rules: &Rules, command: &str) -> Decision {
        let input = json!({ "command": command });
        evaluate(
            mode,
            rules,
            "shell",
            Permission::Execute,
            &input,
            Path::new(ROOT),
        )
    }

    fn read(mode: Mode, rules: &Rules, path: &str) -> Decision {
        let input = json!({ "path": path });
        evaluate(
            mode,
            rules,
            "read",
            Permission::ReadOnly,
            &input,
            Path::new(ROOT),
        )
    }

    fn edit(mode: Mode, rules: &Rules, path: &str) -> Decision {
        let input = json!({ "path": path, "old_string": "a", "new_string": "b" });
        evaluate(
            mode,
            rules,
            "edit",
            Permission::Edit,
            &input,
            Path::new(ROOT),
        )
    }

    use Decision::*;

    #[test]
    fn read_only_allows_reads_and_nothing_else() {
        let none = Rules::default();
        let allow_all = rules(&["Bash", "Edit"], &[], &[]);
        assert_eq!(read(Mode::ReadOnly, &none, "src/main.rs"), Allow);
        assert_eq!(shell(Mode::ReadOnly, &none, "ls"), Deny);
        assert_eq!(shell(Mode::ReadOnly, &allow_all, "ls"), Deny);
        assert_eq!(edit(Mode::ReadOnly, &allow_all, "a.rs"), Deny);
        let deny_env = rules(&[], &[], &["Read(./.env)"]);
        assert_eq!(read(Mode::ReadOnly, &deny_env, ".env"), Deny);
    }

    #[test]
    fn ask_mode_asks_for_commands_only() {
        let none = Rules::default();
        assert_eq!(read(Mode::Ask, &none, "a.rs"), Allow);
        assert_eq!(edit(Mode::Ask, &none, "a.rs"), Allow);
        assert_eq!(shell(Mode::Ask, &none, "cargo test"), Ask);
        let r = rules(
            &["Bash(cargo test:*)"],
            &["Edit(Cargo.toml)"],
            &["Read(./.env)"],
        );
        assert_eq!(shell(Mode::Ask, &r, "cargo test --lib"), Allow);
        assert_eq!(shell(Mode::Ask, &r, "cargo test && cargo publish"), Ask);
        assert_eq!(edit(Mode::Ask, &r, "Cargo.toml"), Ask);
        assert_eq!(read(Mode::Ask, &r, ".env"), Deny);
        assert_eq!(Mode::default(), Mode::Ask);
    }

    #[test]
    fn the_ask_rule_that_asks_is_named() {
        let r = rules(
            &["Bash"],
            &["Bash(git push:*)"],
            &["Bash(git push --force:*)"],
        );
        let root = Path::new(ROOT);
        let push = json!({ "command": "git status && git push origin main" });
        assert_eq!(
            r.asking_rule("shell", &push, root),
            Some("Bash(git push:*)")
        );
        let status = json!({ "command": "git status" });
        assert_eq!(r.asking_rule("shell", &status, root), None);
        // A deny rule wins: nothing asks.
        let force = json!({ "command": "git push --force origin" });
        assert_eq!(r.asking_rule("shell", &force, root), None);
    }

    #[test]
    fn local_mode_is_like_ask() {
        let r = rules(&["Bash(make:*)"], &[], &[]);
        assert_eq!(shell(Mode::Local, &r, "make"), Allow);
        assert_eq!(shell(Mode::Local, &r, "rm -rf build"), Ask);
        assert_eq!(edit(Mode::Local, &r, "a.rs"), Allow);
    }

    #[test]
    fn auto_mode_allows_unless_a_rule_objects() {
        let r = rules(&[], &["Bash(git push:*)"], &["Bash(rm:*)"]);
        assert_eq!(shell(Mode::Auto, &r, "cargo build"), Allow);
        assert_eq!(shell(Mode::Auto, &r, "cargo build && rm -rf /"), Deny);
        assert_eq!(shell(Mode::Auto, &r, "git push origin main"), Ask);
        assert_eq!(edit(Mode::Auto, &r, "a.rs"), Allow);
        let input = json!({});
        let mcp = evaluate(
            Mode::Auto,
            &r,
            "mcp__db__drop",
            Permission::Execute,
            &input,
            Path::new(ROOT),
        );
        assert_eq!(mcp, Allow);
    }

    #[test]
    fn modes_round_trip_through_text_and_serde() {
        for mode in Mode::ALL {
            assert_eq!(mode.to_string().parse::<Mode>(), Ok(mode));
            let json = serde_json::to_value(mode).unwrap();
            assert_eq!(json, json!(mode.as_str()));
            assert_eq!(serde_json::from_value::<Mode>(json).unwrap(), mode);
        }
        assert_eq!("Read-Only".parse::<Mode>(), Ok(Mode::ReadOnly));
        assert!("yolo".parse::<Mode>().is_err());
        assert!(serde_json::from_value::<Mode>(json!("readonly")).is_err());
    }
}
