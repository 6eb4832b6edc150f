//! Settings files with a problem are shown where the problem is: an error
//! diagnostic in `.tandem/config.toml`, the user's config, or a Claude
//! settings file, at the line and column the parser names, redrawn as the
//! user types. Runs keep the last settings that loaded.

use super::position::{Encoding, to_position};
use super::proposal::SOURCE;
use ropey::Rope;
use std::path::{Path, PathBuf};
use tandem_config::{check_file, claude, project_config_path, user_config_path};
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, Range};

/// The settings files of a workspace.
pub fn files(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = user_config_path().into_iter().collect();
    out.push(project_config_path(root));
    let home = dirs::home_dir();
    out.extend(
        claude::settings_files(root, home.as_deref())
            .into_iter()
            .map(|(p, _)| p),
    );
    out
}

/// Diagnostics for one settings file's text (empty when it is fine).
pub fn check(root: &Path, path: &Path, text: &str, enc: Encoding) -> Vec<Diagnostic> {
    let problem = if path.extension().is_some_and(|e| e == "json") {
        let base = path
            .parent()
            .and_then(Path::parent)
            .unwrap_or(root)
            .to_path_buf();
        claude::check_text(text, &base).err()
    } else {
        check_file(path, text)
            .err()
            .map(|e| (e.line.unwrap_or(1), e.column.unwrap_or(1), e.message))
    };
    let Some((line, column, message)) = problem else {
        return Vec::new();
    };
    let rope = Rope::from_str(text);
    let line = (line.max(1) - 1).min(rope.len_lines().saturating_sub(1));
    let line_start = rope.line_to_char(line);
    let line_len = rope.line(line).len_chars();
    let at = line_start + (column.max(1) - 1).min(line_len);
    let end = line_start
        + rope
            .line(line)
            .to_string()
            .trim_end_matches(['\n', '\r'])
            .chars()
            .count();
    vec![Diagnostic {
        range: Range::new(
            to_position(&rope, at, enc),
            to_position(&rope, end.max(at), enc),
        ),
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some(SOURCE.to_string()),
        message: format!("{message} (Tandem keeps using the last settings that loaded)"),
        ..Diagnostic::default()
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_key_is_marked_at_its_line() {
        let d = check(
            Path::new("/w"),
            Path::new("/w/.tandem/config.toml"),
            "[model]\nprovider = \"anthropic\"\nmodle = \"x\"\n",
            Encoding::Utf16,
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].range.start.line, 2);
        assert!(d[0].message.contains("modle"), "{}", d[0].message);
    }

    #[test]
    fn broken_json_is_marked_and_good_files_are_clear() {
        let path = Path::new("/w/.claude/settings.json");
        let d = check(
            Path::new("/w"),
            path,
            "{\n  \"permissions\": [\n",
            Encoding::Utf16,
        );
        assert_eq!(d.len(), 1);
        assert!(check(Path::new("/w"), path, "{}", Encoding::Utf16).is_empty());
    }
}
