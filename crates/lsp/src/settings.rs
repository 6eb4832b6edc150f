//! Editor settings arrive as JSON (initialization options, configuration
//! changes) in the shape of a config file; they become one more config
//! layer above the project's file.

use serde_json::Value;

/// Editor settings as a config layer, checked on their own so a mistake
/// (an unknown key, a wrong type) is reported as the editor's, not blamed
/// on a file.
pub fn editor_layer(value: &Value) -> Result<toml::Table, String> {
    let table = json_to_toml(value)?;
    tandem_config::load_settings(&[tandem_config::Layer::Table(table.clone())])
        .map_err(|e| e.to_string())?;
    Ok(table)
}

/// JSON object → TOML table. Nulls mean "not set" and are dropped.
pub fn json_to_toml(value: &Value) -> Result<toml::Table, String> {
    match convert(value)? {
        Some(toml::Value::Table(t)) => Ok(t),
        None => Ok(toml::Table::new()),
        Some(_) => Err("settings must be an object".into()),
    }
}

fn convert(value: &Value) -> Result<Option<toml::Value>, String> {
    Ok(Some(match value {
        Value::Null => return Ok(None),
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().ok_or("number out of range")?),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => toml::Value::Array(
            items
                .iter()
                .filter_map(|v| convert(v).transpose())
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut t = toml::Table::new();
            for (k, v) in map {
                if let Some(v) = convert(v)? {
                    t.insert(k.clone(), v);
                }
            }
            toml::Value::Table(t)
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_are_unset_and_nesting_is_kept() {
        let t = json_to_toml(&serde_json::json!({
            "model": { "provider": "anthropic", "base_url": null, "max_tokens": 100 }
        }))
        .unwrap();
        assert_eq!(t["model"]["provider"].as_str(), Some("anthropic"));
        assert_eq!(t["model"]["max_tokens"].as_integer(), Some(100));
        assert!(t["model"].get("base_url").is_none());
        assert!(json_to_toml(&serde_json::json!([1])).is_err());
    }
}
