//! The environment a sandboxed command gets: the server's own, minus
//! anything that looks like a secret, unless the user allowed it by name.

/// Parts of a variable name that mark it as a secret (case-insensitive).
const SECRET_PARTS: &[&str] = &["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"];
const SECRET_PREFIXES: &[&str] = &["AWS_"];

pub fn is_secret(name: &str, extra: &[String]) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_PARTS.iter().any(|p| upper.contains(p))
        || SECRET_PREFIXES.iter().any(|p| upper.starts_with(p))
        || extra.iter().any(|e| e.eq_ignore_ascii_case(name))
}

/// `vars` without secrets; names in `allow` are kept whatever they look like.
pub fn strip(
    vars: impl IntoIterator<Item = (String, String)>,
    extra_secrets: &[String],
    allow: &[String],
) -> Vec<(String, String)> {
    vars.into_iter()
        .filter(|(k, _)| allow.iter().any(|a| a == k) || !is_secret(k, extra_secrets))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), "v".to_string()))
            .collect()
    }

    #[test]
    fn secrets_are_dropped_unless_allowed() {
        let kept = strip(
            pairs(&[
                "PATH",
                "ANTHROPIC_API_KEY",
                "GITHUB_TOKEN",
                "AWS_REGION",
                "DB_PASSWORD",
                "HOME",
                "MY_VAR",
                "NPM_TOKEN",
            ]),
            &["MY_VAR".into()],
            &["NPM_TOKEN".into()],
        );
        let names: Vec<&str> = kept.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["PATH", "HOME", "NPM_TOKEN"]);
    }
}
