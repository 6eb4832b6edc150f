//! `tandem task …` on the fleet's tasks: `start --remote` (or `[tasks]
//! executor = "nats"`) submits; the other commands act on a remote task
//! when its id is not one of this machine's. The records, results and
//! live events come from JetStream (`tandem-fleet`); the printing is the
//! local tasks' own.

use super::task::{TaskCommand, render_show};
use std::path::Path;
use tandem_core::settings::{Executor, NatsSettings};
use tandem_core::tasks::git;
use tandem_core::tasks::{Store, TaskMeta, TaskState};
use tandem_fleet::{Fleet, RemoteTask};

/// This machine's `[tasks]` settings for the repository at `root`.
fn settings(root: &Path) -> tandem_core::settings::TaskSettings {
    let trust = tandem_config::trust::Trust::check(root);
    tandem_config::setup::load(root, Vec::new(), trust)
        .map(|l| l.settings().tasks.clone())
        .unwrap_or_default()
}

fn configured(root: &Path) -> Option<NatsSettings> {
    let nats = settings(root).nats;
    (!nats.servers.is_empty()).then_some(nats)
}

async fn connect(nats: &NatsSettings) -> Result<Fleet, String> {
    Fleet::connect(nats, "tandem").await
}

/// `Some` when the command is about the fleet's tasks; `None` leaves it to
/// the local store.
pub async fn dispatch(store: &Store, command: &TaskCommand) -> Option<Result<i32, String>> {
    let root = store.root();
    if let TaskCommand::Start {
        prompt,
        attempts,
        wait,
        remote,
        flags,
    } = command
    {
        let tasks = settings(root);
        if !*remote && tasks.executor != Some(Executor::Nats) {
            return None;
        }
        return Some(start(store, &tasks.nats, prompt, flags, *attempts, *wait).await);
    }
    let ids: Vec<&String> = match command {
        TaskCommand::Show { id, .. }
        | TaskCommand::Apply { id, .. }
        | TaskCommand::Discard { id }
        | TaskCommand::FollowUp { id, .. }
        | TaskCommand::Cancel { id }
        | TaskCommand::Resume { id, .. }
        | TaskCommand::Branch { id, .. }
        | TaskCommand::Patch { id, .. } => vec![id],
        TaskCommand::Wait { ids } => ids.iter().collect(),
        _ => return None,
    };
    // Ids of this machine's own tasks stay local.
    if ids.iter().all(|id| store.find(id).is_ok()) {
        return None;
    }
    let nats = configured(root)?;
    Some(act(store, &nats, command).await)
}

/// Remote tasks of this repository, for `tandem task list`.
pub async fn list(store: &Store) -> Result<Vec<TaskMeta>, String> {
    let Some(nats) = configured(store.root()) else {
        return Ok(Vec::new());
    };
    let fleet = connect(&nats).await?;
    Ok(fleet
        .list(store.root())
        .await?
        .iter()
        .map(RemoteTask::meta)
        .collect())
}

async fn start(
    store: &Store,
    nats: &NatsSettings,
    prompt: &str,
    flags: &super::overrides::RunFlags,
    attempts: u32,
    wait: bool,
) -> Result<i32, String> {
    let fleet = connect(nats).await?;
    let submitted =
        tandem_fleet::submit::submit(&fleet, store.root(), prompt, &flags.table()?, attempts)
            .await?;
    for id in &submitted.ids {
        outln!("{id}");
    }
    // What the content addressing saved is worth seeing.
    eprintln!(
        "sent {} new object(s), {} bytes; the rest of the repository was stored already",
        submitted.uploaded.objects_sent, submitted.uploaded.bytes_sent
    );
    if wait {
        return wait_and_show(store, &fleet, &submitted.ids).await;
    }
    Ok(0)
}

async fn find(fleet: &Fleet, store: &Store, id: &str) -> Result<RemoteTask, String> {
    fleet.find(store.root(), id).await?.ok_or_else(|| {
        format!(
            "no task `{id}` in {}, here or on the fleet",
            store.root().display()
        )
    })
}

async fn act(store: &Store, nats: &NatsSettings, command: &TaskCommand) -> Result<i32, String> {
    let fleet = connect(nats).await?;
    match command {
        TaskCommand::Show { id, json } => {
            let task = find(&fleet, store, id).await?;
            let result = fleet.result(&task.id).await?;
            let shown = render_show(store, &task.meta(), &result, *json);
            if !*json {
                out!("{shown}");
                return Ok(0);
            }
            // The fleet's side of it: who ran it, how often, what it did.
            let mut value: serde_json::Value =
                serde_json::from_str(&shown).map_err(|e| e.to_string())?;
            let calls = match fleet.transcript(&task.id).await {
                Ok(t) => tandem_fleet::checkpoint::tool_calls(&t),
                Err(_) => Vec::new(),
            };
            value["fleet"] = serde_json::json!({
                "worker": task.worker,
                "runs": task.runs,
                "resumed": task.resumed,
                "checkpoints": task.checkpoints,
                "tool_calls": calls,
            });
            outln!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            Ok(0)
        }
        TaskCommand::Wait { ids } => {
            let mut full = Vec::new();
            for id in ids {
                full.push(find(&fleet, store, id).await?.id);
            }
            wait_and_show(store, &fleet, &full).await
        }
        TaskCommand::Apply { id, flags } => {
            let task = find(&fleet, store, id).await?;
            if task.state.is_live() {
                return Err("the task is still running; wait for it".into());
            }
            let result = fleet.result(&task.id).await?;
            let ws =
                tandem_core::workspace::Workspace::new(store.root()).map_err(|e| e.to_string())?;
            let applied =
                tandem_core::apply::apply(store.root(), &result.changes, &flags.include(&ws)?)
                    .map_err(|e| e.to_string())?;
            if applied.complete() {
                fleet.mark(&task.id, TaskState::Applied).await?;
            }
            let again = format!("tandem task apply {}", task.id);
            out!("{}", super::apply::render(&applied, Some(&again)));
            outln!("{}", super::apply::ending(&applied));
            Ok(super::apply::exit_code(&applied))
        }
        TaskCommand::Discard { id } => {
            let task = find(&fleet, store, id).await?;
            if task.state.is_live() {
                return Err("the task is still running; cancel it first".into());
            }
            fleet.mark(&task.id, TaskState::Discarded).await?;
            outln!("Discarded {}", task.id);
            Ok(0)
        }
        TaskCommand::Cancel { id } => {
            let task = find(&fleet, store, id).await?;
            fleet.cancel(&task.id).await?;
            outln!("Cancelling {}", task.id);
            Ok(0)
        }
        TaskCommand::FollowUp { id, message, wait } => {
            let task = find(&fleet, store, id).await?;
            fleet.follow_up(&task.id, message).await?;
            outln!("{}", task.id);
            if *wait {
                return wait_and_show(store, &fleet, &[task.id]).await;
            }
            Ok(0)
        }
        TaskCommand::Branch { id, name, author } => {
            let task = find(&fleet, store, id).await?;
            let result = fleet.result(&task.id).await?;
            let name = name.clone().unwrap_or_else(|| {
                format!("tandem/{}", tandem_core::tasks::branch::short_id(&task.id))
            });
            let message = git::message(&task.summary, &task.prompt);
            let commit = git::branch(&commit_request(store, &result, &message, author), &name)?;
            outln!("Branch {name} at {}", &commit[..commit.len().min(12)]);
            Ok(0)
        }
        TaskCommand::Patch { id, author } => {
            let task = find(&fleet, store, id).await?;
            let result = fleet.result(&task.id).await?;
            let message = git::message(&task.summary, &task.prompt);
            out!(
                "{}",
                git::patch(&commit_request(store, &result, &message, author))?
            );
            outln!();
            Ok(0)
        }
        TaskCommand::Resume { .. } => Err(
            "remote tasks resume by themselves: another worker takes an interrupted one up".into(),
        ),
        _ => unreachable!("dispatch passes only the commands above"),
    }
}

fn commit_request<'a>(
    store: &'a Store,
    result: &'a tandem_core::tasks::TaskResult,
    message: &'a str,
    author: &'a Option<String>,
) -> git::CommitRequest<'a> {
    git::CommitRequest {
        root: store.root(),
        changes: &result.changes,
        message,
        author: author.as_deref(),
    }
}

/// Wait with live progress on stderr (`[id] turn 2`, `[id] write a.txt`),
/// then show each task as `tandem task show` does.
async fn wait_and_show(store: &Store, fleet: &Fleet, ids: &[String]) -> Result<i32, String> {
    let records = fleet
        .wait(ids, |id, event| {
            if let Some(line) = tandem_fleet::events::describe(event) {
                eprintln!("[{}] {line}", tandem_core::tasks::branch::short_id(id));
            }
        })
        .await?;
    for r in &records {
        let result = fleet.result(&r.id).await?;
        out!("{}", render_show(store, &r.meta(), &result, false));
    }
    Ok(if records.iter().all(|r| r.state == TaskState::Done) {
        0
    } else {
        1
    })
}
