//! `-c key.path=value` overrides, turned into a settings layer.

/// The model and run flags shared by `tandem exec` and `tandem task start`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct RunFlags {
    /// anthropic, openai (Responses API) or openai-chat (any
    /// OpenAI-compatible server: Ollama, llama.cpp, vLLM, LM Studio, OpenRouter).
    #[arg(long)]
    pub provider: Option<String>,
    #[arg(short = 'm', long)]
    pub model: Option<String>,
    /// API base URL, e.g. http://127.0.0.1:11434/v1 for Ollama.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Stop after this many model turns.
    #[arg(long)]
    pub max_turns: Option<u32>,
    /// Stop once the run has cost this many US dollars (exit code 6).
    #[arg(long, value_name = "USD")]
    pub max_cost: Option<f64>,
    /// Override any setting, e.g. `-c model.max_retries=2` (value in TOML).
    #[arg(short = 'c', long = "config", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Permission mode: read-only, ask (the default), auto or local (no sandbox).
    #[arg(long, value_name = "MODE")]
    pub mode: Option<String>,
}

impl RunFlags {
    /// The flags as one settings table (`-c` overrides last, so they win).
    pub fn table(&self) -> Result<toml::Table, String> {
        let mut flags = toml::Table::new();
        let mut set = |section: &str, key: &str, value: toml::Value| {
            flags
                .entry(section)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .expect("sections are tables")
                .insert(key.into(), value);
        };
        if let Some(p) = &self.provider {
            set("model", "provider", p.clone().into());
        }
        if let Some(m) = &self.model {
            set("model", "model", m.clone().into());
        }
        if let Some(u) = &self.base_url {
            set("model", "base_url", u.clone().into());
        }
        if let Some(n) = self.max_turns {
            set("agent", "max_turns", i64::from(n).into());
        }
        if let Some(usd) = self.max_cost {
            set("agent", "max_cost", usd.into());
        }
        if let Some(mode) = &self.mode {
            set("permissions", "mode", mode.clone().into());
        }
        for o in &self.overrides {
            tandem_config::merge(&mut flags, parse_override(o)?);
        }
        Ok(flags)
    }
}

/// Parse `a.b=value` into `{a = {b = value}}`. The value is read as TOML
/// (numbers, booleans, quoted strings, arrays) and taken as a plain string
/// when it is not valid TOML, so `-c model.model=gpt-5` works unquoted.
pub fn parse_override(text: &str) -> Result<toml::Table, String> {
    let (key, raw) = text
        .split_once('=')
        .ok_or_else(|| format!("`-c {text}`: expected KEY=VALUE, e.g. model.max_retries=2"))?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(format!("`-c {text}`: the key is empty"));
    }
    let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.trim().to_string()));
    let mut table = toml::Table::new();
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().expect("non-empty key");
    let mut cursor = &mut table;
    for part in parts {
        cursor = cursor
            .entry(part)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("just inserted a table");
    }
    cursor.insert(last.to_string(), value);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_and_bare_values() {
        let t = parse_override("model.max_retries=2").unwrap();
        assert_eq!(t["model"]["max_retries"].as_integer(), Some(2));
        let t = parse_override("model.model=gpt-5").unwrap();
        assert_eq!(t["model"]["model"].as_str(), Some("gpt-5"));
        assert!(parse_override("nokey").is_err());
        assert!(parse_override("a..b=1").is_err());
    }
}
