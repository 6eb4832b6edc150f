use super::*;

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (p, t) in files {
        let p = d.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    }
    d
}

fn read(d: &tempfile::TempDir, p: &str) -> Option<String> {
    std::fs::read_to_string(d.path().join(p)).ok()
}

fn set(files: &[(&str, Option<&str>, Option<&str>)]) -> ChangeSet {
    let mut cs = ChangeSet::new();
    for (p, b, n) in files {
        cs.propose(p, b.map(Into::into), n.map(Into::into));
    }
    cs
}

#[test]
fn untouched_files_are_written_as_proposed() {
    let d = repo(&[("a.txt", "a\n"), ("gone.txt", "g\n")]);
    let cs = set(&[
        ("a.txt", Some("a\n"), Some("A\n")),
        ("new/b.txt", None, Some("b\n")),
        ("gone.txt", Some("g\n"), None),
    ]);
    let out = apply(d.path(), &cs, &Include::default()).unwrap();
    assert_eq!(out.written, ["a.txt", "gone.txt", "new/b.txt"]);
    assert!(out.complete() && out.merged.is_empty());
    assert_eq!(read(&d, "a.txt").as_deref(), Some("A\n"));
    assert_eq!(read(&d, "new/b.txt").as_deref(), Some("b\n"));
    assert_eq!(read(&d, "gone.txt"), None);
    // Applying again finds everything done and writes nothing.
    let again = apply(d.path(), &cs, &Include::default()).unwrap();
    assert_eq!(again.written.len(), 3);
}

#[test]
fn a_user_edit_elsewhere_is_merged_and_an_overlapping_one_refused() {
    let d = repo(&[("m.txt", "one\ntwo\nthree\nfour\n"), ("c.txt", "x\ny\n")]);
    let cs = set(&[
        (
            "m.txt",
            Some("one\ntwo\nthree\nfour\n"),
            Some("one\ntwo\nthree\nFOUR\n"),
        ),
        ("c.txt", Some("x\ny\n"), Some("X\ny\n")),
    ]);
    std::fs::write(d.path().join("m.txt"), "ONE by me\ntwo\nthree\nfour\n").unwrap();
    std::fs::write(d.path().join("c.txt"), "x, said I\ny\n").unwrap();
    let out = apply(d.path(), &cs, &Include::default()).unwrap();
    assert_eq!(out.written, ["m.txt"]);
    assert_eq!(out.merged, ["m.txt"]);
    assert_eq!(
        read(&d, "m.txt").as_deref(),
        Some("ONE by me\ntwo\nthree\nFOUR\n")
    );
    assert_eq!(out.refused.len(), 1);
    assert_eq!(out.refused[0].path, "c.txt");
    assert!(
        out.refused[0].reason.contains("overlap"),
        "{:?}",
        out.refused
    );
    assert_eq!(read(&d, "c.txt").as_deref(), Some("x, said I\ny\n"));
}

#[test]
fn files_created_or_deleted_by_the_user_meanwhile_are_refused() {
    let d = repo(&[("new.txt", "mine\n")]);
    let cs = set(&[
        ("new.txt", None, Some("agent\n")),
        ("was.txt", Some("w\n"), Some("W\n")),
    ]);
    let out = apply(d.path(), &cs, &Include::default()).unwrap();
    assert!(out.written.is_empty());
    let paths: Vec<&str> = out.refused.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["new.txt", "was.txt"]);
    assert_eq!(read(&d, "new.txt").as_deref(), Some("mine\n"));
    assert_eq!(read(&d, "was.txt"), None);
}

#[test]
fn files_that_run_code_wait_to_be_named() {
    let d = repo(&[(".claude/settings.json", "{}\n"), ("a.txt", "a\n")]);
    let cs = set(&[
        (
            ".claude/settings.json",
            Some("{}\n"),
            Some("{\"hooks\":{}}\n"),
        ),
        ("a.txt", Some("a\n"), Some("A\n")),
    ]);
    let out = apply(d.path(), &cs, &Include::default()).unwrap();
    assert_eq!(out.written, ["a.txt"]);
    assert_eq!(out.left_out, [".claude/settings.json"]);
    assert!(!out.complete());
    assert_eq!(read(&d, ".claude/settings.json").as_deref(), Some("{}\n"));
    let named = Include {
        paths: vec![".claude/settings.json".into()],
        all_protected: false,
    };
    let out = apply(d.path(), &cs, &named).unwrap();
    assert!(out.complete(), "{out:?}");
    assert_eq!(
        read(&d, ".claude/settings.json").as_deref(),
        Some("{\"hooks\":{}}\n")
    );
}

#[test]
fn git_internals_are_never_written_even_from_a_saved_proposal() {
    let d = repo(&[(".git/config", "[core]\n")]);
    let saved: ChangeSet = serde_json::from_str(
        r#"{"files":{".git/config":{"baseline":"[core]\n","proposed":"[core]\n\tfsmonitor = x\n"}}}"#,
    )
    .unwrap();
    let all = Include {
        paths: vec![".git/config".into()],
        all_protected: true,
    };
    apply(d.path(), &saved, &all).unwrap();
    assert_eq!(read(&d, ".git/config").as_deref(), Some("[core]\n"));
}

#[test]
fn a_move_is_refused_when_its_source_changed() {
    let d = repo(&[("a.txt", "a\n")]);
    let mut cs = ChangeSet::new();
    cs.propose_move("a.txt", Some("a\n".into()), "b.txt", None, "a\n".into());
    std::fs::write(d.path().join("a.txt"), "a, edited\n").unwrap();
    let out = apply(d.path(), &cs, &Include::default()).unwrap();
    assert_eq!(out.refused[0].path, "b.txt");
    assert_eq!(read(&d, "a.txt").as_deref(), Some("a, edited\n"));
    assert_eq!(read(&d, "b.txt"), None);
    std::fs::write(d.path().join("a.txt"), "a\n").unwrap();
    let out = apply(d.path(), &cs, &Include::default()).unwrap();
    assert_eq!(out.written, ["b.txt"]);
    assert_eq!(read(&d, "a.txt"), None);
    assert_eq!(read(&d, "b.txt").as_deref(), Some("a\n"));
}

#[test]
fn a_symlinked_file_is_written_through() {
    let d = repo(&[("real.txt", "r\n")]);
    std::os::unix::fs::symlink("real.txt", d.path().join("link.txt")).unwrap();
    let cs = set(&[("link.txt", Some("r\n"), Some("R\n"))]);
    apply(d.path(), &cs, &Include::default()).unwrap();
    assert_eq!(read(&d, "real.txt").as_deref(), Some("R\n"));
    assert!(
        std::fs::symlink_metadata(d.path().join("link.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
