//! `${VAR}` and `${VAR:-default}` in MCP server settings, as Claude Code
//! expands them in `.mcp.json`: `$VAR` without braces is left alone, and a
//! variable that is unset (with no default) is an error naming it.

/// Expand the variables in `text`. `${VAR:-default}` takes the default when
/// `VAR` is unset or empty; an unterminated `${` is kept as written.
pub fn expand(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let inner = &after[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        let value = env(name).filter(|v| default.is_none() || !v.is_empty());
        match (value, default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => return Err(format!("${{{name}}} is not set")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::expand;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/me".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn variables_and_defaults() {
        assert_eq!(expand("${HOME}/x", &env).unwrap(), "/home/me/x");
        assert_eq!(
            expand("a${HOME}b${HOME}", &env).unwrap(),
            "a/home/meb/home/me"
        );
        assert_eq!(expand("${NOPE:-fallback}", &env).unwrap(), "fallback");
        assert_eq!(expand("${EMPTY:-fallback}", &env).unwrap(), "fallback");
        assert_eq!(expand("${HOME:-fallback}", &env).unwrap(), "/home/me");
        assert_eq!(expand("${NOPE:-}", &env).unwrap(), "");
        assert_eq!(expand("${EMPTY}", &env).unwrap(), "");
        assert_eq!(expand("$HOME and ${", &env).unwrap(), "$HOME and ${");
        assert_eq!(expand("plain", &env).unwrap(), "plain");
    }

    #[test]
    fn an_unset_variable_without_default_is_an_error() {
        assert_eq!(
            expand("Bearer ${TOKEN}", &env).unwrap_err(),
            "${TOKEN} is not set"
        );
    }
}
