//! A running call's progress, reported by its tool from anywhere inside
//! its `run` (an MCP server's progress notifications). The dispatcher says
//! which call is running and where events go, for the length of that call,
//! so the `Tool` trait needs no extra argument and a tool that reports
//! nothing pays nothing.

use crate::agent::Event;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Clone)]
struct Running {
    id: String,
    events: UnboundedSender<Event>,
}

tokio::task_local! {
    static RUNNING: Running;
}

/// Run `call` (one tool call's future) as call `id`, its reports going to
/// `events`.
pub async fn scope<F: std::future::Future>(
    id: &str,
    events: &UnboundedSender<Event>,
    call: F,
) -> F::Output {
    let running = Running {
        id: id.to_string(),
        events: events.clone(),
    };
    RUNNING.scope(running, call).await
}

/// Report the running call's progress: `progress` of `total` when known.
/// Outside a dispatched call (a tool run by a test), nothing.
pub fn report(progress: f64, total: Option<f64>, message: Option<String>) {
    let _ = RUNNING.try_with(|r| {
        let _ = r.events.send(Event::ToolProgress {
            id: r.id.clone(),
            progress,
            total,
            message,
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reports_name_the_call_they_come_from_and_go_nowhere_outside_one() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        report(1.0, None, None);
        let both = futures::future::join(
            scope("a", &tx, async {
                report(1.0, Some(2.0), Some("half".into()))
            }),
            scope("b", &tx, async { report(3.0, None, None) }),
        );
        both.await;
        drop(tx);
        let mut got = Vec::new();
        while let Some(e) = rx.recv().await {
            got.push(e);
        }
        assert_eq!(
            got,
            vec![
                Event::ToolProgress {
                    id: "a".into(),
                    progress: 1.0,
                    total: Some(2.0),
                    message: Some("half".into()),
                },
                Event::ToolProgress {
                    id: "b".into(),
                    progress: 3.0,
                    total: None,
                    message: None,
                },
            ]
        );
    }
}
