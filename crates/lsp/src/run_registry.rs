//! The runs going on, by id: what cancels each, the progress token the
//! editor's cancel button names, and the steer handle once its session
//! exists. One lock, held only inside these methods, so a handler that
//! cancels or steers never waits on a run.

use std::collections::BTreeMap;
use tandem_core::agent::SteerHandle;
use tandem_core::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::ls_types::{NumberOrString, ProgressToken};

struct RunHandle {
    cancel: CancellationToken,
    steer: Option<SteerHandle>,
    progress: Option<ProgressToken>,
}

#[derive(Default)]
struct Inner {
    runs: BTreeMap<u64, RunHandle>,
    last: u64,
}

#[derive(Default)]
pub struct Runs {
    inner: Mutex<Inner>,
}

impl Runs {
    /// Register a new run: its id (counting from 1) and its cancellation.
    /// With `progress`, it gets a progress token (`tandem-run-ID`).
    pub fn start(&self, progress: bool) -> (u64, CancellationToken) {
        let mut inner = self.inner.lock();
        inner.last += 1;
        let id = inner.last;
        let cancel = CancellationToken::new();
        let handle = RunHandle {
            cancel: cancel.clone(),
            steer: None,
            progress: progress.then(|| NumberOrString::String(format!("tandem-run-{id}"))),
        };
        inner.runs.insert(id, handle);
        (id, cancel)
    }

    /// The progress token of run `id`, if it has one.
    pub fn progress(&self, id: u64) -> Option<ProgressToken> {
        self.inner.lock().runs.get(&id)?.progress.clone()
    }

    /// Run `id`'s session exists: steering messages go to it from now on.
    pub fn set_steer(&self, id: u64, steer: SteerHandle) {
        if let Some(handle) = self.inner.lock().runs.get_mut(&id) {
            handle.steer = Some(steer);
        }
    }

    /// Run `id` ended.
    pub fn finish(&self, id: u64) {
        self.inner.lock().runs.remove(&id);
    }

    /// Cancel run `id`, or every run; how many were cancelled.
    pub fn cancel(&self, id: Option<u64>) -> usize {
        let inner = self.inner.lock();
        let mut n = 0;
        for (run, handle) in &inner.runs {
            if id.is_none_or(|id| id == *run) {
                handle.cancel.cancel();
                n += 1;
            }
        }
        n
    }

    /// Cancel the run shown by progress `token` (the editor's cancel button).
    pub fn cancel_progress(&self, token: &ProgressToken) {
        let inner = self.inner.lock();
        for handle in inner.runs.values() {
            if handle.progress.as_ref() == Some(token) {
                handle.cancel.cancel();
            }
        }
    }

    /// Send a steering message to run `id`, or the newest run; false when
    /// there is no such run or its session is not there yet.
    pub fn steer(&self, id: Option<u64>, message: String) -> bool {
        let inner = self.inner.lock();
        let target = match id {
            Some(id) => inner.runs.get(&id),
            None => inner.runs.values().next_back(),
        };
        match target.and_then(|h| h.steer.as_ref()) {
            Some(steer) => {
                steer.send(message);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_numbered_and_cancelled_one_or_all() {
        let runs = Runs::default();
        let (one, cancel_one) = runs.start(false);
        let (two, cancel_two) = runs.start(false);
        assert_eq!((one, two), (1, 2));
        assert_eq!(runs.cancel(Some(two)), 1);
        assert!(cancel_two.is_cancelled() && !cancel_one.is_cancelled());
        assert_eq!(runs.cancel(Some(7)), 0);
        assert_eq!(runs.cancel(None), 2);
        assert!(cancel_one.is_cancelled());
        runs.finish(one);
        runs.finish(two);
        assert_eq!(runs.cancel(None), 0);
    }

    #[test]
    fn the_cancel_button_cancels_the_run_its_token_names() {
        let runs = Runs::default();
        let (quiet, quiet_cancel) = runs.start(false);
        let (shown, shown_cancel) = runs.start(true);
        assert_eq!(runs.progress(quiet), None);
        let token = runs.progress(shown).unwrap();
        assert_eq!(token, NumberOrString::String(format!("tandem-run-{shown}")));
        runs.cancel_progress(&NumberOrString::String("tandem-run-99".into()));
        assert!(!shown_cancel.is_cancelled());
        runs.cancel_progress(&token);
        assert!(shown_cancel.is_cancelled() && !quiet_cancel.is_cancelled());
    }

    #[test]
    fn a_run_without_a_session_yet_cannot_be_steered() {
        let runs = Runs::default();
        assert!(!runs.steer(None, "hello".into()));
        let (id, _) = runs.start(false);
        assert!(!runs.steer(Some(id), "hello".into()));
        assert!(!runs.steer(None, "hello".into()));
    }
}
