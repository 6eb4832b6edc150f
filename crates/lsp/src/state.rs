//! The server's state as small typed parts, each behind its own lock that
//! only its methods take: what was negotiated at `initialize`, the
//! workspace folder, the settings, the runs, the review marks, the
//! background tasks and the tasks opened for review. Handlers call methods; none locks a `Mutex` itself,
//! and no lock is held across an await.

use super::conversation::Conversation;
use super::groups::TaskGroups;
use super::position::Encoding;
use super::review_marks::ReviewMarks;
use super::run_registry::Runs;
use super::settings_state::Settings;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tandem_core::sync::Mutex;
use tandem_core::workspace::Workspace;
use tokio_util::sync::CancellationToken;

/// What the client said it can do at `initialize`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientCaps {
    pub work_done_progress: bool,
    pub code_lens_refresh: bool,
    /// `tandem/event` notifications (`experimental.tandem.events`).
    pub events: bool,
    /// `tandem/approve` requests (`experimental.tandem.approvals`).
    pub approvals: bool,
    /// `tandem/question` requests (`experimental.tandem.questions`).
    pub questions: bool,
}

/// The position encoding and client capabilities, set at `initialize`.
#[derive(Default)]
pub struct Negotiated {
    inner: Mutex<(Encoding, ClientCaps)>,
}

impl Negotiated {
    pub fn set(&self, encoding: Encoding, caps: ClientCaps) {
        *self.inner.lock() = (encoding, caps);
    }

    pub fn encoding(&self) -> Encoding {
        self.inner.lock().0
    }

    pub fn caps(&self) -> ClientCaps {
        self.inner.lock().1
    }
}

#[derive(Default)]
struct Opened {
    root: PathBuf,
    workspace: Option<Arc<Workspace>>,
}

/// The workspace folder and the agent's view of it, once opened.
#[derive(Default)]
pub struct Folder {
    inner: Mutex<Opened>,
}

impl Folder {
    pub fn open(&self, workspace: Workspace) {
        let mut inner = self.inner.lock();
        inner.root = workspace.root().to_path_buf();
        inner.workspace = Some(Arc::new(workspace));
    }

    /// The folder's root (empty before `initialize`).
    pub fn root(&self) -> PathBuf {
        self.inner.lock().root.clone()
    }

    pub fn workspace(&self) -> Option<Arc<Workspace>> {
        self.inner.lock().workspace.clone()
    }

    /// Panic while holding this lock (`tandem/debug/panic`): the tests
    /// prove the server goes on, its state still usable.
    #[cfg(debug_assertions)]
    pub fn panic_while_locked(&self) -> ! {
        let _held = self.inner.lock();
        panic!("tandem/debug/panic was called");
    }
}

/// Background tasks running in this process: what cancels each, by id.
#[derive(Default)]
pub struct TaskTokens {
    inner: Mutex<HashMap<String, CancellationToken>>,
}

impl TaskTokens {
    /// Task `id` starts a step here: its cancellation.
    pub fn start(&self, id: &str) -> CancellationToken {
        let cancel = CancellationToken::new();
        self.inner.lock().insert(id.to_string(), cancel.clone());
        cancel
    }

    pub fn finish(&self, id: &str) {
        self.inner.lock().remove(id);
    }

    /// Cancel task `id`; false when it is not running here.
    pub fn cancel(&self, id: &str) -> bool {
        let token = self.inner.lock().get(id).cloned();
        token.inspect(CancellationToken::cancel).is_some()
    }
}

/// Every part, shared by the handlers and the runs.
#[derive(Default)]
pub struct State {
    negotiated: Negotiated,
    folder: Folder,
    settings: Settings,
    runs: Runs,
    marks: ReviewMarks,
    tasks: TaskTokens,
    task_groups: TaskGroups,
    conversation: Conversation,
}

impl State {
    pub fn negotiated(&self) -> &Negotiated {
        &self.negotiated
    }

    pub fn folder(&self) -> &Folder {
        &self.folder
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn runs(&self) -> &Runs {
        &self.runs
    }

    pub fn marks(&self) -> &ReviewMarks {
        &self.marks
    }

    pub fn tasks(&self) -> &TaskTokens {
        &self.tasks
    }

    pub fn task_groups(&self) -> &TaskGroups {
        &self.task_groups
    }

    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_cancelled_only_while_it_runs_here() {
        let tasks = TaskTokens::default();
        assert!(!tasks.cancel("t1"));
        let token = tasks.start("t1");
        assert!(tasks.cancel("t1"));
        assert!(token.is_cancelled());
        tasks.finish("t1");
        assert!(!tasks.cancel("t1"));
    }

    #[test]
    fn negotiated_values_are_read_back() {
        let negotiated = Negotiated::default();
        assert!(!negotiated.caps().approvals);
        let caps = ClientCaps {
            approvals: true,
            ..ClientCaps::default()
        };
        negotiated.set(Encoding::Utf8, caps);
        assert!(negotiated.caps().approvals);
        assert_eq!(negotiated.encoding(), Encoding::Utf8);
    }
}
