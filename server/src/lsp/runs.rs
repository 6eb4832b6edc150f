//! Runs started from the editor: each is a session working on the shared
//! interactive workspace, spawned off the request that started it (the
//! editor never waits on the model), with work-done progress, streamed
//! `tandem/event` notifications, steering and cancellation.

use super::approval::EditorApprover;
use super::backend::Backend;
use super::settings_state::Settled;
use crate::agent::subagents::Catalog;
use crate::agent::{Event, Outcome, Session};
use crate::config::Layer;
use crate::model::Usage;
use crate::setup;
use crate::tools::builtin_tools;
use crate::tools::diagnostics::Diagnostics;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::ls_types::MessageType;
use tower_lsp_server::ls_types::notification::Notification;

/// `tandem/event`: one agent event of run `run`.
pub enum TandemEvent {}

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct TandemEventParams {
    pub run: u64,
    pub event: Event,
}

impl Notification for TandemEvent {
    type Params = TandemEventParams;
    const METHOD: &'static str = "tandem/event";
}

/// Start a run; returns its id at once.
pub fn start(backend: &Backend, prompt: String) -> u64 {
    let (id, cancel) = backend.runs().start(backend.caps().work_done_progress);
    let backend = backend.clone();
    tokio::spawn(async move {
        let outcome = drive(&backend, id, prompt, cancel).await;
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
    let chosen = setup::choose_provider(&loaded.settings).await?;
    let config = setup::session_config(
        &root,
        &chosen.model,
        chosen.max_tokens,
        chosen.thinking_budget,
        &loaded,
    );
    let mut ctx = setup::tool_context(workspace, cancel.clone(), &loaded.settings, &config)?;
    ctx.problems = Some(backend.problems.clone());
    let mut tools = builtin_tools();
    tools.add(Arc::new(Diagnostics));
    let approver = EditorApprover::new(
        backend.client.clone(),
        backend.caps().approvals,
        loaded.settings.agent.approval_timeout_secs,
    );
    let mut gate = setup::gate(&root, &loaded, &[], Some(Arc::new(approver)))?;
    gate.sandbox = ctx.sandbox.as_ref().map(|s| s.describe());
    let (tx, rx) = mpsc::unbounded_channel();
    setup::report_untrusted(&loaded.trust, &tx);
    let (agents, problems) = Catalog::load(&root, dirs::home_dir().as_deref());
    for problem in problems {
        backend
            .tell(MessageType::WARNING, format!("Tandem: sub-agent {problem}"))
            .await;
    }
    let table = loaded.table.clone();
    let model = chosen.model.clone();
    let extras = setup::Extras::load(&root, &loaded.settings, config.home.as_deref());
    extras.add_tools(&mut tools);
    let mcp = backend.mcp.acquire(&root, &loaded, tx.clone());
    tools.add_source(mcp.source());
    let prompt = extras.expand_prompt(&prompt, &ctx);
    let log = setup::SessionLog::start(&mut gate, &root, &prompt);
    let mut session = extras
        .attach(Session::new(
            chosen.provider,
            chosen.provider_name,
            tools,
            Arc::new(ctx),
            config,
            tx,
            Arc::new(move |u: &Usage| table.cost(&model, u)),
        ))
        .with_subagents(agents, loaded.table.clone())
        .with_gate(Arc::new(gate));
    if let Some(log) = log {
        session = session.with_checkpoint(log);
    }
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
    tokio::select! {
        _ = mcp.wait_started(loaded.settings.mcp.startup_wait()) => {}
        _ = cancel.cancelled() => {}
    }
    let outcome = session.run(&prompt).await;
    session.end("run finished").await;
    drop(mcp); // the servers stay for the next run
    drop(session); // closes the event channel
    let error = forward.await.ok().flatten();
    match (outcome, error) {
        (Outcome::ModelError, Some(e)) => Err(e),
        (Outcome::ModelError, None) => Err("the model call failed".into()),
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
    let mut error = None;
    let mut end = String::from("Done");
    while let Some(event) = rx.recv().await {
        let step = match &event {
            Event::TurnStarted { turn } => Some(format!("thinking (turn {turn})")),
            Event::ToolCallStarted { name, input, .. } => Some(step_message(name, input)),
            Event::Retrying { reason, .. } => Some(format!("retrying: {reason}")),
            Event::SubagentStarted { description, .. } => Some(format!("sub-agent: {description}")),
            _ => None,
        };
        if let (Some(p), Some(step)) = (&progress, step) {
            p.report_with_message(step, None).await;
        }
        match &event {
            Event::ProposalChanged { .. } => backend.publish_review().await,
            // A writer sub-agent's edits show while it works.
            Event::Subagent { event, .. } if matches!(**event, Event::ProposalChanged { .. }) => {
                backend.publish_review().await
            }
            Event::Error { message } => error = Some(message.clone()),
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
                .send_notification::<TandemEvent>(TandemEventParams { run: id, event })
                .await;
        }
    }
    if let Some(p) = progress {
        p.finish_with_message(end).await;
    }
    error
}

fn outcome_message(outcome: Outcome) -> String {
    match outcome {
        Outcome::Done => "Done",
        Outcome::TurnLimit => "Stopped at the turn limit",
        Outcome::Cancelled => "Cancelled",
        Outcome::ModelError => "The model call failed",
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
