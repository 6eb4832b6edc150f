//! A session's MCP servers: each starts in the background, its tools join
//! the session's registry when it is ready, follow its tool list as it
//! changes, and leave when it stops. A server that fails is reported and
//! nothing else waits on it. `shutdown` stops them all (children killed).

use super::config::ServerSpec;
use super::connection::{Connection, Handler, connect, kill_group};
use super::live::Live;
use super::tool::{Forget, McpTool};
use crate::sync::Mutex;
use crate::tools::{Tool, ToolSource};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A change in a server's state, for the faces to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub server: String,
    /// Tools the model now has from this server.
    pub tools: usize,
    /// Why the server is not (or no longer) available; `None` when ready.
    pub error: Option<String>,
}

pub type Report = Arc<dyn Fn(Status) + Send + Sync>;

/// How long a server gets to exit by itself at shutdown before it is killed.
const CLOSE_GRACE: Duration = Duration::from_secs(8);

#[derive(Default)]
struct Shared {
    tools: Mutex<BTreeMap<String, Vec<Arc<dyn Tool>>>>,
    /// Servers that failed to start or have stopped.
    down: Mutex<BTreeSet<String>>,
}

impl ToolSource for Shared {
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        self.tools.lock().values().flatten().cloned().collect()
    }

    fn get(&self, name: &str) -> Option<Arc<dyn Tool>> {
        let tools = self.tools.lock();
        tools.values().flatten().find(|t| t.name() == name).cloned()
    }
}

pub struct Servers {
    shared: Arc<Shared>,
    /// Servers still starting.
    starting: watch::Receiver<usize>,
    stop: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Servers {
    /// Start every server in the background (inside a tokio runtime).
    pub fn start(specs: Vec<ServerSpec>, report: Report) -> Servers {
        let shared = Arc::new(Shared::default());
        let (starting_tx, starting) = watch::channel(specs.len());
        let starting_tx = Arc::new(starting_tx);
        let stop = CancellationToken::new();
        let tasks = specs
            .into_iter()
            .map(|spec| {
                let run = Run {
                    spec,
                    shared: shared.clone(),
                    report: report.clone(),
                    stop: stop.clone(),
                    starting: starting_tx.clone(),
                };
                tokio::spawn(run.serve())
            })
            .collect();
        Servers {
            shared,
            starting,
            stop,
            tasks: Mutex::new(tasks),
        }
    }

    /// The servers' tools, for `Registry::add_source`.
    pub fn source(&self) -> Arc<dyn ToolSource> {
        self.shared.clone()
    }

    /// Wait until every server is ready or has failed, at most `max`.
    pub async fn wait_started(&self, max: Duration) {
        let mut starting = self.starting.clone();
        let _ = tokio::time::timeout(max, starting.wait_for(|n| *n == 0)).await;
    }

    /// Whether a server failed to start or has stopped since.
    pub fn any_down(&self) -> bool {
        !self.shared.down.lock().is_empty()
    }

    /// Stop every server: each is asked to close (stdin closed, then
    /// SIGTERM, then SIGKILL for its process group) and waited for.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock());
        for task in tasks {
            let _ = task.await;
        }
        self.shared.tools.lock().clear();
    }
}

struct Run {
    spec: ServerSpec,
    shared: Arc<Shared>,
    report: Report,
    stop: CancellationToken,
    starting: Arc<watch::Sender<usize>>,
}

impl Run {
    fn started(&self) {
        self.starting.send_modify(|n| *n = n.saturating_sub(1));
    }

    fn fail(&self, error: String) {
        self.shared.tools.lock().remove(&self.spec.name);
        self.shared.down.lock().insert(self.spec.name.clone());
        (self.report)(Status {
            server: self.spec.name.clone(),
            tools: 0,
            error: Some(error),
        });
    }

    async fn serve(self) {
        let changed = Arc::new(Notify::new());
        let live = Live::new(&self.spec.name);
        let handler = Handler {
            changed: changed.clone(),
            live: live.clone(),
        };
        let timeout = self.spec.startup_timeout;
        let start = async {
            let connection = connect(&self.spec, handler).await?;
            match self.list_tools(&connection, &live).await {
                Ok(tools) => Ok((connection, tools)),
                Err(e) => {
                    kill_group(connection.process_group);
                    Err(e)
                }
            }
        };
        let started = tokio::select! {
            r = tokio::time::timeout(timeout, start) => r,
            _ = self.stop.cancelled() => {
                self.started();
                return;
            }
        };
        let (connection, tools) = match started {
            Ok(Ok(ready)) => ready,
            Ok(Err(e)) => {
                self.fail(format!("failed to start: {e}"));
                self.started();
                return;
            }
            Err(_) => {
                self.fail(format!(
                    "did not start within {}s (startup_timeout_secs)",
                    timeout.as_secs()
                ));
                self.started();
                return;
            }
        };
        self.publish(tools);
        self.started();

        let Connection {
            service,
            process_group,
            stderr,
        } = connection;
        let peer = service.peer().clone();
        let cancel = service.cancellation_token();
        let ended = service.waiting();
        tokio::pin!(ended);
        loop {
            tokio::select! {
                quit = &mut ended => {
                    let why = match quit {
                        Ok(reason) => format!("{reason:?}").to_lowercase(),
                        Err(e) => e.to_string(),
                    };
                    self.fail(format!("stopped ({why}){}", stderr.suffix()));
                    break;
                }
                _ = changed.notified() => {
                    match list(&peer, &self.spec, &self.shared, &live).await {
                        Ok(tools) => self.publish(tools),
                        Err(e) => tracing::warn!("mcp {}: listing tools: {e}", self.spec.name),
                    }
                }
                _ = self.stop.cancelled() => {
                    cancel.cancel();
                    if tokio::time::timeout(CLOSE_GRACE, &mut ended).await.is_err() {
                        tracing::warn!("mcp {}: did not close in time", self.spec.name);
                    }
                    break;
                }
            }
        }
        kill_group(process_group);
    }

    async fn list_tools(
        &self,
        connection: &Connection,
        live: &Live,
    ) -> Result<Vec<Arc<dyn Tool>>, String> {
        list(connection.service.peer(), &self.spec, &self.shared, live)
            .await
            .map_err(|e| format!("{e}{}", connection.stderr.suffix()))
    }

    /// Offer `tools` from now on; reported when the set of names changed.
    fn publish(&self, tools: Vec<Arc<dyn Tool>>) {
        let n = tools.len();
        let names =
            |ts: &[Arc<dyn Tool>]| ts.iter().map(|t| t.name().to_string()).collect::<Vec<_>>();
        let new_names = names(&tools);
        let old = self
            .shared
            .tools
            .lock()
            .insert(self.spec.name.clone(), tools);
        if old.is_some_and(|old| names(&old) == new_names) {
            return;
        }
        (self.report)(Status {
            server: self.spec.name.clone(),
            tools: n,
            error: None,
        });
    }
}

/// The server's tools the model may see, as Tandem tools.
async fn list(
    peer: &rmcp::Peer<rmcp::service::RoleClient>,
    spec: &ServerSpec,
    shared: &Arc<Shared>,
    live: &Live,
) -> Result<Vec<Arc<dyn Tool>>, String> {
    let forget: Forget = {
        let shared = Arc::downgrade(shared);
        let name = spec.name.clone();
        Arc::new(move || {
            if let Some(shared) = shared.upgrade() {
                shared.tools.lock().remove(&name);
            }
        })
    };
    let listed = peer
        .list_all_tools()
        .await
        .map_err(|e| format!("cannot list its tools: {e}"))?;
    let mut seen = std::collections::HashSet::new();
    Ok(listed
        .iter()
        .filter(|t| spec.offers(&t.name))
        .map(|t| {
            McpTool::new(
                &spec.name,
                t,
                peer.clone(),
                live.clone(),
                spec.tool_timeout,
                forget.clone(),
            )
        })
        .map(|t| Arc::new(t) as Arc<dyn Tool>)
        // The resource tools are named in enabled_tools / disabled_tools
        // as `list_resources` and `read_resource`, like the server's own.
        .chain(
            super::resources::tools(&spec.name, peer)
                .into_iter()
                .filter(|t| spec.offers(t.name().rsplit("__").next().unwrap_or(""))),
        )
        .filter(|t| seen.insert(t.name().to_string()))
        .collect())
}
