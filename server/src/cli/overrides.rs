//! `-c key.path=value` overrides, turned into a settings layer.

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
