//! Code actions: "Fix with Tandem" for each diagnostic in range, "Ask
//! Tandem…" on a selection, "Write tests for this" on a function, and the
//! review actions on a proposed hunk. Listing them is cheap and never calls
//! the model: each is a command the server runs when the user picks it.

use super::groups::GroupId;
use super::position::Encoding;
use super::prompts::function_name;
use super::proposal::{SOURCE, hunk_range, rope_of};
use serde_json::{Value, json};
use tandem_core::changes::protected::RUNS_CODE;
use tandem_core::changes::{FileReview, HunkState};
use tandem_protocol::commands;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Diagnostic, Range, Uri,
};

fn action(title: String, kind: CodeActionKind, command: &str, args: Value) -> CodeAction {
    CodeAction {
        title: title.clone(),
        kind: Some(kind),
        command: Some(Command {
            title,
            command: command.to_string(),
            arguments: Some(vec![args]),
        }),
        ..CodeAction::default()
    }
}

/// Actions that start a run.
pub fn run_actions(
    uri: &Uri,
    range: Range,
    diagnostics: &[Diagnostic],
    line_text: Option<&str>,
) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in diagnostics
        .iter()
        .filter(|d| d.source.as_deref() != Some(SOURCE))
    {
        let short: String = d
            .message
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        let mut a = action(
            format!("Fix with Tandem: {short}"),
            CodeActionKind::QUICKFIX,
            commands::RUN,
            json!({ "uri": uri, "range": d.range, "diagnostic": d }),
        );
        a.diagnostics = Some(vec![d.clone()]);
        out.push(a);
    }
    if range.start != range.end {
        out.push(action(
            "Ask Tandem…".into(),
            CodeActionKind::REFACTOR_REWRITE,
            commands::ASK,
            json!({ "uri": uri, "range": range }),
        ));
    }
    if let Some(name) = line_text.and_then(function_name) {
        out.push(action(
            format!("Write tests for `{name}` with Tandem"),
            CodeActionKind::SOURCE,
            commands::RUN,
            json!({ "uri": uri, "range": range, "function": name }),
        ));
    }
    out
}

/// Review actions for the hunks of `review` that `range` touches (or that
/// the request's tandem diagnostics name). `runs_code`: the proposal's files
/// that run code on the user's machine, which "Accept all" leaves out (and
/// says so); accepting one of them says what it is.
#[allow(clippy::too_many_arguments)]
pub fn review_actions(
    uri: &Uri,
    group: &GroupId,
    range: Range,
    diagnostics: &[Diagnostic],
    review: &FileReview,
    files_in_proposal: usize,
    runs_code: &[String],
    enc: Encoding,
) -> Vec<CodeAction> {
    // A task's answers say whose they are: the same hunk may also be in
    // the foreground's proposal.
    let of = group
        .label()
        .map(|l| format!(" of {l}"))
        .unwrap_or_default();
    let warn = |title: &str| {
        if review.runs_code {
            format!("{title}{of} ({RUNS_CODE})")
        } else {
            format!("{title}{of}")
        }
    };
    let rope = rope_of(review);
    let named: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.source.as_deref() == Some(SOURCE))
        .filter_map(|d| {
            let data = d.data.as_ref()?;
            let in_group = match data.get("group") {
                Some(g) => serde_json::from_value::<GroupId>(g.clone()).ok()? == *group,
                None => *group == GroupId::Run,
            };
            data.get("hunk")?.as_str().filter(|_| in_group)
        })
        .collect();
    let (lo, hi) = (range.start.line as usize, range.end.line as usize);
    let touched = review.hunks.iter().filter(|h| {
        let r = hunk_range(&rope, h, enc);
        let (s, e) = (
            r.start.line as usize,
            (r.end.line as usize).max(r.start.line as usize + 1),
        );
        named.contains(&h.id.as_str()) || (s <= hi && lo < e) || (s == lo && lo == hi)
    });
    let mut out = Vec::new();
    for h in touched {
        let args = json!({ "uri": uri, "hunk": h.id, "group": group });
        if h.state == HunkState::Pending {
            out.push(action(
                warn("Accept hunk"),
                CodeActionKind::QUICKFIX,
                commands::ACCEPT_HUNK,
                args.clone(),
            ));
        } else {
            out.push(action(
                format!("Re-run this change{of}"),
                CodeActionKind::QUICKFIX,
                commands::RERUN,
                args.clone(),
            ));
        }
        out.push(action(
            format!("Reject hunk{of}"),
            CodeActionKind::QUICKFIX,
            commands::REJECT_HUNK,
            args,
        ));
    }
    if out.is_empty() {
        return out;
    }
    let file = json!({ "uri": uri, "group": group });
    out.push(action(
        warn("Accept file"),
        CodeActionKind::SOURCE,
        commands::ACCEPT_FILE,
        file,
    ));
    let n = files_in_proposal - runs_code.len().min(files_in_proposal);
    let files = if n == 1 { "file" } else { "files" };
    let left_out = match runs_code {
        [] => String::new(),
        [one] => format!("; leaves out {one}, which {RUNS_CODE}"),
        many => format!("; leaves out {} files that {RUNS_CODE}", many.len()),
    };
    out.push(action(
        format!("Accept all{of} ({n} {files}{left_out})"),
        CodeActionKind::SOURCE,
        commands::ACCEPT_ALL,
        json!({ "group": group }),
    ));
    out.push(action(
        format!("Reject all{of}"),
        CodeActionKind::SOURCE,
        commands::REJECT_ALL,
        json!({ "group": group }),
    ));
    out
}

pub fn into_response(actions: Vec<CodeAction>) -> Vec<CodeActionOrCommand> {
    actions
        .into_iter()
        .map(CodeActionOrCommand::CodeAction)
        .collect()
}
