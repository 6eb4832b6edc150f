//! The workspace's MCP servers in the editor. A server can take seconds to
//! start (`npx` fetching a package, a JVM), so the first run that needs
//! them starts them and later runs reuse them, as an interactive agent
//! session would. They are started afresh when their configuration changed
//! (`.mcp.json` or settings) or one of them has stopped, and stopped with
//! the language server. Every run hears the servers' state changes while
//! it lasts, starting with their state when it joins.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tandem_core::agent::Event;
use tandem_core::mcp::{self, ServerSpec, Servers, Status};
use tandem_core::session::Setup;
use tandem_core::session::mcp::event;
use tandem_core::sync::Mutex;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Default)]
pub struct McpPool {
    current: Mutex<Option<Pooled>>,
}

struct Pooled {
    specs: Vec<ServerSpec>,
    servers: Arc<Servers>,
    listeners: Arc<Listeners>,
}

/// The runs that hear the servers' state, and the last state of each.
#[derive(Default)]
struct Listeners {
    /// Both maps under one lock, so a run joining never misses a change.
    inner: Mutex<ListenersInner>,
}

#[derive(Default)]
struct ListenersInner {
    last: BTreeMap<String, Status>,
    runs: BTreeMap<u64, UnboundedSender<Event>>,
    next: u64,
}

impl Listeners {
    fn report(&self, status: Status) {
        let mut inner = self.inner.lock();
        let e = event(&status);
        inner.runs.retain(|_, tx| tx.send(e.clone()).is_ok());
        inner.last.insert(status.server.clone(), status);
    }

    fn join(&self, tx: UnboundedSender<Event>) -> u64 {
        let mut inner = self.inner.lock();
        for s in inner.last.values() {
            let _ = tx.send(event(s));
        }
        inner.next += 1;
        let id = inner.next;
        inner.runs.insert(id, tx);
        id
    }

    fn leave(&self, id: u64) {
        self.inner.lock().runs.remove(&id);
    }
}

/// A run's use of the pooled servers. Dropping it stops the run hearing
/// about them (its event channel can then close).
pub struct Lease {
    servers: Arc<Servers>,
    listeners: Arc<Listeners>,
    id: u64,
}

impl std::ops::Deref for Lease {
    type Target = Servers;
    fn deref(&self) -> &Servers {
        &self.servers
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.listeners.leave(self.id);
    }
}

impl McpPool {
    /// The servers for a run with `setup` (trust already applied),
    /// started if needed;
    /// their state changes (and problems with their configuration) go to
    /// `events`. Call inside the tokio runtime.
    pub fn acquire(&self, setup: &Setup, events: UnboundedSender<Event>) -> Lease {
        let specs = setup.mcp_servers.clone();
        for p in &setup.mcp_problems {
            let _ = events.send(event(&mcp::problem_status(p.clone())));
        }
        let mut current = self.current.lock();
        let reusable = current
            .as_ref()
            .is_some_and(|p| p.specs == specs && !p.servers.any_down());
        if !reusable {
            if let Some(old) = current.take() {
                retire(old.servers);
            }
            let listeners = Arc::new(Listeners::default());
            let report = {
                let listeners = listeners.clone();
                Arc::new(move |s: Status| listeners.report(s))
            };
            *current = Some(Pooled {
                servers: Arc::new(Servers::start(specs.clone(), report)),
                specs,
                listeners,
            });
        }
        let pooled = current.as_ref().expect("set above");
        Lease {
            servers: pooled.servers.clone(),
            listeners: pooled.listeners.clone(),
            id: pooled.listeners.join(events),
        }
    }

    /// Stop the servers (at the language server's shutdown).
    pub async fn shutdown(&self) {
        let old = self.current.lock().take();
        if let Some(old) = old {
            old.servers.shutdown().await;
        }
    }
}

/// Stop replaced servers once the runs still using them have ended (a
/// rare event: polling keeps it simple).
fn retire(servers: Arc<Servers>) {
    tokio::spawn(async move {
        while Arc::strong_count(&servers) > 1 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        servers.shutdown().await;
    });
}
