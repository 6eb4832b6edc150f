//! The editor's conversation: a run goes on with the workspace's current
//! session (its conversation reaches the model before the new prompt)
//! unless the user started a new one (`tandem.newConversation`). After a
//! restart the current session is the folder's most recent saved one, read
//! back from the session log it already wrote.

use std::path::Path;
use tandem_core::session::saved::{self, Loaded};
use tandem_core::sync::Mutex;

#[derive(Default)]
enum Current {
    /// Not chosen yet in this process: the folder's latest session.
    #[default]
    Latest,
    /// The user asked for a new conversation.
    New,
    Session(String),
}

#[derive(Default)]
pub struct Conversation {
    current: Mutex<Current>,
}

impl Conversation {
    /// The saved session the next run goes on with, if any.
    pub fn to_continue(&self, root: &Path) -> Option<Loaded> {
        let found = match &*self.current.lock() {
            Current::New => None,
            Current::Latest => saved::latest(root),
            Current::Session(id) => saved::find(root, id).ok(),
        };
        found.and_then(|s| saved::load(&s).ok())
    }

    /// Go on with session `id` from now on (the run just built, or one the
    /// user picked).
    pub fn continue_with(&self, id: &str) {
        *self.current.lock() = Current::Session(id.to_string());
    }

    /// The next run starts a new conversation.
    pub fn start_new(&self) {
        *self.current.lock() = Current::New;
    }
}
