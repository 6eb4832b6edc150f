use super::Settings;
use std::fmt;
use std::path::{Path, PathBuf};

/// A config file that could not be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column, when the parser could tell.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// One source of settings, lowest priority first when passed to `load_settings`.
pub enum Layer {
    File(PathBuf),
    /// Settings given in memory (flags, editor options), as a TOML table.
    Table(toml::Table),
}

/// `$XDG_CONFIG_HOME/tandem/config.toml` (usually `~/.config/tandem/config.toml`).
pub fn user_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("tandem").join("config.toml"))
}

pub fn project_config_path(root: &Path) -> PathBuf {
    root.join(".tandem").join("config.toml")
}

/// Merge the layers into settings. A missing file is skipped; a file that
/// cannot be read, parsed or that has unknown keys is an error naming it.
pub fn load_settings(layers: &[Layer]) -> Result<Settings, ConfigError> {
    let mut merged = toml::Table::new();
    for layer in layers {
        if let Some(table) = read_layer(layer)? {
            merge(&mut merged, table);
        }
    }
    toml::Value::Table(merged)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError {
            path: PathBuf::from("<merged settings>"),
            line: None,
            column: None,
            message: e.message().to_string(),
        })
}

/// One layer's table, checked on its own; `None` for a missing file.
pub fn read_layer(layer: &Layer) -> Result<Option<toml::Table>, ConfigError> {
    match layer {
        Layer::File(path) => match std::fs::read_to_string(path) {
            Ok(text) => parse_file(path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ConfigError {
                path: path.clone(),
                line: None,
                column: None,
                message: e.to_string(),
            }),
        },
        Layer::Table(t) => Ok(Some(t.clone())),
    }
}

/// Check a config file's text as it would be loaded (for editors showing
/// the problem in the file itself).
pub fn check_file(path: &Path, text: &str) -> Result<(), ConfigError> {
    parse_file(path, text).map(|_| ())
}

/// Parse and check one file on its own so errors carry its line and column.
fn parse_file(path: &Path, text: &str) -> Result<toml::Table, ConfigError> {
    let located = |e: toml::de::Error| {
        let (line, column) = match e.span() {
            Some(span) => {
                let (l, c) = line_col(text, span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        ConfigError {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    };
    let table: toml::Table = toml::from_str(text).map_err(located)?;
    // Check the shape too (unknown keys, wrong types), still with positions.
    toml::from_str::<Settings>(text).map_err(located)?;
    Ok(table)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Deep merge: tables merge key by key, anything else is replaced.
pub fn merge(into: &mut toml::Table, from: toml::Table) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(toml::Value::Table(a)), toml::Value::Table(b)) => merge(a, b),
            (_, v) => {
                into.insert(key, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn later_layers_win_key_by_key() {
        let d = tempfile::tempdir().unwrap();
        let user = file(
            d.path(),
            "user.toml",
            "[model]\nprovider = \"anthropic\"\nmodel = \"a\"\n[agent]\nmax_turns = 7\n",
        );
        let project = file(d.path(), "project.toml", "[model]\nmodel = \"b\"\n");
        let mut flags = toml::Table::new();
        flags.insert(
            "agent".into(),
            toml::Value::Table(toml::toml! { max_turns = 9 }),
        );
        let s = load_settings(&[
            Layer::File(user),
            Layer::File(project),
            Layer::File(d.path().join("missing.toml")),
            Layer::Table(flags),
        ])
        .unwrap();
        assert_eq!(s.model.provider.as_deref(), Some("anthropic"));
        assert_eq!(s.model.model.as_deref(), Some("b"));
        assert_eq!(s.agent.max_turns, Some(9));
    }

    #[test]
    fn syntax_error_names_file_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        let p = file(
            d.path(),
            "config.toml",
            "[model]\nprovider = \"x\"\nmodel = \n",
        );
        let e = load_settings(&[Layer::File(p)]).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.to_string().contains("config.toml:3:"), "{e}");
    }

    #[test]
    fn unknown_key_is_an_error_at_its_line() {
        let d = tempfile::tempdir().unwrap();
        let p = file(
            d.path(),
            "config.toml",
            "[agent]\nmax_turns = 3\nmax_trns = 4\n",
        );
        let e = load_settings(&[Layer::File(p)]).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("max_trns"), "{e}");
    }
}
