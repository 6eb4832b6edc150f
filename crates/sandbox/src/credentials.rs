//! Where credentials usually live, hidden inside the sandbox: a command may
//! read the rest of the home (toolchains, caches) but not keys and tokens,
//! whose content would otherwise reach the model provider in its output.

use std::path::{Path, PathBuf};

/// Under the home of the user Tandem runs as. Folders are replaced by an
/// empty read-only folder, files by an empty file.
const UNDER_HOME: &[&str] = &[
    ".ssh",
    ".aws",
    ".gnupg",
    ".config/gcloud",
    ".azure",
    ".kube",
    ".docker/config.json",
    ".netrc",
    ".git-credentials",
    ".config/gh",
    ".npmrc",
    ".pypirc",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".password-store",
    ".local/share/keyrings",
    // Agents' own settings and logins, which hold API keys.
    ".config/tandem",
    ".claude.json",
    ".claude/.credentials.json",
    ".codex/auth.json",
    ".codex/config.toml",
    // Tandem's state: other sessions' transcripts, tasks and memory.
    ".local/state/tandem",
];

/// Tandem's own settings and state where XDG variables moved them.
pub fn tandem_folders() -> Vec<PathBuf> {
    [dirs::config_dir(), dirs::state_dir()]
        .into_iter()
        .flatten()
        .map(|d| d.join("tandem"))
        .collect()
}

/// The paths to hide: the defaults under `home`, `also`, plus `deny_read`,
/// less `allow_read`. `~/` in either list means the home.
pub fn hidden(
    home: Option<&Path>,
    also: &[PathBuf],
    deny_read: &[String],
    allow_read: &[String],
) -> Vec<PathBuf> {
    let expand = |p: &str| -> Option<PathBuf> {
        match p.strip_prefix("~/") {
            Some(rest) => home.map(|h| h.join(rest)),
            None if p == "~" => home.map(Path::to_path_buf),
            None => Some(PathBuf::from(p)),
        }
    };
    let allowed: Vec<PathBuf> = allow_read.iter().filter_map(|p| expand(p)).collect();
    let defaults = home
        .into_iter()
        .flat_map(|h| UNDER_HOME.iter().map(move |rel| h.join(rel)));
    let mut out: Vec<PathBuf> = Vec::new();
    let denied = deny_read.iter().filter_map(|p| expand(p));
    for path in defaults.chain(also.iter().cloned()).chain(denied) {
        if !allowed.contains(&path) && !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_under_the_home_and_the_lists_adjust_them() {
        let home = Path::new("/home/u");
        let paths = hidden(
            Some(home),
            &[PathBuf::from("/xdg/state/tandem")],
            &["~/.vault-token".into(), "/etc/app/secret".into()],
            &["~/.npmrc".into()],
        );
        assert!(paths.contains(&home.join(".ssh")));
        assert!(paths.contains(&home.join(".aws")));
        assert!(paths.contains(&home.join(".vault-token")));
        assert!(paths.contains(&PathBuf::from("/etc/app/secret")));
        assert!(paths.contains(&PathBuf::from("/xdg/state/tandem")));
        assert!(!paths.contains(&home.join(".npmrc")));
        // Toolchains stay readable.
        assert!(!paths.iter().any(|p| p.ends_with(".cargo/registry")));
    }

    #[test]
    fn without_a_home_only_absolute_entries_remain() {
        let paths = hidden(None, &[], &["~/.x".into(), "/etc/y".into()], &[]);
        assert_eq!(paths, [PathBuf::from("/etc/y")]);
    }
}
