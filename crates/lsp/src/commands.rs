//! `workspace/executeCommand`: starting, steering and cancelling runs, and
//! answering the proposal hunk by hunk, file by file or all at once. Each
//! arm decodes the arguments, calls the state, `answers` or `prompts`, and
//! encodes the answer; `tandem.task.*` goes to `tasks`.

use super::answers::{accept, reject};
use super::arguments::args;
use super::backend::Backend;
use super::documents::file_path;
use super::groups::GroupId;
use super::pick::Pick;
use super::prompts::{self, RunArgs};
use super::proposal::{hunk_range, rope_of, summary_in};
use super::proposed_text::proposed_text;
use super::runs;
use serde::Deserialize;
use serde_json::{Value, json};
use tandem_protocol::commands;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{MessageType, Uri};

/// The commands handled here, as the server advertises them.
pub const COMMANDS: &[&str] = commands::RUNS;

#[derive(Debug, Deserialize)]
struct HunkArgs {
    uri: Uri,
    hunk: Option<String>,
    /// The proposal the hunk or file is in (the foreground's if missing).
    #[serde(default)]
    group: Option<GroupId>,
}

#[derive(Debug, Default, Deserialize)]
struct SessionRef {
    #[serde(default)]
    session: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct GroupArgs {
    #[serde(default)]
    group: GroupId,
}

#[derive(Debug, Default, Deserialize)]
struct RunRef {
    run: Option<u64>,
    message: Option<String>,
}

pub async fn execute(backend: &Backend, command: &str, arguments: Vec<Value>) -> Result<Value> {
    let arg = arguments.into_iter().next().unwrap_or_else(|| json!({}));
    match command {
        commands::RUN | commands::ASK => {
            let a: RunArgs = args(command, arg)?;
            // A file that is not an image is an error before any run.
            let paths: Vec<_> = a.images.iter().map(|p| backend.root().join(p)).collect();
            let images =
                tandem_core::images::load_files(&paths, "image").map_err(Error::invalid_params)?;
            let prompt = run_prompt(backend, command, a)?;
            Ok(json!({ "run": runs::start(backend, prompt, images) }))
        }
        commands::STEER => {
            let r: RunRef = args(command, arg)?;
            let message = r
                .message
                .filter(|m| !m.trim().is_empty())
                .ok_or_else(|| Error::invalid_params("tandem.steer needs a `message`"))?;
            let sent = backend.runs().steer(r.run, message);
            if !sent {
                backend
                    .tell(MessageType::WARNING, "Tandem: no run is going on to steer")
                    .await;
            }
            Ok(json!({ "sent": sent }))
        }
        commands::CANCEL => {
            let r: RunRef = args(command, arg)?;
            Ok(json!({ "cancelled": backend.runs().cancel(r.run) }))
        }
        commands::ACCEPT_HUNK
        | commands::REJECT_HUNK
        | commands::ACCEPT_FILE
        | commands::REJECT_FILE => {
            let a: HunkArgs = args(command, arg)?;
            let path = relative(backend, &a.uri)?;
            let group = a.group.unwrap_or_default();
            let pick = match (command.ends_with("Hunk"), a.hunk) {
                (true, Some(id)) => Pick::Hunk(path, id),
                (true, None) => {
                    return Err(Error::invalid_params(format!("{command} needs `hunk`")));
                }
                (false, _) => Pick::File(path),
            };
            if command.starts_with(commands::ACCEPT_PREFIX) {
                accept(backend, &group, pick).await
            } else {
                reject(backend, &group, pick).await
            }
        }
        commands::ACCEPT_ALL => {
            let a: GroupArgs = args(command, arg)?;
            accept(backend, &a.group, Pick::All).await
        }
        commands::REJECT_ALL => {
            let a: GroupArgs = args(command, arg)?;
            reject(backend, &a.group, Pick::All).await
        }
        commands::RERUN => rerun(backend, args(command, arg)?).await,
        commands::NEW_CONVERSATION => {
            let a: SessionRef = args(command, arg)?;
            match a.session {
                Some(id) => {
                    let found = tandem_core::session::saved::find(&backend.root(), &id)
                        .map_err(Error::invalid_params)?;
                    backend.conversation().continue_with(&found.id);
                    Ok(json!({ "session": found.id }))
                }
                None => {
                    backend.conversation().start_new();
                    Ok(json!({ "session": null }))
                }
            }
        }
        commands::DIFF => {
            let a: HunkArgs = args(command, arg)?;
            Ok(proposed_content(backend, &a.uri, a.group.as_ref()))
        }
        task if task.starts_with(commands::TASK_PREFIX) => {
            super::tasks::execute(backend, task, arg).await
        }
        other => Err(Error::invalid_params(format!("unknown command {other}"))),
    }
}

fn relative(backend: &Backend, uri: &Uri) -> Result<String> {
    backend
        .relative(uri)
        .ok_or_else(|| Error::invalid_params(format!("{} is not in the workspace", uri.as_str())))
}

/// The text the user has of `uri`: the open document, else the file.
fn current_text(backend: &Backend, uri: &Uri) -> String {
    if let Some(text) = backend.docs.text_of(uri) {
        return text;
    }
    file_path(uri)
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default()
}

fn run_prompt(backend: &Backend, command: &str, a: RunArgs) -> Result<String> {
    let place = a.uri.as_ref().map(|uri| {
        let path = backend
            .relative(uri)
            .unwrap_or_else(|| uri.as_str().to_string());
        (path, current_text(backend, uri))
    });
    prompts::for_run(a, place, command == commands::ASK).map_err(Error::invalid_params)
}

/// Drop a conflicted hunk and ask the agent to redo it on the current text.
async fn rerun(backend: &Backend, a: HunkArgs) -> Result<Value> {
    let path = relative(backend, &a.uri)?;
    let id = a
        .hunk
        .ok_or_else(|| Error::invalid_params("tandem.rerun needs `hunk`"))?;
    let group = a.group.unwrap_or_default();
    let reviews = backend.reviews(&group);
    let Some((review, hunk)) = reviews
        .iter()
        .find(|r| r.path == path)
        .and_then(|r| Some((r, r.hunk(&id)?)))
    else {
        return Err(Error::invalid_params("there is no such hunk"));
    };
    let prompt = prompts::rerun(
        &path,
        review.current.as_deref().unwrap_or(""),
        hunk.start,
        hunk.len,
        &hunk.hunk.old_text,
        &hunk.hunk.new_text,
    );
    if let Some(ws) = backend.group(&group) {
        ws.reject(&path, &[&hunk.hunk]);
    }
    super::tasks::close_if_reviewed(backend, &group).await;
    backend.publish_review().await;
    Ok(json!({ "run": runs::start(backend, prompt, Vec::new()) }))
}

/// The full proposed text of a file: the user's text with every pending hunk
/// of one proposal accepted (`tandem/proposedContent`, and what a diff view
/// shows): `group`'s, else the first proposal that changes the file.
pub fn proposed_content(backend: &Backend, uri: &Uri, group: Option<&GroupId>) -> Value {
    let review = match group {
        Some(g) => backend.review_of(uri, g).map(|r| (g.clone(), r)),
        None => backend.reviews_of(uri).into_iter().next(),
    };
    let group = review.as_ref().map(|(g, _)| g.clone());
    let review = review.as_ref().map(|(_, r)| r);
    let current = || {
        file_path(uri)
            .filter(|p| p.exists() || backend.docs.is_open(p))
            .map(|_| current_text(backend, uri))
    };
    let text = proposed_text(review, current);
    json!({
        "uri": uri,
        "exists": text.is_some(),
        "text": text,
        "inProposal": review.is_some(),
        "group": group,
    })
}

/// `tandem/hunks`: a file's hunks placed in the user's text, for clients
/// that draw the proposal inline: the lines each covers now (`start`, `len`,
/// `range`), the lines it puts there (`newLines`), its state, summary,
/// proposal (`group`) and kind of change, and the document version those
/// line numbers refer to. Hunks of every proposal that changes the file,
/// the foreground's first; the file-level fields are the first one's.
pub fn hunks(backend: &Backend, uri: &Uri) -> Value {
    // The version first: should a change land in between, the client sees
    // an older version than the text and asks again.
    let version = backend.docs.version_of(uri);
    let reviews = backend.reviews_of(uri);
    let enc = backend.encoding();
    let mut hunks = Vec::new();
    for (group, r) in &reviews {
        let rope = rope_of(r);
        hunks.extend(r.hunks.iter().map(|h| {
            json!({
                "id": h.id,
                "group": group,
                "kind": r.kind,
                "state": h.state,
                "start": h.start,
                "len": h.len,
                "range": hunk_range(&rope, h, enc),
                "oldLines": h.hunk.old_text.lines().collect::<Vec<_>>(),
                "newLines": h.hunk.new_text.lines().collect::<Vec<_>>(),
                "summary": summary_in(group, r, h),
            })
        }));
    }
    let first = reviews.first().map(|(_, r)| r);
    json!({
        "uri": uri,
        "version": version,
        "inProposal": first.is_some(),
        "kind": first.map(|r| json!(r.kind)).unwrap_or(Value::Null),
        "movedFrom": first.and_then(|r| r.moved_from.clone()),
        "runsCode": first.is_some_and(|r| r.runs_code),
        "hunks": hunks,
    })
}
