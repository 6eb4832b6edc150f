//! The environment a sandboxed command gets: the server's own, minus
//! anything that looks like a secret (by its name, or by a value that
//! carries a password, like `postgres://user:pw@host`) and host sockets,
//! unless the user allowed it by name. In `allowlist` mode only a small
//! set of ordinary variables passes, plus those allowed by name.

use serde::Deserialize;

/// Parts of a variable name that mark it as a secret (case-insensitive).
const SECRET_PARTS: &[&str] = &["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"];
const SECRET_PREFIXES: &[&str] = &["AWS_"];
/// A variable naming a host socket (`SSH_AUTH_SOCK`, `GPG_AGENT_SOCK`…):
/// the sandbox has its own /tmp and /run, but say nothing of the host's.
const SOCKET_SUFFIXES: &[&str] = &["_SOCK", "_SOCKET"];
/// What `allowlist` mode passes without being named.
const ORDINARY: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "TERM",
    "LANG",
    "LANGUAGE",
    "TZ",
    "PWD",
    "COLORTERM",
    "NO_COLOR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "GOPATH",
    "GOROOT",
    "JAVA_HOME",
    "VIRTUAL_ENV",
    "PYENV_ROOT",
    "NVM_DIR",
    "EDITOR",
    "PAGER",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EnvMode {
    /// Everything but what looks secret.
    #[default]
    Filter,
    /// Only ordinary variables (`LC_*` too) and those in `allow_env`.
    Allowlist,
}

pub fn is_secret(name: &str, extra: &[String]) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_PARTS.iter().any(|p| upper.contains(p))
        || SECRET_PREFIXES.iter().any(|p| upper.starts_with(p))
        || SOCKET_SUFFIXES.iter().any(|s| upper.ends_with(s))
        || extra.iter().any(|e| e.eq_ignore_ascii_case(name))
}

/// A URL with a password in it: `scheme://user:password@host…`.
pub fn carries_credentials(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && authority
            .rsplit_once('@')
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

fn ordinary(name: &str) -> bool {
    ORDINARY.contains(&name) || name.starts_with("LC_")
}

/// `vars` without secrets; names in `allow` are kept whatever they look like.
pub fn strip(
    vars: impl IntoIterator<Item = (String, String)>,
    mode: EnvMode,
    extra_secrets: &[String],
    allow: &[String],
) -> Vec<(String, String)> {
    vars.into_iter()
        .filter(|(k, v)| {
            allow.iter().any(|a| a == k)
                || (!is_secret(k, extra_secrets)
                    && !carries_credentials(v)
                    && (mode == EnvMode::Filter || ordinary(k)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn names(kept: &[(String, String)]) -> Vec<&str> {
        kept.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn secrets_are_dropped_unless_allowed() {
        let kept = strip(
            pairs(&[
                ("PATH", "/bin"),
                ("ANTHROPIC_API_KEY", "v"),
                ("GITHUB_TOKEN", "v"),
                ("AWS_REGION", "v"),
                ("DB_PASSWORD", "v"),
                ("HOME", "/h"),
                ("MY_VAR", "v"),
                ("NPM_TOKEN", "v"),
                ("SSH_AUTH_SOCK", "/tmp/ssh-x/agent.1"),
                ("DATABASE_URL", "postgres://u:secret@db:5432/app"),
                ("PLAIN_URL", "https://example.com/a@b"),
            ]),
            EnvMode::Filter,
            &["MY_VAR".into()],
            &["NPM_TOKEN".into()],
        );
        assert_eq!(names(&kept), ["PATH", "HOME", "NPM_TOKEN", "PLAIN_URL"]);
    }

    #[test]
    fn allowlist_passes_only_ordinary_and_named_variables() {
        let kept = strip(
            pairs(&[
                ("PATH", "/bin"),
                ("LC_ALL", "C"),
                ("SOME_SETTING", "1"),
                ("MY_FLAG", "1"),
            ]),
            EnvMode::Allowlist,
            &[],
            &["MY_FLAG".into()],
        );
        assert_eq!(names(&kept), ["PATH", "LC_ALL", "MY_FLAG"]);
    }

    #[test]
    fn credential_urls_are_recognised() {
        assert!(carries_credentials("postgres://u:pw@h/db"));
        assert!(carries_credentials("redis://:pw@localhost:6379"));
        assert!(carries_credentials("git+https://u:tok@host/x.git"));
        assert!(!carries_credentials("https://host/path@x"));
        assert!(!carries_credentials("ssh://git@host/repo"));
        assert!(!carries_credentials("plain value"));
    }
}
