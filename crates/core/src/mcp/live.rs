//! What a server's tool calls share with the handler of its connection,
//! which hears the server: the progress notifications of a call reach the
//! call whose token they carry (rmcp's dispatcher), which shows them as
//! the call's progress in every face; a form the server sends
//! (elicitation) goes to the user of a call running on it, the latest
//! one, through that call's face.

use crate::sync::Mutex;
use crate::tools::approval::Approver;
use rmcp::handler::client::progress::ProgressDispatcher;
use std::sync::Arc;

#[derive(Clone)]
pub struct Live {
    pub server: String,
    pub progress: ProgressDispatcher,
    users: Arc<Mutex<Vec<Arc<dyn Approver>>>>,
}

impl Live {
    pub fn new(server: &str) -> Live {
        Live {
            server: server.to_string(),
            progress: ProgressDispatcher::new(),
            users: Arc::default(),
        }
    }

    /// While the guard lives (one tool call), `user` answers the server.
    pub fn answered_by(&self, user: Arc<dyn Approver>) -> Answering {
        self.users.lock().push(user.clone());
        Answering {
            users: self.users.clone(),
            user,
        }
    }

    /// Who answers the server now: the user of the latest running call.
    pub fn user(&self) -> Option<Arc<dyn Approver>> {
        self.users.lock().last().cloned()
    }
}

/// A call's user, taken away again when the call ends.
pub struct Answering {
    users: Arc<Mutex<Vec<Arc<dyn Approver>>>>,
    user: Arc<dyn Approver>,
}

impl Drop for Answering {
    fn drop(&mut self) {
        let mut users = self.users.lock();
        if let Some(at) = users.iter().rposition(|u| Arc::ptr_eq(u, &self.user)) {
            users.remove(at);
        }
    }
}
