//! Where each effective setting came from (`tandem config`): the layers
//! flattened to dotted keys, the last layer setting a key winning, with the
//! values it overrode.

use super::load::{ConfigError, Layer, read_layer};

/// A named layer: "default", a file path, "editor", "flags".
pub struct Source {
    pub name: String,
    pub layer: Layer,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Entry {
    pub key: String,
    pub value: toml::Value,
    pub source: String,
    /// Lower layers' values for the key, lowest first.
    pub overridden: Vec<(String, toml::Value)>,
}

/// The effective value of every key set by any layer, and the errors of
/// layers that could not be read (those layers are left out).
pub fn explain(sources: &[Source]) -> (Vec<Entry>, Vec<ConfigError>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut errors = Vec::new();
    for source in sources {
        let table = match read_layer(&source.layer) {
            Ok(Some(t)) => t,
            Ok(None) => continue,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut flat = Vec::new();
        flatten("", &toml::Value::Table(table), &mut flat);
        for (key, value) in flat {
            match entries.iter_mut().find(|e| e.key == key) {
                Some(e) => {
                    let old_source = std::mem::replace(&mut e.source, source.name.clone());
                    let old_value = std::mem::replace(&mut e.value, value);
                    e.overridden.push((old_source, old_value));
                }
                None => entries.push(Entry {
                    key,
                    value,
                    source: source.name.clone(),
                    overridden: Vec::new(),
                }),
            }
        }
    }
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    (entries, errors)
}

/// Tables become dotted keys; everything else (arrays too) is a value.
fn flatten(prefix: &str, value: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
    match value {
        toml::Value::Table(t) if !t.is_empty() || prefix.is_empty() => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// Built-in defaults worth showing (what applies when nothing is set).
pub fn defaults() -> toml::Table {
    let session = tandem_core::agent::SessionConfig::new("", "");
    let text = format!(
        r#"
[agent]
max_turns = {}
tool_output_limit = {}
instructions_cap = {}
shell_timeout_secs = 120
approval_timeout_secs = 120
web_search = false
[permissions]
mode = "ask"
[sandbox]
backend = "auto"
network = false
[tasks]
concurrency = {}
mode = "auto"
"#,
        session.max_turns,
        session.tool_output_limit,
        session.instructions_cap,
        tandem_core::tasks::runner::DEFAULT_CONCURRENCY,
    );
    toml::from_str(&text).expect("the defaults are valid TOML")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_layer_wins_and_remembers_what_it_overrode() {
        let d = tempfile::tempdir().unwrap();
        let user = d.path().join("user.toml");
        let project = d.path().join("project.toml");
        let broken = d.path().join("broken.toml");
        std::fs::write(
            &user,
            "[agent]\nmax_turns = 40\n[model]\nmodel = \"gpt-5\"\n",
        )
        .unwrap();
        std::fs::write(&project, "[agent]\nmax_turns = 60\n").unwrap();
        std::fs::write(&broken, "[agent\n").unwrap();
        let flags: toml::Table = toml::from_str("[model]\nprovider = \"openai\"").unwrap();
        let sources = vec![
            Source {
                name: "default".into(),
                layer: Layer::Table(defaults()),
            },
            Source {
                name: "user".into(),
                layer: Layer::File(user),
            },
            Source {
                name: "project".into(),
                layer: Layer::File(project),
            },
            Source {
                name: "broken".into(),
                layer: Layer::File(broken),
            },
            Source {
                name: "missing".into(),
                layer: Layer::File(d.path().join("nope.toml")),
            },
            Source {
                name: "flags".into(),
                layer: Layer::Table(flags),
            },
        ];
        let (entries, errors) = explain(&sources);
        let get = |k: &str| entries.iter().find(|e| e.key == k).unwrap();
        let turns = get("agent.max_turns");
        assert_eq!(
            (turns.value.as_integer(), turns.source.as_str()),
            (Some(60), "project")
        );
        assert_eq!(
            turns.overridden,
            vec![
                ("default".into(), toml::Value::Integer(100)),
                ("user".into(), toml::Value::Integer(40))
            ]
        );
        assert_eq!(get("model.provider").source, "flags");
        assert_eq!(get("model.model").source, "user");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(1));
    }
}
