//! A task's result in git, without touching the user's checkout, index or
//! current branch: the commit is built in a private index from HEAD's tree
//! plus the task's files, then named by a new branch, turned into a patch,
//! or pushed and opened as a pull request with `gh`.

use crate::changes::ChangeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Author used when none is configured and git knows no user.
const FALLBACK_AUTHOR: (&str, &str) = ("Tandem", "tandem@localhost");

pub struct CommitRequest<'a> {
    pub root: &'a Path,
    pub changes: &'a ChangeSet,
    pub message: &'a str,
    /// `Name <email>`; git's own identity when `None`.
    pub author: Option<&'a str>,
}

/// Make the commit (parent: HEAD) and return its id.
pub fn commit(req: &CommitRequest) -> Result<String, String> {
    if req.changes.is_empty() {
        return Err("the task proposed no changes; there is nothing to commit".into());
    }
    let top = PathBuf::from(git(req.root, &["rev-parse", "--show-toplevel"], &[], None)?);
    let prefix = req
        .root
        .canonicalize()
        .map_err(|e| e.to_string())?
        .strip_prefix(top.canonicalize().map_err(|e| e.to_string())?)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let in_repo = |rel: &str| prefix.join(rel).to_string_lossy().into_owned();
    let head = git(req.root, &["rev-parse", "--verify", "HEAD"], &[], None)
        .map_err(|e| format!("the repository has no commit to build on: {e}"))?;

    let index = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let index_env = [(
        "GIT_INDEX_FILE",
        index.path().to_string_lossy().into_owned(),
    )];
    git(&top, &["read-tree", &head], &index_env, None)?;
    for (path, change) in req.changes.files() {
        if let Some(from) = &change.moved_from {
            git(
                &top,
                &["update-index", "--force-remove", "--", &in_repo(from)],
                &index_env,
                None,
            )?;
        }
        match &change.proposed {
            Some(text) => {
                let blob = git(
                    &top,
                    &["hash-object", "-w", "--stdin"],
                    &[],
                    Some(text.as_bytes()),
                )?;
                let mode = existing_mode(&top, &in_repo(path), &index_env);
                git(
                    &top,
                    &[
                        "update-index",
                        "--add",
                        "--cacheinfo",
                        &format!("{mode},{blob},{}", in_repo(path)),
                    ],
                    &index_env,
                    None,
                )?;
            }
            None => {
                git(
                    &top,
                    &["update-index", "--force-remove", "--", &in_repo(path)],
                    &index_env,
                    None,
                )?;
            }
        }
    }
    let tree = git(&top, &["write-tree"], &index_env, None)?;
    let identity = identity(&top, req.author)?;
    git(
        &top,
        &["commit-tree", &tree, "-p", &head, "-F", "-"],
        &identity,
        Some(req.message.as_bytes()),
    )
}

/// Commit and name it by a new branch. The branch must not exist yet.
pub fn branch(req: &CommitRequest, name: &str) -> Result<String, String> {
    git(req.root, &["check-ref-format", "--branch", name], &[], None)
        .map_err(|_| format!("`{name}` is not a valid branch name"))?;
    if git(
        req.root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{name}"),
        ],
        &[],
        None,
    )
    .is_ok()
    {
        return Err(format!("a branch `{name}` exists already"));
    }
    let id = commit(req)?;
    git(req.root, &["branch", name, &id], &[], None)?;
    Ok(id)
}

/// The result as a mail-style patch (`git format-patch`), for `git am`.
pub fn patch(req: &CommitRequest) -> Result<String, String> {
    let id = commit(req)?;
    git(
        req.root,
        &["format-patch", "-1", "--stdout", &id],
        &[],
        None,
    )
}

/// Push `branch` to `origin` and open a pull request with the GitHub CLI.
pub fn pull_request(root: &Path, branch: &str, title: &str, body: &str) -> Result<String, String> {
    let gh_ok = Command::new("gh")
        .args(["auth", "status"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match gh_ok {
        Err(_) => {
            return Err(
                "the GitHub CLI `gh` is not installed; install it (https://cli.github.com) or push the branch yourself".into(),
            );
        }
        Ok(s) if !s.success() => {
            return Err("`gh` is not signed in; run `gh auth login` first".into());
        }
        Ok(_) => {}
    }
    git(
        root,
        &["push", "--set-upstream", "origin", branch],
        &[],
        None,
    )?;
    let out = Command::new("gh")
        .args([
            "pr", "create", "--head", branch, "--title", title, "--body", body,
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run gh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "gh pr create failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A commit message from the agent's summary: its first line (cut to 72
/// characters) as the subject, the rest and the request as the body.
pub fn message(summary: &str, prompt: &str) -> String {
    let summary = summary.trim();
    let source = if summary.is_empty() {
        prompt.trim()
    } else {
        summary
    };
    let first = source.lines().next().unwrap_or("Changes by Tandem");
    let mut subject: String = first.chars().take(72).collect();
    if subject.len() < first.len() {
        subject = subject.trim_end().to_string();
        subject.push('…');
    }
    let mut body = String::new();
    if source.len() > first.len() || subject.ends_with('…') {
        body.push_str(source);
        body.push_str("\n\n");
    }
    body.push_str("Task: ");
    body.push_str(prompt.trim());
    format!("{subject}\n\n{body}\n")
}

fn existing_mode(top: &Path, path: &str, env: &[(&str, String)]) -> String {
    git(top, &["ls-files", "-s", "--", path], env, None)
        .ok()
        .and_then(|line| line.split_whitespace().next().map(str::to_string))
        .filter(|m| m == "100755" || m == "100644")
        .unwrap_or_else(|| "100644".into())
}

/// Author (and committer, when git has no identity) for the commit.
fn identity(top: &Path, author: Option<&str>) -> Result<Vec<(&'static str, String)>, String> {
    let mut env = Vec::new();
    let parsed = match author {
        Some(a) => Some(parse_author(a)?),
        None => None,
    };
    let configured = git(top, &["config", "user.email"], &[], None).is_ok_and(|e| !e.is_empty());
    let (name, email) = parsed
        .clone()
        .unwrap_or_else(|| (FALLBACK_AUTHOR.0.to_string(), FALLBACK_AUTHOR.1.to_string()));
    if parsed.is_some() || !configured {
        env.push(("GIT_AUTHOR_NAME", name.clone()));
        env.push(("GIT_AUTHOR_EMAIL", email.clone()));
    }
    if !configured {
        env.push(("GIT_COMMITTER_NAME", name));
        env.push(("GIT_COMMITTER_EMAIL", email));
    }
    Ok(env)
}

fn parse_author(text: &str) -> Result<(String, String), String> {
    let bad = || format!("author `{text}` is not in the form `Name <email>`");
    let (name, rest) = text.split_once('<').ok_or_else(bad)?;
    let email = rest.strip_suffix('>').ok_or_else(bad)?;
    if name.trim().is_empty() || email.trim().is_empty() {
        return Err(bad());
    }
    Ok((name.trim().to_string(), email.trim().to_string()))
}

/// Run git; its trimmed stdout, or its stderr as the error.
fn git(
    dir: &Path,
    args: &[&str],
    env: &[(&str, String)],
    input: Option<&[u8]>,
) -> Result<String, String> {
    let mut cmd = Command::new("git");
    cmd.args(args)
        .current_dir(dir)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    if let Some(bytes) = input {
        let mut stdin = child.stdin.take().expect("piped");
        stdin.write_all(bytes).map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_use_the_agents_summary() {
        let m = message("Fixed the total.\nIt summed prices twice.", "fix the cart");
        assert!(
            m.starts_with("Fixed the total.\n\nFixed the total.\nIt summed"),
            "{m}"
        );
        assert!(m.ends_with("Task: fix the cart\n"));
        assert_eq!(message("", "add tests"), "add tests\n\nTask: add tests\n");
        assert!(parse_author("Ada <ada@x.org>").is_ok());
        assert!(parse_author("ada@x.org").is_err());
    }
}
