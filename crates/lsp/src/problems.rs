//! The editor's diagnostics from other language servers, kept per file for
//! the agent's `diagnostics` tool. Clients send them with the
//! `tandem/diagnostics` notification (the full list for a file, replacing
//! the last); the diagnostics of a code action's context fill in for files
//! no notification covered.

use serde::Deserialize;
use std::collections::BTreeMap;
use tandem_core::sync::Mutex;
use tandem_core::tools::diagnostics::{Problem, Problems};
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Uri};

/// `tandem/diagnostics` parameters: publishDiagnostics' shape.
#[derive(Debug, Deserialize)]
pub struct DiagnosticsParams {
    pub uri: Uri,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Default)]
pub struct EditorProblems {
    /// Path → (problems, complete list from a notification?).
    by_path: Mutex<BTreeMap<String, (Vec<Problem>, bool)>>,
}

impl EditorProblems {
    /// A client's full list for `path`.
    pub fn set(&self, path: String, diagnostics: &[Diagnostic]) {
        let list = convert(diagnostics);
        self.by_path.lock().insert(path, (list, true));
    }

    /// What a code action's context carried (only the problems near the
    /// cursor): kept unless a full list arrived for that file.
    pub fn seen(&self, path: String, diagnostics: &[Diagnostic]) {
        let list = convert(diagnostics);
        let mut map = self.by_path.lock();
        match map.get_mut(&path) {
            Some((_, true)) => {}
            Some((old, false)) => {
                for p in list {
                    if !old.contains(&p) {
                        old.push(p);
                    }
                }
            }
            None if !list.is_empty() => {
                map.insert(path, (list, false));
            }
            None => {}
        }
    }
}

impl Problems for EditorProblems {
    fn problems(&self, path: &str) -> Option<Vec<Problem>> {
        self.by_path.lock().get(path).map(|(l, _)| l.clone())
    }

    fn files(&self) -> Vec<String> {
        self.by_path
            .lock()
            .iter()
            .filter(|(_, (l, _))| !l.is_empty())
            .map(|(p, _)| p.clone())
            .collect()
    }
}

/// Tandem's own hint diagnostics (the review) are not problems.
fn convert(diagnostics: &[Diagnostic]) -> Vec<Problem> {
    diagnostics
        .iter()
        .filter(|d| d.source.as_deref() != Some("tandem"))
        .map(|d| Problem {
            line: d.range.start.line + 1,
            column: d.range.start.character + 1,
            severity: match d.severity {
                Some(DiagnosticSeverity::ERROR) => "error",
                Some(DiagnosticSeverity::WARNING) => "warning",
                Some(DiagnosticSeverity::INFORMATION) => "info",
                _ => "hint",
            }
            .into(),
            source: d.source.clone(),
            code: d.code.as_ref().map(|c| match c {
                NumberOrString::String(s) => s.clone(),
                NumberOrString::Number(n) => n.to_string(),
            }),
            message: d.message.clone(),
        })
        .collect()
}
