//! Live events of a remote task on `tandem.task.<id>.events`: the agent's
//! own event stream, one versioned JSON line per message, in order (one
//! publisher per task). Plain NATS: whoever listens now sees them; what
//! lasts is in the record and the result.

use crate::names;
use futures::StreamExt;
use tandem_core::agent::Event;
use tandem_core::protocol::wire;
use tokio::sync::mpsc;

/// Publishes a task's events in the order they happened.
pub struct Publisher {
    tx: mpsc::UnboundedSender<Event>,
}

impl Publisher {
    pub fn start(client: async_nats::Client, id: &str) -> (Publisher, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
        let subject = names::events_subject(id);
        let handle = tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let Ok(line) = wire::to_line(&event) else {
                    continue;
                };
                if let Err(e) = client.publish(subject.clone(), line.into()).await {
                    tracing::debug!("cannot publish an event: {e}");
                }
            }
            let _ = client.flush().await;
        });
        (Publisher { tx }, handle)
    }

    pub fn send(&self, event: &Event) {
        // Deltas are many and small; the faces show tool calls and turns.
        if !matches!(event, Event::TextDelta { .. } | Event::ThinkingDelta { .. }) {
            let _ = self.tx.send(event.clone());
        }
    }
}

/// The events of task `id` from now on.
pub async fn subscribe(
    client: &async_nats::Client,
    id: &str,
) -> Result<impl futures::Stream<Item = Event> + use<>, String> {
    let sub = client
        .subscribe(names::events_subject(id))
        .await
        .map_err(|e| format!("cannot listen to task {id}'s events: {e}"))?;
    Ok(sub.filter_map(|m| async move {
        std::str::from_utf8(&m.payload)
            .ok()
            .and_then(|l| wire::read_line::<Event>(l).ok())
    }))
}

/// One line for a person watching: the turns and tool calls.
pub fn describe(event: &Event) -> Option<String> {
    Some(match event {
        Event::TurnStarted { turn } => format!("turn {turn}"),
        Event::ToolCallStarted { name, input, .. } => {
            let arg = ["path", "command", "pattern"]
                .iter()
                .find_map(|k| input.get(*k).and_then(|v| v.as_str()))
                .unwrap_or("");
            format!("{name} {arg}").trim_end().to_string()
        }
        Event::ToolCallFinished { name, is_error, .. } if *is_error => {
            format!("{name} failed")
        }
        Event::Finished { outcome } => format!("finished: {outcome:?}"),
        Event::Error { message, .. } => format!("error: {message}"),
        _ => return None,
    })
}
