//! What a run amounted to, read off its event stream the same way by every
//! face: the turns it took, the agent's last message, the last error.

use crate::agent::Event;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSummary {
    /// Model calls of this run (a sub-agent's are its own).
    pub turns: u32,
    /// The final assistant text.
    pub message: String,
    pub error: Option<String>,
}

impl RunSummary {
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::TurnStarted { .. } => self.turns += 1,
            Event::Message { text } => self.message = text.clone(),
            Event::Error { message } => self.error = Some(message.clone()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_runs_own_turns_and_keeps_the_last_message_and_error() {
        let mut s = RunSummary::default();
        for event in [
            Event::TurnStarted { turn: 1 },
            Event::Message {
                text: "first".into(),
            },
            Event::Subagent {
                id: "explore-1".into(),
                event: Box::new(Event::TurnStarted { turn: 1 }),
            },
            Event::Error {
                message: "boom".into(),
            },
            Event::TurnStarted { turn: 2 },
            Event::Message {
                text: "done".into(),
            },
        ] {
            s.observe(&event);
        }
        assert_eq!(s.turns, 2);
        assert_eq!(s.message, "done");
        assert_eq!(s.error.as_deref(), Some("boom"));
    }
}
