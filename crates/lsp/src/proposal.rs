//! The proposal in LSP terms: code lenses and hint diagnostics over each
//! hunk, and the versioned `WorkspaceEdit` that accepting hunks sends.
//! Pure functions of the core's `FileReview`s and the open documents.

use super::documents::Documents;
use super::groups::GroupId;
use super::position::{Encoding, line_start, to_position};
use ropey::Rope;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use tandem_core::changes::protected::RUNS_CODE;
use tandem_core::changes::{ChangeKind, FileReview, HunkState, ReviewHunk};
use tandem_protocol::commands;
use tower_lsp_server::ls_types::{
    CodeLens, Command, CreateFile, CreateFileOptions, DeleteFile, DeleteFileOptions, Diagnostic,
    DiagnosticRelatedInformation, DiagnosticSeverity, DocumentChangeOperation, DocumentChanges,
    Location, OneOf, OptionalVersionedTextDocumentIdentifier, Position, Range, RenameFile,
    RenameFileOptions, ResourceOp, TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

pub const SOURCE: &str = "tandem";

pub fn uri_of(root: &Path, rel: &str) -> Uri {
    Uri::from_file_path(root.join(rel)).expect("workspace paths are absolute")
}

/// The user's text of a reviewed file, for positions.
pub fn rope_of(review: &FileReview) -> Rope {
    Rope::from_str(review.current.as_deref().unwrap_or(""))
}

pub fn hunk_range(rope: &Rope, h: &ReviewHunk, enc: Encoding) -> Range {
    Range::new(
        line_start(rope, h.start, enc),
        line_start(rope, h.start + h.len, enc),
    )
}

/// One line saying what a hunk does.
pub fn summary(review: &FileReview, h: &ReviewHunk) -> String {
    let first = h
        .hunk
        .new_text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| {
            let short: String = l.chars().take(60).collect();
            format!(": {short}")
        })
        .unwrap_or_default();
    let (old, new) = (h.hunk.old_len, h.hunk.new_len);
    let what = match review.kind {
        ChangeKind::Added => format!("new file, {new} lines"),
        ChangeKind::Deleted => "delete this file".to_string(),
        ChangeKind::Moved => format!(
            "move from {}",
            review.moved_from.as_deref().unwrap_or("elsewhere")
        ),
        ChangeKind::Modified if old == 0 => format!("insert {new} line{}", plural(new)),
        ChangeKind::Modified if new == 0 => format!("delete {old} line{}", plural(old)),
        ChangeKind::Modified => format!("replace {old} line{} with {new}", plural(old)),
    };
    // Said before the rest: the problems list may cut the message short.
    let warn = if review.runs_code {
        format!(" (this file {RUNS_CODE})")
    } else {
        String::new()
    };
    match h.state {
        HunkState::Pending => format!("Tandem proposes{warn}: {what}{first}"),
        HunkState::Conflicted => {
            format!("Tandem's change{warn} ({what}) overlaps your edit: re-run or reject it")
        }
    }
}

/// `summary`, said with the task it comes from when it is a task's.
pub fn summary_in(group: &GroupId, review: &FileReview, h: &ReviewHunk) -> String {
    match group.label() {
        Some(label) => format!("[{label}] {}", summary(review, h)),
        None => summary(review, h),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn command(title: impl Into<String>, name: &str, args: serde_json::Value) -> Command {
    Command {
        title: title.into(),
        command: name.to_string(),
        arguments: Some(vec![args]),
    }
}

/// Lenses for one file of one proposal: `Accept file | Reject file | k of
/// n hunks` at the top (after the task's name for a task's), and `Accept |
/// Reject | Diff` (or `Re-run | Reject` when conflicted) above each hunk.
/// Every command names the proposal (`group`), so answering a task's hunk
/// never answers the foreground's.
pub fn code_lenses(
    uri: &Uri,
    group: &GroupId,
    review: &FileReview,
    reviewed: usize,
    enc: Encoding,
) -> Vec<CodeLens> {
    let rope = rope_of(review);
    let top = Range::new(Position::new(0, 0), Position::new(0, 0));
    let file = json!({ "uri": uri, "group": group });
    let open = review.hunks.len();
    let lens = |range: Range, c: Command| CodeLens {
        range,
        command: Some(c),
        data: None,
    };
    let accept_file = if review.runs_code {
        format!("Accept file ({RUNS_CODE})")
    } else {
        "Accept file".to_string()
    };
    let mut out: Vec<CodeLens> = group
        .label()
        .map(|label| {
            lens(
                top,
                Command {
                    title: format!("Tandem {label}:"),
                    command: String::new(),
                    arguments: None,
                },
            )
        })
        .into_iter()
        .collect();
    out.extend([
        lens(
            top,
            command(accept_file, commands::ACCEPT_FILE, file.clone()),
        ),
        lens(
            top,
            command("Reject file", commands::REJECT_FILE, file.clone()),
        ),
        lens(
            top,
            Command {
                title: format!("{open} of {} hunks", open + reviewed),
                command: String::new(),
                arguments: None,
            },
        ),
    ]);
    for h in &review.hunks {
        let range = hunk_range(&rope, h, enc);
        let at = Range::new(range.start, range.start);
        let args = json!({ "uri": uri, "hunk": h.id, "group": group });
        match h.state {
            HunkState::Pending => {
                out.push(lens(
                    at,
                    command("Accept", commands::ACCEPT_HUNK, args.clone()),
                ));
                out.push(lens(
                    at,
                    command("Reject", commands::REJECT_HUNK, args.clone()),
                ));
                out.push(lens(at, command("Diff", commands::DIFF, file.clone())));
            }
            HunkState::Conflicted => {
                out.push(lens(at, command("Re-run", commands::RERUN, args.clone())));
                out.push(lens(at, command("Reject", commands::REJECT_HUNK, args)));
            }
        }
    }
    out
}

/// A diagnostic per hunk (hint when pending, warning when conflicted), with
/// the proposal's other files (`files`: path and hunk count of every file)
/// as related information so the problems list reads as the multi-file
/// review list.
pub fn diagnostics(
    root: &Path,
    group: &GroupId,
    review: &FileReview,
    files: &BTreeMap<String, usize>,
    enc: Encoding,
) -> Vec<Diagnostic> {
    let rope = rope_of(review);
    let related: Vec<DiagnosticRelatedInformation> = files
        .iter()
        .filter(|(path, _)| **path != review.path)
        .take(20)
        .map(|(path, hunks)| DiagnosticRelatedInformation {
            location: Location::new(
                uri_of(root, path),
                Range::new(Position::new(0, 0), Position::new(0, 0)),
            ),
            message: format!(
                "also in this proposal: {path} ({hunks} hunk{})",
                plural(*hunks)
            ),
        })
        .collect();
    review
        .hunks
        .iter()
        .map(|h| Diagnostic {
            range: hunk_range(&rope, h, enc),
            severity: Some(match h.state {
                HunkState::Pending => DiagnosticSeverity::HINT,
                HunkState::Conflicted => DiagnosticSeverity::WARNING,
            }),
            source: Some(SOURCE.to_string()),
            message: summary_in(group, review, h),
            related_information: (!related.is_empty()).then(|| related.clone()),
            data: Some(json!({ "hunk": h.id, "path": review.path, "group": group })),
            ..Diagnostic::default()
        })
        .collect()
}

/// The edit that accepts `chosen` hunks of each file: text edits at the
/// version the server last saw for open documents (so a client holding
/// newer text refuses it), and create / rename / delete operations for
/// whole-file changes.
pub fn accept_edit(
    root: &Path,
    docs: &Documents,
    chosen: &[(&FileReview, Vec<&ReviewHunk>)],
    enc: Encoding,
) -> WorkspaceEdit {
    let mut ops: Vec<DocumentChangeOperation> = Vec::new();
    for (review, hunks) in chosen {
        if hunks.is_empty() {
            continue;
        }
        let uri = uri_of(root, &review.path);
        let versioned = |uri: &Uri| OptionalVersionedTextDocumentIdentifier {
            uri: uri.clone(),
            version: docs.by_uri(uri).map(|d| d.version),
        };
        let text_edit = |uri: &Uri, edits: Vec<TextEdit>| {
            DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: versioned(uri),
                edits: edits.into_iter().map(OneOf::Left).collect(),
            })
        };
        let proposed = hunks[0].hunk.new_text.clone();
        let start = Range::new(Position::new(0, 0), Position::new(0, 0));
        match review.kind {
            ChangeKind::Modified => {
                let rope = rope_of(review);
                let edits = hunks
                    .iter()
                    .map(|h| TextEdit::new(hunk_range(&rope, h, enc), h.hunk.new_text.clone()))
                    .collect();
                ops.push(text_edit(&uri, edits));
            }
            ChangeKind::Added => {
                ops.push(DocumentChangeOperation::Op(ResourceOp::Create(
                    CreateFile {
                        uri: uri.clone(),
                        options: Some(CreateFileOptions {
                            overwrite: Some(false),
                            ignore_if_exists: Some(false),
                        }),
                        annotation_id: None,
                    },
                )));
                // An editor may hold the new file open as an empty buffer
                // (Neovim's is "\n"): its whole text becomes the file's, or
                // the blank line would stay at the end.
                let whole = docs.by_uri(&uri).map_or(start, |d| {
                    Range::new(
                        Position::new(0, 0),
                        to_position(&d.rope, d.rope.len_chars(), enc),
                    )
                });
                if !proposed.is_empty() {
                    ops.push(text_edit(&uri, vec![TextEdit::new(whole, proposed)]));
                }
            }
            ChangeKind::Deleted => {
                ops.push(DocumentChangeOperation::Op(ResourceOp::Delete(
                    DeleteFile {
                        uri: uri.clone(),
                        options: Some(DeleteFileOptions {
                            recursive: Some(false),
                            ignore_if_not_exists: Some(true),
                        }),
                        annotation_id: None,
                    },
                )));
            }
            ChangeKind::Moved => {
                let from = review.moved_from.as_deref().unwrap_or_default();
                let from_uri = uri_of(root, from);
                let old = std::fs::read_to_string(root.join(from)).unwrap_or_default();
                ops.push(DocumentChangeOperation::Op(ResourceOp::Rename(
                    RenameFile {
                        old_uri: from_uri,
                        new_uri: uri.clone(),
                        options: Some(RenameFileOptions {
                            overwrite: Some(false),
                            ignore_if_exists: Some(false),
                        }),
                        annotation_id: None,
                    },
                )));
                if old != proposed {
                    let rope = Rope::from_str(&old);
                    let all = Range::new(
                        Position::new(0, 0),
                        to_position(&rope, rope.len_chars(), enc),
                    );
                    let edit = TextDocumentEdit {
                        text_document: OptionalVersionedTextDocumentIdentifier {
                            uri: uri.clone(),
                            version: None,
                        },
                        edits: vec![OneOf::Left(TextEdit::new(all, proposed))],
                    };
                    ops.push(DocumentChangeOperation::Edit(edit));
                }
            }
        }
    }
    WorkspaceEdit {
        changes: None,
        document_changes: Some(DocumentChanges::Operations(ops)),
        change_annotations: None,
    }
}
