//! Compaction: when a conversation nears the model's context window, the
//! older part is replaced by a summary the model writes, so a long task can
//! go on. The request for the summary reuses the session's system prompt and
//! tools so it still hits the prompt cache.

use crate::model::{Block, Message, Role};

/// Where to cut: the kept tail must start with an assistant message (it
/// follows the summary, a user message) and keep at least `keep` messages.
/// Returns None when there is nothing worth compacting.
pub fn split_point(messages: &[Message], keep: usize) -> Option<usize> {
    let latest = messages.len().checked_sub(keep)?;
    (1..=latest)
        .rev()
        .find(|&i| messages[i].role == Role::Assistant)
        .filter(|&i| i >= 2)
}

/// The older messages plus the request to summarise them, appended to the
/// last (user) message so roles keep alternating.
pub fn summary_request(older: &[Message]) -> Vec<Message> {
    let mut messages = older.to_vec();
    let ask = Block::Text {
        text: "Stop working for a moment. Write a summary of the conversation so far for \
               yourself, to replace it: the user's request in full, what you found (files, \
               functions, facts), what you changed so far and why, what failed, and what \
               remains to do. Be specific and complete; do not call tools."
            .into(),
    };
    match messages.last_mut() {
        Some(last) if last.role == Role::User => last.content.push(ask),
        _ => messages.push(Message {
            role: Role::User,
            content: vec![ask],
        }),
    }
    messages
}

/// The message that replaces the older part.
pub fn summary_message(first_request: &str, summary: &str) -> Message {
    Message::user_text(format!(
        "The earlier part of this conversation was compacted to save context.\n\n\
         The original request was:\n{first_request}\n\n\
         Summary of the conversation so far:\n{summary}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(roles: &str) -> Vec<Message> {
        roles
            .chars()
            .map(|c| match c {
                'u' => Message::user_text("u"),
                _ => Message::assistant_text("a"),
            })
            .collect()
    }

    #[test]
    fn cut_lands_on_an_assistant_message_keeping_enough() {
        let m = msgs("uauauauaua");
        let s = split_point(&m, 4).unwrap();
        assert_eq!(m[s].role, Role::Assistant);
        assert!(m.len() - s >= 4);
        assert_eq!(s, 5);
    }

    #[test]
    fn too_short_to_compact() {
        assert_eq!(split_point(&msgs("ua"), 4), None);
        assert_eq!(split_point(&msgs("uau"), 2), None);
    }

    #[test]
    fn the_request_to_summarise_keeps_roles_alternating() {
        let r = summary_request(&msgs("uau"));
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].content.len(), 2);
    }
}
