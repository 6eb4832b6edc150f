//! `workspace/executeCommand`: starting, steering and cancelling runs, and
//! answering the proposal hunk by hunk, file by file or all at once.

use super::backend::Backend;
use super::documents::file_path;
use super::prompts::{self, RunArgs};
use super::proposal::{accept_edit, hunk_range, rope_of, summary};
use super::runs;
use serde::Deserialize;
use serde_json::{Value, json};
use tandem_core::changes::merge::{TextReview, merged_text};
use tandem_core::changes::protected::RUNS_CODE;
use tandem_core::changes::{ChangeKind, FileReview, HunkState, ReviewHunk};
use tandem_protocol::commands;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{MessageType, Uri};

/// The commands handled here, as the server advertises them.
pub const COMMANDS: &[&str] = commands::RUNS;

#[derive(Debug, Deserialize)]
struct HunkArgs {
    uri: Uri,
    hunk: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RunRef {
    run: Option<u64>,
    message: Option<String>,
}

/// Which hunks an answer is about.
pub enum Pick {
    Hunk(String, String),
    File(String),
    All,
}

pub(super) fn args<T: for<'de> Deserialize<'de>>(command: &str, arg: Value) -> Result<T> {
    serde_json::from_value(arg)
        .map_err(|e| Error::invalid_params(format!("bad arguments for {command}: {e}")))
}

pub async fn execute(backend: &Backend, command: &str, arguments: Vec<Value>) -> Result<Value> {
    let arg = arguments.into_iter().next().unwrap_or_else(|| json!({}));
    match command {
        commands::RUN | commands::ASK => {
            let prompt = run_prompt(backend, command, args(command, arg)?)?;
            Ok(json!({ "run": runs::start(backend, prompt) }))
        }
        commands::STEER => {
            let r: RunRef = args(command, arg)?;
            let message = r
                .message
                .filter(|m| !m.trim().is_empty())
                .ok_or_else(|| Error::invalid_params("tandem.steer needs a `message`"))?;
            let sent = runs::steer(backend, r.run, message);
            if !sent {
                backend
                    .tell(MessageType::WARNING, "Tandem: no run is going on to steer")
                    .await;
            }
            Ok(json!({ "sent": sent }))
        }
        commands::CANCEL => {
            let r: RunRef = args(command, arg)?;
            Ok(json!({ "cancelled": runs::cancel(backend, r.run) }))
        }
        commands::ACCEPT_HUNK
        | commands::REJECT_HUNK
        | commands::ACCEPT_FILE
        | commands::REJECT_FILE => {
            let a: HunkArgs = args(command, arg)?;
            let path = relative(backend, &a.uri)?;
            let pick = match (command.ends_with("Hunk"), a.hunk) {
                (true, Some(id)) => Pick::Hunk(path, id),
                (true, None) => {
                    return Err(Error::invalid_params(format!("{command} needs `hunk`")));
                }
                (false, _) => Pick::File(path),
            };
            if command.starts_with(commands::ACCEPT_PREFIX) {
                accept(backend, pick).await
            } else {
                reject(backend, pick).await
            }
        }
        commands::ACCEPT_ALL => accept(backend, Pick::All).await,
        commands::REJECT_ALL => reject(backend, Pick::All).await,
        commands::RERUN => rerun(backend, args(command, arg)?).await,
        commands::DIFF => {
            let a: HunkArgs = args(command, arg)?;
            Ok(proposed_content(backend, &a.uri))
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
    if let Some(doc) = backend.docs.lock().by_uri(uri) {
        return doc.rope.to_string();
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
    let prompt = a.prompt.filter(|p| !p.trim().is_empty());
    let text = match (&place, a.diagnostic, a.function, prompt, a.range) {
        (Some((path, text)), Some(d), _, extra, _) => {
            let base = prompts::fix(path, text, &d);
            extra.map_or(base.clone(), |e| format!("{base}\n\n{e}"))
        }
        (Some((path, _)), None, Some(name), extra, range) => {
            let line = range.map_or(0, |r| r.start.line);
            let base = prompts::tests(path, &name, line);
            extra.map_or(base.clone(), |e| format!("{base}\n\n{e}"))
        }
        (Some((path, text)), None, None, Some(p), Some(range)) if range.start != range.end => {
            prompts::ask(&p, path, text, &range)
        }
        (Some((path, _)), None, None, Some(p), _) => {
            format!("{p}\n\n(The user is looking at {path}.)")
        }
        (None, _, _, Some(p), _) => p,
        _ if command == commands::ASK => {
            return Err(Error::invalid_params(
                "tandem.ask needs a `prompt`: the editor asks the user for one",
            ));
        }
        _ => return Err(Error::invalid_params("tandem.run needs a `prompt`")),
    };
    Ok(text)
}

fn chosen<'a>(
    reviews: &'a [FileReview],
    pick: &Pick,
) -> Vec<(&'a FileReview, Vec<&'a ReviewHunk>)> {
    reviews
        .iter()
        .filter_map(|r| {
            let hunks: Vec<&ReviewHunk> = match pick {
                Pick::Hunk(path, id) if *path == r.path => {
                    r.hunks.iter().filter(|h| h.id == *id).collect()
                }
                Pick::File(path) if *path == r.path => r.hunks.iter().collect(),
                // Never a file that runs code on the user's machine: that
                // one is accepted by name (its file or hunk).
                Pick::All if r.runs_code => return None,
                Pick::All => r.hunks.iter().collect(),
                _ => return None,
            };
            Some((r, hunks)).filter(|(_, h)| !h.is_empty())
        })
        .collect()
}

/// Send the edit for the picked pending hunks; only once the editor has
/// applied it do they leave the proposal. A refused edit changes nothing.
pub async fn accept(backend: &Backend, pick: Pick) -> Result<Value> {
    let reviews = backend.reviews();
    let picked = chosen(&reviews, &pick);
    let pending: Vec<(&FileReview, Vec<&ReviewHunk>)> = picked
        .iter()
        .map(|(r, hs)| {
            (
                *r,
                hs.iter()
                    .copied()
                    .filter(|h| h.state == HunkState::Pending)
                    .collect(),
            )
        })
        .filter(|(_, hs): &(_, Vec<_>)| !hs.is_empty())
        .collect();
    let conflicted: usize = picked
        .iter()
        .map(|(_, hs)| {
            hs.iter()
                .filter(|h| h.state == HunkState::Conflicted)
                .count()
        })
        .sum();
    // What "Accept all" leaves out, so the user hears of it.
    let left_out: Vec<&str> = match &pick {
        Pick::All => reviews
            .iter()
            .filter(|r| r.runs_code && r.pending().next().is_some())
            .map(|r| r.path.as_str())
            .collect(),
        _ => Vec::new(),
    };
    if !left_out.is_empty() {
        backend
            .tell(
                MessageType::WARNING,
                format!(
                    "Tandem: left out of Accept all, because each {RUNS_CODE}: {}. Review and accept them one by one.",
                    left_out.join(", ")
                ),
            )
            .await;
    }
    if pending.is_empty() {
        let why = if conflicted > 0 {
            "it conflicts with your edits: re-run or reject it"
        } else if !left_out.is_empty() {
            "the files left run code on your machine: accept each one by itself"
        } else {
            "there is no such pending change"
        };
        backend
            .tell(
                MessageType::WARNING,
                format!("Tandem: nothing accepted, {why}"),
            )
            .await;
        return Ok(json!({ "applied": false, "reason": why, "leftOut": left_out }));
    }
    let edit = {
        let docs = backend.docs.lock();
        accept_edit(&backend.root(), &docs, &pending, backend.encoding())
    };
    let response = backend.client.apply_edit(edit).await;
    let (applied, reason) = match response {
        Ok(r) => (r.applied, r.failure_reason),
        Err(e) => (false, Some(e.to_string())),
    };
    if applied {
        if let Some(ws) = backend.workspace() {
            let mut state = backend.state.lock();
            for (review, hunks) in &pending {
                let hs: Vec<_> = hunks.iter().map(|h| &h.hunk).collect();
                ws.accept(&review.path, &hs);
                *state.reviewed.entry(review.path.clone()).or_default() += hunks.len();
            }
        }
    } else {
        let why = reason
            .clone()
            .unwrap_or_else(|| "the editor refused it".into());
        backend
            .tell(
                MessageType::WARNING,
                format!("Tandem: the change was not applied ({why}); it stays pending"),
            )
            .await;
    }
    backend.publish_review().await;
    Ok(json!({
        "applied": applied,
        "reason": reason,
        "skippedConflicts": conflicted,
        "leftOut": left_out,
    }))
}

async fn reject(backend: &Backend, pick: Pick) -> Result<Value> {
    let reviews = backend.reviews();
    let picked = chosen(&reviews, &pick);
    let mut n = 0;
    if let Some(ws) = backend.workspace() {
        let mut state = backend.state.lock();
        for (review, hunks) in &picked {
            let hs: Vec<_> = hunks.iter().map(|h| &h.hunk).collect();
            ws.reject(&review.path, &hs);
            n += hunks.len();
            *state.reviewed.entry(review.path.clone()).or_default() += hunks.len();
        }
    }
    backend.publish_review().await;
    Ok(json!({ "rejected": n }))
}

/// Drop a conflicted hunk and ask the agent to redo it on the current text.
async fn rerun(backend: &Backend, a: HunkArgs) -> Result<Value> {
    let path = relative(backend, &a.uri)?;
    let id = a
        .hunk
        .ok_or_else(|| Error::invalid_params("tandem.rerun needs `hunk`"))?;
    let reviews = backend.reviews();
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
    if let Some(ws) = backend.workspace() {
        ws.reject(&path, &[&hunk.hunk]);
    }
    backend.publish_review().await;
    Ok(json!({ "run": runs::start(backend, prompt) }))
}

/// The full proposed text of a file: the user's text with every pending hunk
/// accepted (`tandem/proposedContent`, and what a diff view shows).
pub fn proposed_content(backend: &Backend, uri: &Uri) -> Value {
    let review = backend.review_of(uri);
    let review = review.as_ref();
    let current = || {
        file_path(uri)
            .filter(|p| p.exists() || backend.docs.lock().get(p).is_some())
            .map(|_| current_text(backend, uri))
    };
    let text = match review {
        None => current(),
        Some(r) if r.kind == ChangeKind::Modified => {
            let review = TextReview {
                hunks: r.hunks.clone(),
                settled: Vec::new(),
            };
            r.current.as_deref().map(|c| merged_text(c, &review))
        }
        Some(r) => match r.hunks.first() {
            Some(h) if h.state == HunkState::Pending && r.kind == ChangeKind::Deleted => None,
            Some(h) if h.state == HunkState::Pending => Some(h.hunk.new_text.clone()),
            _ => r.current.clone(),
        },
    };
    json!({
        "uri": uri,
        "exists": text.is_some(),
        "text": text,
        "inProposal": review.is_some(),
    })
}

/// `tandem/hunks`: a file's hunks placed in the user's text, for clients
/// that draw the proposal inline: the lines each covers now (`start`, `len`,
/// `range`), the lines it puts there (`newLines`), its state and summary,
/// and the document version those line numbers refer to.
pub fn hunks(backend: &Backend, uri: &Uri) -> Value {
    // The version first: should a change land in between, the client sees
    // an older version than the text and asks again.
    let version = backend.docs.lock().by_uri(uri).map(|d| d.version);
    let review = backend.review_of(uri);
    let review = review.as_ref();
    let enc = backend.encoding();
    let (kind, hunks) = match review {
        None => (Value::Null, Vec::new()),
        Some(r) => {
            let rope = rope_of(r);
            let hunks = r
                .hunks
                .iter()
                .map(|h| {
                    json!({
                        "id": h.id,
                        "state": h.state,
                        "start": h.start,
                        "len": h.len,
                        "range": hunk_range(&rope, h, enc),
                        "oldLines": h.hunk.old_text.lines().collect::<Vec<_>>(),
                        "newLines": h.hunk.new_text.lines().collect::<Vec<_>>(),
                        "summary": summary(r, h),
                    })
                })
                .collect();
            (json!(r.kind), hunks)
        }
    };
    json!({
        "uri": uri,
        "version": version,
        "inProposal": review.is_some(),
        "kind": kind,
        "movedFrom": review.and_then(|r| r.moved_from.clone()),
        "runsCode": review.is_some_and(|r| r.runs_code),
        "hunks": hunks,
    })
}
