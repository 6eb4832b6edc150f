//! Answering the proposal through the editor: accepting sends the picked
//! pending hunks as `workspace/applyEdit` and takes them out of the
//! proposal only once the editor applied them; rejecting takes them out
//! at once. Each answer is about one proposal (`group`): the foreground
//! run's or a task's. Which hunks a pick covers is `pick.rs`; this file
//! talks to the editor. Used by the review commands and by applying a task.

use super::backend::Backend;
use super::groups::GroupId;
use super::pick::{AcceptPlan, Pick, chosen};
use super::proposal::{accept_edit, uri_of};
use serde_json::{Value, json};
use tandem_core::changes::ChangeKind;
use tandem_core::changes::protected::RUNS_CODE;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::MessageType;

/// Send the edit for the picked pending hunks of `group`; only once the
/// editor has applied it do they leave the proposal. A refused edit
/// changes nothing. The answer names the files the edit created
/// (`created`): an editor holds a created file as an unsaved buffer, and
/// saves it so the file on disk has its content.
pub async fn accept(backend: &Backend, group: &GroupId, pick: Pick) -> Result<Value> {
    let reviews = backend.reviews(group);
    let plan = AcceptPlan::of(&reviews, &pick);
    let AcceptPlan {
        pending,
        conflicted,
        left_out,
    } = &plan;
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
    if let Some(why) = plan.nothing_because() {
        backend
            .tell(
                MessageType::WARNING,
                format!("Tandem: nothing accepted, {why}"),
            )
            .await;
        return Ok(json!({ "applied": false, "reason": why, "leftOut": left_out, "created": [] }));
    }
    let (root, enc) = (backend.root(), backend.encoding());
    let edit = backend
        .docs
        .with(|docs| accept_edit(&root, docs, pending, enc));
    let response = backend.client.apply_edit(edit).await;
    let (applied, reason) = match response {
        Ok(r) => (r.applied, r.failure_reason),
        Err(e) => (false, Some(e.to_string())),
    };
    let mut created = Vec::new();
    if applied {
        if let Some(ws) = backend.group(group) {
            for (review, hunks) in pending {
                let hs: Vec<_> = hunks.iter().map(|h| &h.hunk).collect();
                ws.accept(&review.path, &hs);
                backend
                    .marks()
                    .count_reviewed(group, &review.path, hunks.len());
                if matches!(review.kind, ChangeKind::Added | ChangeKind::Moved) {
                    created.push(uri_of(&root, &review.path));
                }
            }
        }
        if let GroupId::Task(id) = group {
            let n = pending.iter().map(|(_, hs)| hs.len()).sum();
            backend.task_groups().count_accepted(id, n);
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
    super::tasks::close_if_reviewed(backend, group).await;
    backend.publish_review().await;
    Ok(json!({
        "applied": applied,
        "reason": reason,
        "skippedConflicts": conflicted,
        "leftOut": left_out,
        "created": created,
    }))
}

/// Take the picked hunks out of `group`'s proposal.
pub async fn reject(backend: &Backend, group: &GroupId, pick: Pick) -> Result<Value> {
    let reviews = backend.reviews(group);
    let picked = chosen(&reviews, &pick);
    let mut n = 0;
    if let Some(ws) = backend.group(group) {
        for (review, hunks) in &picked {
            let hs: Vec<_> = hunks.iter().map(|h| &h.hunk).collect();
            ws.reject(&review.path, &hs);
            n += hunks.len();
            backend
                .marks()
                .count_reviewed(group, &review.path, hunks.len());
        }
    }
    super::tasks::close_if_reviewed(backend, group).await;
    backend.publish_review().await;
    Ok(json!({ "rejected": n }))
}
