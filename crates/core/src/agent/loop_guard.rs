//! The loop guard: a weak model repeating the same failing call (the same
//! `edit` with the same wrong `old_string`, ten times over), or re-spawning
//! the same sub-agent that came back with nothing, is told once to change
//! approach, and then the run ends `stuck` instead of burning every turn.
//!
//! Counters, reset by progress (a call that may change something — an
//! edit, a command — and succeeded with a result other than the last one):
//! - calls: the same tool with the same input failing with the same error
//!   text. Reads in between do not break the streak: reading the file again
//!   and repeating the same edit is still the loop.
//! - repeats: the same call succeeding with the same result as before (a
//!   small local model reading the same file again and again after each
//!   result, or writing the same content over itself): nothing new comes
//!   of it, so it counts like a failure.
//! - sub-agents: the same type spawned with the same or nearly the same
//!   description and prompt, after it failed or returned nothing useful.

use crate::model::Block;
use serde_json::Value;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

/// The same failing call this many times: the model is told.
pub const CALL_NOTE: u32 = 3;
/// ... and this many: the run ends `stuck`.
pub const CALL_STUCK: u32 = 5;
/// The same sub-agent failing this many times: the model is told ("more
/// than twice"); once more and the run ends.
pub const SPAWN_NOTE: u32 = 3;
pub const SPAWN_STUCK: u32 = 4;
/// Two sub-agent requests whose words overlap this much are the same one.
const NEAR_SAME: f64 = 0.8;

/// What the guard says about one finished call.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Fine,
    /// Append this note to the call's result, and warn the user.
    Note {
        note: String,
        warning: String,
    },
    /// End the run: the message says why.
    Stuck(String),
}

/// One finished tool call, as the guard sees it.
pub struct Finished<'a> {
    pub name: &'a str,
    pub input: &'a Value,
    pub output: &'a str,
    pub is_error: bool,
    /// The call could not change anything (a read, a search).
    pub read_only: bool,
}

/// What the guard made of one turn's calls: warnings for the user (their
/// notes already joined the results), and why the run ends, if it does.
#[derive(Debug, Default)]
pub struct Checked {
    pub warnings: Vec<String>,
    pub stuck: Option<String>,
}

#[derive(Default)]
pub struct LoopGuard {
    /// Failing calls since the last progress: (tool, input, error) → times.
    calls: HashMap<u64, u32>,
    /// Succeeding calls since the last progress: (tool, input, result) →
    /// times.
    repeats: HashMap<u64, u32>,
    /// The last call that may have changed something, and its result: the
    /// same one again changes nothing more, so it is not progress.
    last_change: Option<u64>,
    /// Failed sub-agent requests since the last progress.
    spawns: Vec<Spawn>,
}

struct Spawn {
    agent_type: String,
    words: BTreeSet<String>,
    times: u32,
}

impl LoopGuard {
    /// Look at a turn's calls (`calls`: name, input, read-only, in call
    /// order) and their results; a note joins the result it is about.
    pub fn after_calls(
        &mut self,
        calls: &[(String, Value, bool)],
        results: &mut [Block],
    ) -> Checked {
        let mut checked = Checked::default();
        for ((name, input, read_only), result) in calls.iter().zip(results.iter_mut()) {
            let Block::ToolResult {
                content, is_error, ..
            } = result
            else {
                continue;
            };
            let verdict = self.observe(&Finished {
                name,
                input,
                output: content,
                is_error: *is_error,
                read_only: *read_only,
            });
            match verdict {
                Verdict::Fine => {}
                Verdict::Note { note, warning } => {
                    content.push_str("\n\n");
                    content.push_str(&note);
                    checked.warnings.push(warning);
                }
                Verdict::Stuck(why) => {
                    checked.stuck.get_or_insert(why);
                }
            }
        }
        checked
    }

    pub fn observe(&mut self, call: &Finished) -> Verdict {
        if call.name == "task" {
            return self.spawn(call);
        }
        let key = {
            let mut h = DefaultHasher::new();
            call.name.hash(&mut h);
            call.input.to_string().hash(&mut h);
            call.output.hash(&mut h);
            h.finish()
        };
        if !call.is_error {
            return self.succeeded(call, key);
        }
        let times = self.calls.entry(key).or_insert(0);
        *times += 1;
        let first = first_line(call.output);
        match *times {
            n if n >= CALL_STUCK => Verdict::Stuck(format!(
                "stuck: the same `{}` call failed {n} times: {first}",
                call.name
            )),
            CALL_NOTE => Verdict::Note {
                note: format!(
                    "[Tandem] This exact call failed {CALL_NOTE} times the same way: {first}\nDo not repeat it: read the file again, change approach, or stop and say what blocks you."
                ),
                warning: format!(
                    "the same `{}` call failed {CALL_NOTE} times the same way ({first}); the model was told to change approach",
                    call.name
                ),
            },
            _ => Verdict::Fine,
        }
    }

    /// A call that worked: progress if it may have changed something new;
    /// else one more of the same, noted and then stuck like a failure.
    fn succeeded(&mut self, call: &Finished, key: u64) -> Verdict {
        if !call.read_only && self.last_change != Some(key) {
            self.progress();
            self.last_change = Some(key);
        }
        let times = self.repeats.entry(key).or_insert(0);
        *times += 1;
        match *times {
            n if n >= CALL_STUCK => Verdict::Stuck(format!(
                "stuck: the same `{}` call was made {n} times with the same result",
                call.name
            )),
            CALL_NOTE => Verdict::Note {
                note: format!(
                    "[Tandem] You made this exact call {CALL_NOTE} times and got the same result each time. Do not repeat it: use the result you have, take the next step, or give your answer."
                ),
                warning: format!(
                    "the same `{}` call was made {CALL_NOTE} times with the same result; the model was told to move on",
                    call.name
                ),
            },
            _ => Verdict::Fine,
        }
    }

    fn progress(&mut self) {
        self.calls.clear();
        self.repeats.clear();
        self.spawns.clear();
        self.last_change = None;
    }

    fn spawn(&mut self, call: &Finished) -> Verdict {
        if !call.is_error && useful(call.output) {
            // A sub-agent that worked: what it did may be progress.
            self.progress();
            return Verdict::Fine;
        }
        let agent_type = call.input["subagent_type"]
            .as_str()
            .unwrap_or("explore")
            .to_lowercase();
        let text = ["description", "prompt"]
            .map(|k| call.input[k].as_str().unwrap_or_default())
            .join(" ");
        let words = words(&text);
        let at = self
            .spawns
            .iter()
            .position(|s| s.agent_type == agent_type && similarity(&s.words, &words) >= NEAR_SAME);
        let spawn = match at {
            Some(i) => &mut self.spawns[i],
            None => {
                self.spawns.push(Spawn {
                    agent_type: agent_type.clone(),
                    words,
                    times: 0,
                });
                self.spawns.last_mut().expect("just pushed")
            }
        };
        spawn.times += 1;
        let first = first_line(call.output);
        match spawn.times {
            n if n >= SPAWN_STUCK => Verdict::Stuck(format!(
                "stuck: the same `{agent_type}` sub-agent was spawned {n} times and failed or returned nothing each time: {first}"
            )),
            SPAWN_NOTE => Verdict::Note {
                note: format!(
                    "[Tandem] A `{agent_type}` sub-agent for this same request has failed or returned nothing {SPAWN_NOTE} times: {first}\nDo not spawn it again: do the work yourself with your own tools, change approach, or stop and say what blocks you."
                ),
                warning: format!(
                    "the same `{agent_type}` sub-agent was spawned {SPAWN_NOTE} times without a useful result; the model was told to change approach"
                ),
            },
            _ => Verdict::Fine,
        }
    }
}

/// Whether a sub-agent's result says anything (not the empty placeholder).
fn useful(output: &str) -> bool {
    let text = output.trim();
    !text.is_empty() && !text.starts_with("(the sub-agent ended without a final message)")
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let short: String = line.chars().take(160).collect();
    if short.len() < line.len() {
        format!("{short}…")
    } else {
        short
    }
}

fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Jaccard similarity of two word sets (1.0 for two empty ones).
fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn edit(guard: &mut LoopGuard, old: &str, error: &str) -> Verdict {
        let input = json!({"path": "a.rs", "old_string": old, "new_string": "x"});
        guard.observe(&Finished {
            name: "edit",
            input: &input,
            output: error,
            is_error: true,
            read_only: false,
        })
    }

    fn ok(guard: &mut LoopGuard, name: &str, read_only: bool) -> Verdict {
        ok_on(guard, name, "a.rs", read_only)
    }

    fn ok_on(guard: &mut LoopGuard, name: &str, path: &str, read_only: bool) -> Verdict {
        guard.observe(&Finished {
            name,
            input: &json!({ "path": path }),
            output: "fine",
            is_error: false,
            read_only,
        })
    }

    fn task(guard: &mut LoopGuard, prompt: &str, output: &str, is_error: bool) -> Verdict {
        let input =
            json!({"subagent_type": "explore", "description": "find the parser", "prompt": prompt});
        guard.observe(&Finished {
            name: "task",
            input: &input,
            output,
            is_error,
            read_only: true,
        })
    }

    #[test]
    fn the_same_failing_call_is_noted_at_three_and_stuck_at_five() {
        let mut g = LoopGuard::default();
        let error = "old_string not found in a.rs\nmore detail";
        assert_eq!(edit(&mut g, "foo", error), Verdict::Fine);
        assert_eq!(edit(&mut g, "foo", error), Verdict::Fine);
        let Verdict::Note { note, warning } = edit(&mut g, "foo", error) else {
            panic!("a note at the third")
        };
        assert!(note.contains("failed 3 times the same way: old_string not found in a.rs"));
        assert!(note.contains("do not repeat it") || note.contains("Do not repeat it"));
        assert!(warning.contains("`edit`"));
        // Reading the file in between does not break the streak.
        assert_eq!(ok(&mut g, "read", true), Verdict::Fine);
        assert_eq!(edit(&mut g, "foo", error), Verdict::Fine);
        assert_eq!(
            edit(&mut g, "foo", error),
            Verdict::Stuck(
                "stuck: the same `edit` call failed 5 times: old_string not found in a.rs".into()
            )
        );
    }

    #[test]
    fn a_changing_call_or_error_is_not_a_loop() {
        let mut g = LoopGuard::default();
        for i in 0..10 {
            assert_eq!(
                edit(&mut g, &format!("foo {i}"), "not found"),
                Verdict::Fine
            );
            assert_eq!(
                edit(&mut g, "foo", &format!("not found ({i})")),
                Verdict::Fine
            );
        }
    }

    #[test]
    fn progress_resets_the_count() {
        let mut g = LoopGuard::default();
        for i in 0..10 {
            assert_eq!(edit(&mut g, "foo", "not found"), Verdict::Fine);
            assert_eq!(edit(&mut g, "foo", "not found"), Verdict::Fine);
            // A successful edit elsewhere is progress.
            assert_eq!(
                ok_on(&mut g, "write", &format!("{i}.rs"), false),
                Verdict::Fine
            );
        }
    }

    #[test]
    fn the_same_call_with_the_same_result_is_noted_at_three_and_stuck_at_five() {
        for read_only in [true, false] {
            let mut g = LoopGuard::default();
            assert_eq!(ok(&mut g, "read", read_only), Verdict::Fine);
            assert_eq!(ok(&mut g, "read", read_only), Verdict::Fine);
            let Verdict::Note { note, warning } = ok(&mut g, "read", read_only) else {
                panic!("a note at the third (read_only: {read_only})")
            };
            assert!(note.contains("3 times and got the same result"), "{note}");
            assert!(warning.contains("`read`"), "{warning}");
            assert_eq!(ok(&mut g, "read", read_only), Verdict::Fine);
            assert_eq!(
                ok(&mut g, "read", read_only),
                Verdict::Stuck(
                    "stuck: the same `read` call was made 5 times with the same result".into()
                )
            );
        }
    }

    #[test]
    fn reading_other_files_or_changing_something_between_is_not_a_repeat() {
        let mut g = LoopGuard::default();
        for i in 0..10 {
            // The same file twice, then an edit that changes something new.
            assert_eq!(ok(&mut g, "read", true), Verdict::Fine);
            assert_eq!(ok(&mut g, "read", true), Verdict::Fine);
            assert_eq!(
                ok_on(&mut g, "edit", &format!("{i}.rs"), false),
                Verdict::Fine
            );
        }
        let mut g = LoopGuard::default();
        for i in 0..20 {
            assert_eq!(
                ok_on(&mut g, "read", &format!("{i}.rs"), true),
                Verdict::Fine
            );
        }
    }

    #[test]
    fn a_sub_agent_respawned_without_result_is_noted_then_stuck() {
        let mut g = LoopGuard::default();
        let empty = "(the sub-agent ended without a final message)";
        assert_eq!(
            task(&mut g, "Find where the parser is", empty, false),
            Verdict::Fine
        );
        // Another failure, nearly the same words, a different error.
        assert_eq!(
            task(
                &mut g,
                "Find where the parser is.",
                "The sub-agent's model call failed: 500",
                true
            ),
            Verdict::Fine
        );
        assert!(matches!(
            task(&mut g, "find where the parser is", empty, false),
            Verdict::Note { .. }
        ));
        let Verdict::Stuck(message) = task(&mut g, "Find where the parser is", empty, false) else {
            panic!("stuck at the fourth")
        };
        assert!(message.starts_with("stuck: the same `explore` sub-agent was spawned 4 times"));
    }

    #[test]
    fn different_or_useful_sub_agents_are_not_a_loop() {
        let mut g = LoopGuard::default();
        let empty = "(the sub-agent ended without a final message)";
        for i in 0..6 {
            let prompt = format!("Look at module number{i} and report its public functions {i}x");
            assert_eq!(task(&mut g, &prompt, empty, false), Verdict::Fine);
        }
        let mut g = LoopGuard::default();
        for _ in 0..6 {
            assert_eq!(
                task(&mut g, "Find the parser", "It is in src/parse.rs", false),
                Verdict::Fine
            );
        }
    }
}
