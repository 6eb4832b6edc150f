//! Applying a parsed patch to the workspace's proposal, all or nothing: every
//! file's new text is computed first, and only when all of them apply are
//! they written into the proposal. Where Codex's reference applies a patch
//! op by op and leaves the ops before a failure applied, this leaves
//! nothing; on success both end with the same files.

use super::parser::{FileOp, Patch};
use crate::workspace::Workspace;
use std::collections::BTreeMap;
use tandem_patch::update::update;

/// What a successful patch did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// `A`, `M`, `D` or `R`.
    pub mark: char,
    pub path: String,
    pub from: Option<String>,
    pub added: usize,
    pub removed: usize,
}

enum Write {
    Text(String),
    Delete,
    Move { to: String, text: String },
}

pub fn apply(patch: &Patch, ws: &Workspace) -> Result<Vec<Applied>, String> {
    // Files as this patch has left them so far: later ops see earlier ones.
    let mut state: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut writes: Vec<(String, Write)> = Vec::new();
    let mut summary = Vec::new();
    let current =
        |state: &BTreeMap<String, Option<String>>, rel: &str| -> Result<Option<String>, String> {
            match state.get(rel) {
                Some(t) => Ok(t.clone()),
                None => ws.read(rel).map_err(|e| format!("cannot read {rel}: {e}")),
            }
        };
    // Every path of the patch is a write: one inside `.git` refuses the
    // whole patch before anything joins the proposal.
    let rel = |path: &str| {
        let rel = ws.relative(path).map_err(|e| e.to_string())?;
        ws.writable(&rel).map_err(|e| e.to_string())?;
        Ok::<_, String>(rel)
    };

    for op in &patch.ops {
        match op {
            FileOp::Add { path, contents } => {
                let p = rel(path)?;
                // An existing file is replaced, as the reference does; what
                // it held counts as removed.
                let removed = current(&state, &p)?.map_or(0, |old| old.lines().count());
                state.insert(p.clone(), Some(contents.clone()));
                writes.push((p.clone(), Write::Text(contents.clone())));
                summary.push(Applied {
                    mark: 'A',
                    path: p,
                    from: None,
                    added: contents.lines().count(),
                    removed,
                });
            }
            FileOp::Delete { path } => {
                let p = rel(path)?;
                let Some(old) = current(&state, &p)? else {
                    return Err(format!("Delete File {p}: the file does not exist"));
                };
                state.insert(p.clone(), None);
                writes.push((p.clone(), Write::Delete));
                summary.push(Applied {
                    mark: 'D',
                    path: p,
                    from: None,
                    added: 0,
                    removed: old.lines().count(),
                });
            }
            FileOp::Update {
                path,
                move_to,
                chunks,
            } => {
                let p = rel(path)?;
                let Some(old) = current(&state, &p)? else {
                    return Err(format!(
                        "Update File {p}: the file does not exist; use `*** Add File:` to create it"
                    ));
                };
                let done = update(&old, chunks).map_err(|e| {
                    format!(
                        "Update File {p}, {e}\nRead the file again and retry with its exact lines."
                    )
                })?;
                let to = move_to.as_deref().map(rel).transpose()?;
                match to {
                    // Onto an existing file too: the reference replaces it.
                    Some(to) if to != p => {
                        state.insert(p.clone(), None);
                        state.insert(to.clone(), Some(done.text.clone()));
                        writes.push((
                            p.clone(),
                            Write::Move {
                                to: to.clone(),
                                text: done.text,
                            },
                        ));
                        summary.push(Applied {
                            mark: 'R',
                            path: to,
                            from: Some(p),
                            added: done.added,
                            removed: done.removed,
                        });
                    }
                    // A move onto itself is an update (the reference would
                    // write the file and then delete it).
                    _ => {
                        state.insert(p.clone(), Some(done.text.clone()));
                        writes.push((p.clone(), Write::Text(done.text)));
                        summary.push(Applied {
                            mark: 'M',
                            path: p,
                            from: None,
                            added: done.added,
                            removed: done.removed,
                        });
                    }
                }
            }
        }
    }
    for (path, write) in writes {
        let done = match write {
            Write::Text(t) => ws.write(&path, Some(t)),
            Write::Delete => ws.write(&path, None),
            Write::Move { to, text } => ws.move_file(&path, &to, text),
        };
        done.map_err(|e| format!("cannot change {path}: {e}"))?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::apply_patch::parser::parse;
    use crate::tools::walk::fixture::repo;

    fn run(
        files: &[(&str, &str)],
        patch: &str,
    ) -> (
        crate::tools::walk::fixture::Repo,
        Result<Vec<Applied>, String>,
    ) {
        let r = repo(files);
        let p = parse(patch).unwrap();
        let out = apply(&p, &r.ctx.workspace);
        (r, out)
    }

    #[test]
    fn chunks_apply_in_order_and_anchors_pick_between_twins() {
        let code = "def a():\n    return 1\n\ndef b():\n    return 1\n";
        let (r, out) = run(
            &[("m.py", code)],
            "*** Begin Patch\n*** Update File: m.py\n@@ def b():\n-    return 1\n+    return 2\n*** End Patch",
        );
        assert_eq!(
            out.unwrap()[0],
            Applied {
                mark: 'M',
                path: "m.py".into(),
                from: None,
                added: 1,
                removed: 1
            }
        );
        assert_eq!(
            r.proposed("m.py").unwrap(),
            "def a():\n    return 1\n\ndef b():\n    return 2\n"
        );
        assert_eq!(r.disk("m.py").unwrap(), code, "the disk must not change");
    }

    #[test]
    fn lenient_matching_keeps_line_endings_and_ends_the_file_with_a_newline() {
        // The old text had no final newline; like the reference, the
        // updated file gets one (in the file's own CRLF).
        let (r, out) = run(
            &[("w.txt", "say \u{201C}hi\u{201D}  \r\nnext\r\nlast")],
            "*** Begin Patch\n*** Update File: w.txt\n@@\n-say \"hi\"\n+say \"hello\"\n next\n*** End Patch",
        );
        out.unwrap();
        assert_eq!(
            r.proposed("w.txt").unwrap(),
            "say \"hello\"\r\nnext\r\nlast\r\n"
        );
    }

    #[test]
    fn add_and_move_replace_an_existing_file_in_the_proposal() {
        let (r, out) = run(
            &[("a.txt", "a\n"), ("b.txt", "b\n"), ("c.txt", "c\n")],
            "*** Begin Patch\n*** Add File: a.txt\n+new a\n*** Update File: b.txt\n*** Move to: c.txt\n@@\n-b\n+moved b\n*** End Patch",
        );
        let done = out.unwrap();
        assert_eq!((done[0].mark, done[0].added, done[0].removed), ('A', 1, 1));
        assert_eq!(
            (done[1].mark, done[1].from.as_deref()),
            ('R', Some("b.txt"))
        );
        let cs = r.ctx.workspace.changes();
        assert_eq!(
            cs.get("a.txt").unwrap().proposed.as_deref(),
            Some("new a\n")
        );
        assert_eq!(cs.get("b.txt").unwrap().proposed, None);
        let c = cs.get("c.txt").unwrap();
        assert_eq!(c.proposed.as_deref(), Some("moved b\n"));
        assert_eq!(c.baseline.as_deref(), Some("c\n"));
        assert_eq!(
            r.disk("c.txt").as_deref(),
            Some("c\n"),
            "the disk must not change"
        );
    }

    #[test]
    fn add_delete_move_and_end_of_file() {
        let (r, out) = run(
            &[("a.txt", "1\n2\n"), ("b.txt", "x\nend\n")],
            "*** Begin Patch\n*** Add File: new/c.txt\n+hi\n*** Delete File: a.txt\n*** Update File: b.txt\n*** Move to: moved/b.txt\n@@\n-end\n+END\n+more\n*** End of File\n*** End Patch",
        );
        let marks: Vec<char> = out.unwrap().iter().map(|a| a.mark).collect();
        assert_eq!(marks, ['A', 'D', 'R']);
        let cs = r.ctx.workspace.changes();
        assert_eq!(
            cs.get("new/c.txt").unwrap().proposed.as_deref(),
            Some("hi\n")
        );
        assert_eq!(cs.get("a.txt").unwrap().proposed, None);
        assert_eq!(cs.get("b.txt").unwrap().proposed, None);
        let moved = cs.get("moved/b.txt").unwrap();
        assert_eq!(moved.proposed.as_deref(), Some("x\nEND\nmore\n"));
        assert_eq!(moved.moved_from.as_deref(), Some("b.txt"));
    }

    #[test]
    fn one_failing_file_changes_nothing_and_says_where() {
        let (r, out) = run(
            &[("a.txt", "one\n"), ("b.txt", "two\n")],
            "*** Begin Patch\n*** Update File: a.txt\n-one\n+ONE\n*** Update File: b.txt\n@@\n two\n-three\n+THREE\n*** End Patch",
        );
        let e = out.unwrap_err();
        assert!(
            e.contains("Update File b.txt, chunk 1: could not find these lines"),
            "{e}"
        );
        assert!(e.contains("  three"), "{e}");
        assert!(
            r.ctx.workspace.changes().is_empty(),
            "a.txt was changed by a failed patch"
        );
    }

    #[test]
    fn a_path_inside_git_refuses_the_whole_patch() {
        for patch in [
            "*** Begin Patch\n*** Add File: ok.txt\n+x\n*** Add File: .git/hooks/pre-commit\n+#!/bin/sh\n*** End Patch",
            "*** Begin Patch\n*** Update File: a.txt\n*** Move to: .git/info/a.txt\n-a\n+b\n*** End Patch",
            "*** Begin Patch\n*** Delete File: .git/config\n*** End Patch",
        ] {
            let (r, out) = run(&[("a.txt", "a\n"), (".git/config", "[core]\n")], patch);
            let e = out.unwrap_err();
            assert!(e.contains("inside .git, which Tandem never changes"), "{e}");
            assert!(r.ctx.workspace.changes().is_empty(), "{patch}");
        }
    }

    #[test]
    fn refuses_impossible_operations() {
        for (patch, want) in [
            (
                "*** Begin Patch\n*** Delete File: nope.txt\n*** End Patch",
                "does not exist",
            ),
            (
                "*** Begin Patch\n*** Update File: nope.txt\n-x\n+y\n*** End Patch",
                "does not exist",
            ),
            (
                "*** Begin Patch\n*** Add File: ../out.txt\n+x\n*** End Patch",
                "outside the workspace",
            ),
        ] {
            let (_r, out) = run(&[("a.txt", "a\n"), ("b.txt", "b\n")], patch);
            let e = out.unwrap_err();
            assert!(e.contains(want), "{patch}: {e}");
        }
    }
}
