//! Runs started from the editor: each is a session working on the shared
//! interactive workspace, spawned off the request that started it (the
//! editor never waits on the model), with work-done progress, streamed
//! `tandem/event` notifications, steering and cancellation.

use super::approval::EditorApprover;
use super::backend::Backend;
use super::settings_state::Settled;
use serde::Serialize;
use std::sync::Arc;
use tandem_config::{Layer, setup};
use tandem_core::agent::{Event, Outcome, budget};
use tandem_core::model::Image;
use tandem_core::session::{self, Expanded, Record, RunSummary, SessionBuilder};
use tandem_protocol::PROTOCOL_VERSION;
use tandem_protocol::methods;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::ls_types::MessageType;
use tower_lsp_server::ls_types::notification::Notification;

/// `tandem/event`: one agent event of run `run`.
pub enum TandemEvent {}

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct TandemEventParams {
    /// The protocol version (`PROTOCOL_VERSION`); 0 from a server before versions.
    #[serde(default)]
    pub v: u32,
    pub run: u64,
    pub event: Event,
}

impl Notification for TandemEvent {
    type Params = TandemEventParams;
    const METHOD: &'static str = methods::EVENT;
}

/// Start a run (with `images` after the prompt); returns its id at once.
pub fn start(backend: &Backend, prompt: String, images: Vec<Image>) -> u64 {
    let (id, cancel) = backend.runs().start(backend.caps().work_done_progress);
    let backend = backend.clone();
    tokio::spawn(async move {
        let outcome = drive(&backend, id, prompt, images, cancel).await;
        backend.runs().finish(id);
        if let Err(message) = outcome {
            backend
                .tell(MessageType::ERROR, format!("Tandem: {message}"))
                .await;
        }
    });
    id
}

async fn drive(
    backend: &Backend,
    id: u64,
    prompt: String,
    images: Vec<Image>,
    cancel: CancellationToken,
) -> Result<(), String> {
    let workspace = backend
        .workspace()
        .ok_or("the server has no workspace yet")?;
    let root = backend.root();
    let editor_settings = backend.settings().editor();
    let token = backend.runs().progress(id);
    // A broken settings file (shown as diagnostics in it) does not stop
    // work: the last settings that loaded are used until it is fixed.
    // The timeout of approvals: a trust question is one too.
    let timeout = backend.settings().approval_timeout();
    let trust = super::trust::decide(backend, &root, timeout).await;
    let load = setup::load(&root, vec![Layer::Table(editor_settings)], trust.clone());
    // Settings loaded while the folder was trusted hold its commands: not
    // once the trust is gone (`settings_state::choose`).
    let loaded = match backend.settings().settle(load, &trust)? {
        Settled::Fresh(loaded) => loaded,
        Settled::LastGood { last, error } => {
            backend
                .tell(
                    MessageType::WARNING,
                    format!("Tandem: {error}; using the last settings that loaded"),
                )
                .await;
            last
        }
    };
    let setup = &loaded.setup;
    let chosen = session::choose_provider(&setup.settings).await?;
    if !images.is_empty() && !setup.table.images(&chosen.model) {
        return Err(format!(
            "the model {} takes no images (`images = false` in its [models] entry)",
            chosen.model
        ));
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let approver = EditorApprover::new(
        backend.client.clone(),
        backend.caps(),
        setup.settings.agent.approval_timeout_secs,
    );
    let builder = SessionBuilder::new(setup, workspace, chosen, cancel.clone(), tx.clone());
    let mcp = backend.mcp.acquire(setup, tx);
    let built = builder
        .approver(Box::new(move |_| Some(Arc::new(approver) as _)))
        .problems(backend.problems.clone())
        .tools_from(mcp.source())
        .record(match backend.conversation().to_continue(&root) {
            Some(from) => Record::Continue {
                prompt: prompt.clone(),
                from: Box::new(from),
                fork: false,
            },
            None => Record::SessionLog {
                prompt: prompt.clone(),
            },
        })
        .build()?;
    backend.conversation().continue_with(&built.session_id);
    // An unknown `/command` is an error (shown), never text for the model;
    // `/help` is answered here.
    let prompt = match built.prompt(&prompt)? {
        Expanded::Prompt(p) => p,
        Expanded::Answer(text) => {
            backend.tell(MessageType::INFO, text).await;
            return Ok(());
        }
        Expanded::Clear => {
            backend.conversation().start_new();
            backend
                .tell(
                    MessageType::INFO,
                    "Tandem: the next run starts a new conversation",
                )
                .await;
            return Ok(());
        }
        Expanded::Compact(focus) => {
            let mut session = built.session;
            let done = session.compact_now(focus.as_deref()).await;
            session.end("compacted").await;
            let said = if done {
                "Tandem: the conversation was compacted; the next run goes on from its summary"
            } else {
                "Tandem: nothing to compact yet"
            };
            backend.tell(MessageType::INFO, said).await;
            return Ok(());
        }
    };
    let mut session = built.session;
    backend.runs().set_steer(id, session.steer_handle());

    let progress = match token {
        Some(token)
            if backend
                .client
                .create_work_done_progress(token.clone())
                .await
                .is_ok() =>
        {
            let title = first_line(&prompt);
            Some(
                backend
                    .client
                    .progress(token, "Tandem")
                    .with_message(title)
                    .with_cancel_button()
                    .begin()
                    .await,
            )
        }
        _ => None,
    };
    let forward = tokio::spawn(forward_events(backend.clone(), id, rx, progress));
    session::mcp::wait_started(&mcp, setup, &cancel).await;
    let outcome = session.run_with_images(&prompt, images).await;
    session.end("run finished").await;
    drop(mcp); // the servers stay for the next run
    drop(session); // closes the event channel
    let error = forward.await.ok().flatten();
    match (outcome, error) {
        (Outcome::ModelError, Some(e)) => Err(e),
        (Outcome::ModelError, None) => Err("the model call failed".into()),
        // Tandem ended the run (stuck, over its cap): the reason is shown.
        (Outcome::Stuck | Outcome::Budget, Some(e)) => Err(e),
        _ => Ok(()),
    }
}

type Ongoing =
    tower_lsp_server::OngoingProgress<tower_lsp_server::Unbounded, tower_lsp_server::Cancellable>;

/// Relay a run's events: progress messages, `tandem/event`, and a redraw of
/// the review whenever the proposal changes. Returns the run's error, if any.
async fn forward_events(
    backend: Backend,
    id: u64,
    mut rx: mpsc::UnboundedReceiver<Event>,
    progress: Option<Ongoing>,
) -> Option<String> {
    let events = backend.caps().events;
    let mut summary = RunSummary::default();
    let mut end = String::from("Done");
    // The spend beside the cap, after each step, when the run has a cap.
    let mut spend = String::new();
    let mut last = String::from("working");
    while let Some(event) = rx.recv().await {
        summary.observe(&event);
        if let Event::Usage {
            cost_usd,
            max_cost_usd: Some(cap),
            ..
        } = &event
        {
            let spent = cost_usd.map_or_else(|| "cost unknown".into(), budget::dollars);
            spend = format!(" · {spent} of {}", budget::dollars(*cap));
        }
        let step = match &event {
            Event::TurnStarted { turn } => Some(format!("thinking (turn {turn})")),
            Event::ToolCallStarted { name, input, .. } => Some(step_message(name, input)),
            Event::Retrying { reason, .. } => Some(format!("retrying: {reason}")),
            Event::SubagentStarted { description, .. } => Some(format!("sub-agent: {description}")),
            Event::Usage {
                max_cost_usd: Some(_),
                ..
            } => Some(last.clone()),
            _ => None,
        };
        if let Some(step) = &step {
            last = step.clone();
        }
        if let (Some(p), Some(step)) = (&progress, step) {
            p.report_with_message(format!("{step}{spend}"), None).await;
        }
        match &event {
            Event::ProposalChanged { .. } => backend.publish_review().await,
            // A writer sub-agent's edits show while it works.
            Event::Subagent { event, .. } if matches!(**event, Event::ProposalChanged { .. }) => {
                backend.publish_review().await
            }
            Event::Warning { message } => {
                backend
                    .tell(MessageType::WARNING, format!("Tandem: {message}"))
                    .await
            }
            Event::Finished { outcome } => end = outcome_message(*outcome),
            _ => {}
        }
        if events {
            backend
                .client
                .send_notification::<TandemEvent>(TandemEventParams {
                    v: PROTOCOL_VERSION,
                    run: id,
                    event,
                })
                .await;
        }
    }
    if let Some(p) = progress {
        p.finish_with_message(end).await;
    }
    summary.error
}

fn outcome_message(outcome: Outcome) -> String {
    match outcome {
        Outcome::Done => "Done",
        Outcome::TurnLimit => "Stopped at the turn limit",
        Outcome::Cancelled => "Cancelled",
        Outcome::ModelError => "The model call failed",
        Outcome::Stuck => "Stopped: stuck repeating a failing call",
        Outcome::Budget => "Stopped at the cost cap",
    }
    .to_string()
}

fn step_message(tool: &str, input: &serde_json::Value) -> String {
    let arg = ["path", "command", "pattern", "file_path"]
        .iter()
        .find_map(|k| input.get(*k).and_then(|v| v.as_str()));
    match arg {
        Some(a) => format!("{tool} {}", first_line(a)),
        None => tool.to_string(),
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let short: String = line.chars().take(80).collect();
    if short.len() < line.len() {
        format!("{short}…")
    } else {
        short
    }
}
