//! A session's MCP servers, started in the background: their tools join
//! through `Servers::source`, their state changes (and entries that cannot
//! start) arrive as `Event::McpServer`.

use super::setup::Setup;
use crate::agent::Event;
use crate::mcp::{self, Servers, Status};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// `status` as the event every face shows.
pub fn event(s: &Status) -> Event {
    Event::McpServer {
        server: s.server.clone(),
        tools: s.tools,
        error: s.error.clone(),
    }
}

/// Start `setup`'s servers for one session. Call `Servers::shutdown` when
/// it ends.
pub fn start(setup: &Setup, events: UnboundedSender<Event>) -> Servers {
    let report = Arc::new(move |s: Status| {
        let _ = events.send(event(&s));
    });
    for p in &setup.mcp_problems {
        report(mcp::problem_status(p.clone()));
    }
    Servers::start(setup.mcp_servers.clone(), report)
}

/// Give servers starting in the background a moment, so the first model
/// call already sees their tools (up to the settings' startup wait, or
/// until the run is cancelled).
pub async fn wait_started(servers: &Servers, setup: &Setup, cancel: &CancellationToken) {
    tokio::select! {
        _ = servers.wait_started(setup.settings.mcp.startup_wait()) => {}
        _ = cancel.cancelled() => {}
    }
}
