//! The settings that travel with a task: the submitter's run flags, with
//! secrets removed wherever they sit, and without the sections that are
//! the worker's to decide (its sandbox, its cluster, its task limits).

/// Sections a task never brings: a worker runs every task in its own
/// sandbox, under its own `[tasks]` settings.
const WORKERS_OWN: &[&str] = &["sandbox", "tasks"];

/// Key names that hold secrets (matched on the lower-cased key).
fn is_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    // `api_key_env` names a variable: the worker's own value is read.
    if k.ends_with("_env") {
        return false;
    }
    [
        "key",
        "token",
        "secret",
        "password",
        "credential",
        "authorization",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// The table to ship: secrets dropped at any depth (in tables and in
/// tables inside arrays, e.g. an MCP server's `env` or `headers`).
pub fn shippable(flags: &toml::Table) -> toml::Table {
    let mut out = flags.clone();
    for section in WORKERS_OWN {
        out.remove(*section);
    }
    strip(&mut out);
    out
}

fn strip(table: &mut toml::Table) {
    table.retain(|k, _| !is_secret(k));
    for (_, v) in table.iter_mut() {
        strip_value(v);
    }
}

fn strip_value(v: &mut toml::Value) {
    match v {
        toml::Value::Table(t) => strip(t),
        toml::Value::Array(items) => items.iter_mut().for_each(strip_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_removed_at_every_depth_and_the_rest_travels() {
        let flags: toml::Table = toml::from_str(
            r#"
            model = { name = "m", api_key = "sk-live-1", api_key_env = "MY_KEY", base_url = "http://x" }
            [mcp_servers.db]
            command = "db"
            env = { DB_PASSWORD = "hunter2", MODE = "ro" }
            headers = [{ Authorization = "Bearer t0k" }]
            [sandbox]
            network = true
            [tasks.nats]
            token = "cluster"
            "#,
        )
        .unwrap();
        let shipped = shippable(&flags);
        let text = toml::to_string(&shipped).unwrap();
        for secret in ["sk-live-1", "hunter2", "t0k", "cluster", "network"] {
            assert!(!text.contains(secret), "{secret} travels: {text}");
        }
        // Control: what is not a secret still travels, so the strip is
        // not just dropping everything.
        for kept in ["MY_KEY", "http://x", "MODE", "\"db\""] {
            assert!(text.contains(kept), "{kept} lost: {text}");
        }
    }
}
