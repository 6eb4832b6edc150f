//! `tandem worker`: pulls tasks from the work queue, one per slot, and
//! runs each with the same runner as local tasks, in a repository unpacked
//! from its snapshot and the worker's own overlay sandbox. It streams the
//! events, ships every checkpoint, stores the result and only then acks;
//! in-progress acks keep a long task, and a worker that dies stops them, so
//! JetStream hands the task to another worker, which resumes from the last
//! checkpoint.

use crate::bundle;
use crate::connect::Fleet;
use crate::events::Publisher;
use crate::names;
use crate::record::{Control, Work};
use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::{Consumer, pull};
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tandem_core::agent::Event;
use tandem_core::sandbox::{BackendChoice, SandboxSettings};
use tandem_core::tasks::runner::{self, LoadSetup};
use tandem_core::tasks::{Step, Store, TaskMeta, TaskState, Watch};
use tokio_util::sync::CancellationToken;

pub struct Options {
    pub slots: usize,
    /// How long a task may go without an ack before it is redelivered.
    pub ack_wait: Duration,
    /// Where tasks' repositories are unpacked.
    pub work_dir: PathBuf,
    /// `host/pid`, written into the records of the tasks it takes.
    pub name: String,
    /// This machine's sandbox settings: every task runs under them, never
    /// under any the task or its repository brings.
    pub sandbox: SandboxSettings,
}

/// Refuse to serve unless commands can run in the isolated sandbox here:
/// a worker runs other people's tasks.
pub fn require_isolation(sandbox: &SandboxSettings, helper: &Path) -> Result<(), String> {
    if !matches!(
        sandbox.backend,
        BackendChoice::Auto | BackendChoice::Overlay
    ) {
        return Err(format!(
            "a worker runs tasks only in the overlay sandbox, and this machine's settings choose `{}`",
            format!("{:?}", sandbox.backend).to_lowercase()
        ));
    }
    match tandem_core::sandbox::overlay::unavailable(helper) {
        None => Ok(()),
        Some(why) => Err(format!(
            "a worker runs tasks only in the overlay sandbox, which this machine cannot start: {why}"
        )),
    }
}

/// Serve until `drain` is cancelled; then finish the tasks in hand and
/// return (a graceful drain: nothing is cut off, nothing left unacked).
pub async fn serve(
    fleet: Fleet,
    options: Options,
    load: Arc<LoadSetup>,
    drain: CancellationToken,
) -> Result<(), String> {
    let consumer = fleet.consumer(options.ack_wait).await?;
    let options = Arc::new(options);
    let mut slots = Vec::new();
    for slot in 0..options.slots.max(1) {
        let (fleet, consumer, options, load, drain) = (
            fleet.clone(),
            consumer.clone(),
            options.clone(),
            load.clone(),
            drain.clone(),
        );
        slots.push(tokio::spawn(async move {
            slot_loop(slot, fleet, consumer, options, load, drain).await
        }));
    }
    for s in slots {
        let _ = s.await;
    }
    Ok(())
}

async fn slot_loop(
    slot: usize,
    fleet: Fleet,
    consumer: Consumer<pull::Config>,
    options: Arc<Options>,
    load: Arc<LoadSetup>,
    drain: CancellationToken,
) {
    while !drain.is_cancelled() {
        let batch = consumer
            .fetch()
            .max_messages(1)
            .expires(Duration::from_secs(2))
            .messages()
            .await;
        let mut batch = match batch {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("slot {slot}: cannot pull: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let message = tokio::select! {
            m = batch.next() => m,
            _ = drain.cancelled() => break,
        };
        match message {
            Some(Ok(message)) => {
                if let Err(e) = take(&fleet, message, &options, &load).await {
                    tracing::error!("slot {slot}: {e}");
                }
            }
            Some(Err(e)) => {
                tracing::debug!("slot {slot}: pull ended: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            None => {}
        }
    }
}

/// Take one delivered message: run its step unless it ended already, then
/// ack. An `Err` leaves the message unacked (JetStream delivers it again).
async fn take(
    fleet: &Fleet,
    message: async_nats::jetstream::Message,
    options: &Options,
    load: &Arc<LoadSetup>,
) -> Result<(), String> {
    let work: Work = match serde_json::from_slice(&message.payload) {
        Ok(w) => w,
        Err(e) => {
            // Never runnable: drop it, do not bounce it between workers.
            let _ = message.ack_with(AckKind::Term).await;
            return Err(format!("a work message is unreadable: {e}"));
        }
    };
    let id = work.id.clone();
    if !names::valid_id(&id) {
        let _ = message.ack_with(AckKind::Term).await;
        return Err(format!("a work message names no valid task (`{id}`)"));
    }
    let Some((record, _)) = fleet.record(&id).await? else {
        let _ = message.ack_with(AckKind::Term).await;
        return Err(format!("task {id} has no record"));
    };
    if record.steps_done > work.step || record.state == TaskState::Cancelled {
        // Ended already (its worker died between storing and acking), or
        // cancelled while queued.
        let _ = message.double_ack().await;
        return Ok(());
    }

    eprintln!(
        "worker {}: took task {id} (step {}, delivery {})",
        options.name,
        work.step,
        message.info().map(|i| i.delivered).unwrap_or(0)
    );
    // Keep the task: in-progress acks until it is stored and acked.
    let keep = CancellationToken::new();
    let heartbeat = {
        let (keep, message_ack) = (keep.clone(), message.clone());
        let every = options.ack_wait / 3;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = keep.cancelled() => break,
                    _ = tokio::time::sleep(every) => {
                        let _ = message_ack.ack_with(AckKind::Progress).await;
                    }
                }
            }
        })
    };
    let outcome = run_step(fleet, &work, options, load).await;
    keep.cancel();
    let _ = heartbeat.await;
    match outcome {
        Ok(meta) => {
            eprintln!("worker {}: task {id} {}", options.name, meta.state.as_str());
            crate::connect::retry("ack the task", || message.double_ack())
                .await
                .map_err(|e| format!("task {id}: stored but not acked: {e}"))
        }
        Err(e) => {
            // Set-up failed here (unpacking, the store): record it and let
            // another worker try.
            let _ = fleet
                .update_record(&id, |r| r.error = Some(e.clone()))
                .await;
            let _ = message
                .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                .await;
            Err(format!("task {id}: {e}"))
        }
    }
}

async fn run_step(
    fleet: &Fleet,
    work: &Work,
    options: &Options,
    load: &Arc<LoadSetup>,
) -> Result<TaskMeta, String> {
    let id = &work.id;
    let record = fleet
        .update_record(id, |r| {
            r.state = TaskState::Running;
            r.worker = Some(options.name.clone());
            r.error = None;
        })
        .await?;
    let dir = options.work_dir.join(id);
    let _ = std::fs::remove_dir_all(&dir);
    let repo = dir.join("repo");
    bundle::unpack(fleet, id, &repo).await?;
    let store = Store::open(&repo).map_err(|e| format!("cannot open a task store: {e}"))?;
    let mut meta = record.meta();
    meta.state = TaskState::Queued;
    store.insert(&meta).map_err(|e| e.to_string())?;

    // Where to carry on from: this step's checkpoint (it was interrupted),
    // else the previous step's (a follow-up continues that conversation).
    let has_checkpoint = record.checkpoint_step.is_some();
    if has_checkpoint {
        let checkpoint = fleet.load_checkpoint(id).await?;
        Fleet::restore(&store, id, &checkpoint)?;
    }
    let resumed = record.checkpoint_step == Some(work.step);
    let step = match (&work.follow_up, resumed) {
        (_, true) => Step::Resume,
        (Some(text), false) => Step::FollowUp(text.clone()),
        (None, false) => Step::Start,
    };
    // Counted once it really runs (a set-up that failed is not a run).
    fleet
        .update_record(id, |r| {
            r.runs += 1;
            r.resumed = resumed;
        })
        .await?;

    let cancel = CancellationToken::new();
    let control = {
        let (client, cancel) = (fleet.client.clone(), cancel.clone());
        let mut sub = client
            .subscribe(names::control_subject(id))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            while let Some(m) = sub.next().await {
                if let Ok(Control::Cancel) = serde_json::from_slice(&m.payload) {
                    cancel.cancel();
                }
            }
        })
    };
    let (publisher, published) = Publisher::start(fleet.client.clone(), id);
    let watch = Arc::new(Remote {
        fleet: fleet.clone(),
        publisher,
        step: work.step,
        runtime: tokio::runtime::Handle::current(),
    });
    let sandbox = options.sandbox.clone();
    let load = load.clone();
    // The worker's sandbox, whatever the task's repository says.
    let own = move |root: &Path, saved: &str| {
        let mut setup = load(root, saved)?;
        setup.settings.sandbox = sandbox.clone();
        Ok(setup)
    };
    let ran = runner::run(&store, id, step, cancel, watch.clone(), &own).await;
    control.abort();
    drop(watch);
    let _ = published.await;
    let meta = ran.map_err(|e| format!("the task store failed: {e}"))?;

    let result = store.result(id).map_err(|e| e.to_string())?;
    let bytes = serde_json::to_vec(&result).map_err(|e| e.to_string())?;
    fleet.put_object(&names::result_object(id), &bytes).await?;
    let done_step = work.step + 1;
    let worker = options.name.clone();
    fleet
        .update_record(id, |r| {
            r.state = meta.state;
            r.error = meta.error.clone();
            r.summary = meta.summary.clone();
            r.turns = meta.turns;
            r.usage = meta.usage;
            r.cost_usd = meta.cost_usd;
            r.files = meta.files.clone();
            r.follow_ups = meta.follow_ups.clone();
            r.steps_done = r.steps_done.max(done_step);
            r.worker = Some(worker.clone());
        })
        .await?;
    let _ = std::fs::remove_dir_all(store.task_dir(id));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(meta)
}

/// The runner's watcher on a worker: events out on the task's subject,
/// checkpoints into the object store before the model call they precede.
struct Remote {
    fleet: Fleet,
    publisher: Publisher,
    step: u32,
    runtime: tokio::runtime::Handle,
}

impl Watch for Remote {
    fn event(&self, _id: &str, event: &Event) {
        self.publisher.send(event);
    }

    fn checkpoint(&self, store: &Store, id: &str) {
        // Synchronous on purpose: the next model call waits until the
        // checkpoint is off this machine, so a crash never loses a tool
        // call that completed.
        let saved = tokio::task::block_in_place(|| {
            self.runtime
                .block_on(self.fleet.save_checkpoint(store, id, self.step))
        });
        if let Err(e) = saved {
            tracing::error!("task {id}: cannot store its checkpoint: {e}");
        }
    }
}
