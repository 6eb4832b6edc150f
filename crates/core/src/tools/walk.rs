//! Walking the workspace as the agent sees it: files on disk that
//! `.gitignore` does not hide (hidden files skipped, like ripgrep), minus
//! those the proposal deletes, plus those it adds.

use crate::changes::RelPath;
use crate::workspace::Workspace;
use std::collections::BTreeMap;

/// Every entry under `dir` (a workspace-relative folder, "" for the root),
/// sorted by path, mapped to whether it is a folder. `max_depth` counts
/// levels below `dir`.
pub fn entries(ws: &Workspace, dir: &str, max_depth: Option<usize>) -> BTreeMap<RelPath, bool> {
    let mut out = BTreeMap::new();
    let walker = ignore::WalkBuilder::new(ws.absolute(dir))
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .parents(true)
        .max_depth(max_depth)
        .build();
    for entry in walker.flatten() {
        let Ok(rel) = entry.path().strip_prefix(ws.root()) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel.is_empty() || rel == dir {
            continue;
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if !is_dir && ws.is_deleted(&rel) {
            continue;
        }
        out.insert(rel, is_dir);
    }
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    for added in ws.added_paths() {
        let Some(below) = added.strip_prefix(&prefix) else {
            continue;
        };
        let depth = below.matches('/').count() + 1;
        if max_depth.is_some_and(|m| depth > m) {
            continue;
        }
        // Its folders exist in the proposal too.
        let mut folder = prefix.clone();
        for part in below
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, d)| d)
        {
            folder.push_str(part);
            out.entry(folder.clone()).or_insert(true);
            folder.push('/');
        }
        out.insert(added.clone(), false);
    }
    out
}

/// Only the files under `dir`, sorted.
pub fn files(ws: &Workspace, dir: &str) -> Vec<RelPath> {
    entries(ws, dir, None)
        .into_iter()
        .filter(|(_, is_dir)| !is_dir)
        .map(|(p, _)| p)
        .collect()
}

#[cfg(test)]
pub mod fixture {
    //! A small repository for the tools' tests.
    use crate::tools::ToolContext;
    use crate::workspace::Workspace;
    use std::sync::Arc;
    use tokio_util::sync::CancellationToken;

    pub struct Repo {
        pub dir: tempfile::TempDir,
        pub ctx: ToolContext,
    }

    impl Repo {
        pub fn disk(&self, rel: &str) -> Option<String> {
            std::fs::read_to_string(self.dir.path().join(rel)).ok()
        }
        pub fn proposed(&self, rel: &str) -> Option<String> {
            self.ctx.workspace.read(rel).unwrap()
        }
    }

    pub fn repo(files: &[(&str, &str)]) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let ws = Arc::new(Workspace::new(dir.path()).unwrap());
        let ctx = ToolContext::new(ws, CancellationToken::new());
        Repo { dir, ctx }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::repo;
    use super::*;

    #[test]
    fn gitignored_and_hidden_are_skipped_proposal_is_overlaid() {
        let r = repo(&[
            (".gitignore", "build/\n"),
            ("build/out.txt", "x"),
            (".secret", "x"),
            ("src/a.rs", "x"),
            ("src/gone.rs", "x"),
        ]);
        let ws = &r.ctx.workspace;
        ws.write("src/gone.rs", None).unwrap();
        ws.write("src/new/b.rs", Some("y".into())).unwrap();
        assert_eq!(files(ws, ""), ["src/a.rs", "src/new/b.rs"]);
        assert_eq!(files(ws, "src"), ["src/a.rs", "src/new/b.rs"]);
        let e = entries(ws, "", Some(1));
        assert_eq!(e.keys().collect::<Vec<_>>(), ["src"]);
        assert!(entries(ws, "src", None)["src/new"]);
    }
}
