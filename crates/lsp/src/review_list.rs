//! `tandem/review`: every proposal under review as one list, what both
//! clients show as their review list (VS Code's "Tandem: Changes" tree,
//! Neovim's `:Tandem review`): the foreground run's proposal, then each
//! task opened for review, their files, and each file's hunks with where
//! they are and what they do. Finished tasks not yet opened are listed
//! after them (`waiting`), so the list can offer to open one.

use super::backend::Backend;
use super::groups::{Group, GroupId};
use super::proposal::{summary_in, uri_of};
use super::tasks::TaskInfo;
use serde_json::{Value, json};
use std::path::Path;
use tandem_core::changes::FileReview;
use tandem_core::tasks::{Store, TaskState};
use tandem_protocol::PROTOCOL_VERSION;

pub fn list(backend: &Backend) -> Value {
    let root = backend.root();
    let store = Store::open(&root).ok();
    let task = |id: &str| {
        let meta = store.as_ref()?.load(id).ok()?;
        Some(TaskInfo::from(&meta))
    };
    let groups: Vec<Value> = backend
        .groups()
        .iter()
        .map(|g| group(&root, g, task))
        .collect();
    let open: Vec<String> = backend
        .task_groups()
        .all()
        .into_iter()
        .filter_map(|g| match g.id {
            GroupId::Task(id) => Some(id),
            GroupId::Run => None,
        })
        .collect();
    let waiting: Vec<TaskInfo> = store
        .map(|s| s.list())
        .unwrap_or_default()
        .iter()
        .filter(|m| matches!(m.state, TaskState::Done | TaskState::TurnLimit))
        .filter(|m| !m.files.is_empty() && !open.contains(&m.id))
        .map(TaskInfo::from)
        .collect();
    json!({ "v": PROTOCOL_VERSION, "groups": groups, "waiting": waiting })
}

fn group(root: &Path, g: &Group, task: impl Fn(&str) -> Option<TaskInfo>) -> Value {
    let files: Vec<Value> = g.ws.review().iter().map(|r| file(root, &g.id, r)).collect();
    let hunks: usize = files
        .iter()
        .map(|f| f["hunks"].as_array().map_or(0, Vec::len))
        .sum();
    let (kind, info) = match &g.id {
        GroupId::Run => ("run", None),
        GroupId::Task(id) => ("task", task(id)),
    };
    json!({
        "id": g.id,
        "kind": kind,
        "title": g.title,
        "task": info,
        "hunks": hunks,
        "files": files,
    })
}

fn file(root: &Path, group: &GroupId, r: &FileReview) -> Value {
    let hunks: Vec<Value> = r
        .hunks
        .iter()
        .map(|h| {
            json!({
                "id": h.id,
                "state": h.state,
                "start": h.start,
                "len": h.len,
                "added": h.hunk.new_len,
                "removed": h.hunk.old_len,
                "summary": summary_in(group, r, h),
            })
        })
        .collect();
    json!({
        "uri": uri_of(root, &r.path),
        "path": r.path,
        "kind": r.kind,
        "movedFrom": r.moved_from,
        "runsCode": r.runs_code,
        "hunks": hunks,
    })
}
