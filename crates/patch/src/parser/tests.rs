use super::*;

fn chunk(context: Option<&str>, old: &[&str], new: &[&str], kept: &[(usize, usize)]) -> Chunk {
    Chunk {
        context: context.map(str::to_string),
        old: old.iter().map(|s| s.to_string()).collect(),
        new: new.iter().map(|s| s.to_string()).collect(),
        kept: kept.to_vec(),
        end_of_file: false,
    }
}

#[test]
fn a_patch_of_every_kind() {
    let p = parse(
        "*** Begin Patch\n*** Add File: a/new.py\n+x = 1\n+\n*** Delete File: old.py\n*** Update File: m.py\n*** Move to: n.py\n@@ def f(self):\n-    return 1\n+    return 2\n@@\n ctx\n\n+end\n*** End of File\n*** End Patch\n",
    )
    .unwrap();
    assert_eq!(
        p.ops[..2],
        [
            FileOp::Add {
                path: "a/new.py".into(),
                contents: "x = 1\n\n".into()
            },
            FileOp::Delete {
                path: "old.py".into()
            }
        ]
    );
    let FileOp::Update {
        path,
        move_to,
        chunks,
    } = &p.ops[2]
    else {
        panic!("{:?}", p.ops[2])
    };
    assert_eq!((path.as_str(), move_to.as_deref()), ("m.py", Some("n.py")));
    assert_eq!(
        chunks[0],
        chunk(
            Some("def f(self):"),
            &["    return 1"],
            &["    return 2"],
            &[]
        )
    );
    let mut last = chunk(None, &["ctx", ""], &["ctx", "", "end"], &[(0, 0), (1, 1)]);
    last.end_of_file = true;
    assert_eq!(chunks[1], last);
}

#[test]
fn markers_with_spaces_around_them() {
    // codex-rs/apply-patch/tests/fixtures/scenarios/017, 018 and 020.
    for text in [
        "*** Begin Patch\n  *** Update File: foo.txt\n@@\n-old\n+new\n*** End Patch\n",
        " *** Begin Patch\n*** Update File: foo.txt\n@@\n-old\n+new\n*** End Patch \n",
        "*** Begin Patch \n*** Update File: foo.txt\n@@ \n-old\n+new\n *** End Patch\n",
        "*** Begin Patch\n*** Add File: a\n+x\n   *** Update File: foo.txt  \n*** Move to: b  \n@@\n-old\n+new\n*** End of File  \n*** End Patch",
    ] {
        let p = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let Some(FileOp::Update { path, chunks, .. }) = p.ops.last() else {
            panic!("{text:?}")
        };
        assert_eq!(
            (path.as_str(), chunks[0].old.as_slice()),
            ("foo.txt", &["old".to_string()][..])
        );
    }
}

#[test]
fn after_an_update_line_a_leading_space_means_context() {
    // The reference reads `  *** Update File: b` here as a context line,
    // so the patch fails to apply rather than updating b.
    let p = parse(
        "*** Begin Patch\n*** Update File: a\n@@\n-x\n+y\n  *** Update File: b\n*** End Patch",
    )
    .unwrap();
    assert_eq!(p.ops.len(), 1);
    let FileOp::Update { chunks, .. } = &p.ops[0] else {
        panic!()
    };
    assert_eq!(chunks[0].old, ["x", " *** Update File: b"]);
}

#[test]
fn a_first_chunk_without_its_at_sign_line() {
    let p = parse("*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch")
        .unwrap();
    let FileOp::Update { chunks, .. } = &p.ops[0] else {
        panic!()
    };
    assert_eq!(
        chunks[..],
        [chunk(
            None,
            &["import foo"],
            &["import foo", "bar"],
            &[(0, 0)]
        )]
    );
}

#[test]
fn an_add_file_may_be_empty_and_an_end_patch_ends_it_early() {
    let p = parse("*** Begin Patch\n*** Add File: empty\n*** End Patch\nignored\n*** End Patch")
        .unwrap();
    assert_eq!(
        p.ops,
        [FileOp::Add {
            path: "empty".into(),
            contents: String::new()
        }]
    );
}

#[test]
fn what_the_reference_refuses() {
    for (text, line, want) in [
        ("*** Update File: a\n", 1, "must start with"),
        (
            "*** Begin Patch\n*** Update File: a\n@@\n ok\nbad line\n*** End Patch",
            5,
            "got `bad line`",
        ),
        (
            "*** Begin Patch\n*** Add File: a\nno plus\n*** End Patch",
            3,
            "start with '+'",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n*** End Patch",
            2,
            "has no chunk",
        ),
        // A rename alone is an empty Update to the reference.
        (
            "*** Begin Patch\n*** Update File: a\n*** Move to: b\n*** Delete File: c\n*** End Patch",
            2,
            "even a rename",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n@@\n*** End Patch",
            4,
            "no lines under it",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n@@\n*** End of File\n*** End Patch",
            4,
            "no lines",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n@@ class A:\n@@ def f():\n-x\n+y\n*** End Patch",
            4,
            "one `@@` line per chunk",
        ),
        (
            "*** Begin Patch\n*** Frobnicate File: foo\n*** End Patch",
            2,
            "got `*** Frobnicate File: foo`",
        ),
        (
            "*** Begin Patch\n\n*** Add File: a\n+x\n*** End Patch",
            2,
            "got ``",
        ),
        (
            "*** Begin Patch\n*** Delete File: a\n\n*** End Patch",
            3,
            "got ``",
        ),
        (
            "*** Begin Patch\n*** Add File: a\n+x\n\n*** End Patch",
            4,
            "start with '+'",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n@@\n-x\n*** Move to: b\n*** End Patch",
            5,
            "got `*** Move to: b`",
        ),
        (
            "*** Begin Patch\n*** Environment ID: remote\n*** Add File: a\n+x\n*** End Patch",
            2,
            "environment",
        ),
        ("*** Begin Patch\n*** End Patch", 1, "changes no files"),
        (
            "*** Begin Patch\n*** Update File: a\n@@\n-x\n+y",
            5,
            "must end with",
        ),
    ] {
        let e = parse(text).unwrap_err();
        assert!(e.message.contains(want), "{text:?}: {e}");
        assert_eq!(e.line, line, "{text:?}: {e}");
    }
}

#[test]
fn lines_count_from_the_text_as_given() {
    let e = parse("\n\n<<'EOF'\n*** Begin Patch\n*** Bogus\n*** End Patch\nEOF\n").unwrap_err();
    assert_eq!(e.line, 5, "{e}");
}

#[test]
fn blank_lines_around_chunks() {
    // codex-rs/apply-patch/src/parser.rs test_parse_patch_preserves_end_of_file_marker
    let p = parse(
        "*** Begin Patch\n*** Update File: file.txt\n\n@@\n+quux\n*** End of File\n\n*** End Patch",
    )
    .unwrap();
    let FileOp::Update { chunks, .. } = &p.ops[0] else {
        panic!()
    };
    let mut want = chunk(None, &[], &["quux"], &[]);
    want.end_of_file = true;
    assert_eq!(chunks[..], [want]);
}
