use super::*;
use crate::parser::{FileOp, parse};

/// The text of `file` after the chunks of a one-Update patch whose body
/// (the lines after `*** Update File: f`) is `body`.
fn updated(file: &str, body: &str) -> Result<Updated, UpdateError> {
    let patch = parse(&format!(
        "*** Begin Patch\n*** Update File: f\n{body}\n*** End Patch"
    ))
    .unwrap();
    let FileOp::Update { chunks, .. } = &patch.ops[0] else {
        panic!()
    };
    update(file, chunks)
}

fn text(file: &str, body: &str) -> String {
    updated(file, body).unwrap_or_else(|e| panic!("{e}")).text
}

#[test]
fn chunks_apply_in_order_and_context_picks_between_twins() {
    let code = "def a():\n    return 1\n\ndef b():\n    return 1\n";
    let u = updated(code, "@@ def b():\n-    return 1\n+    return 2").unwrap();
    assert_eq!(u.text, "def a():\n    return 1\n\ndef b():\n    return 2\n");
    assert_eq!((u.added, u.removed), (1, 1));
    // codex-rs/apply-patch/src/lib.rs test_update_file_hunk_interleaved_changes
    assert_eq!(
        text(
            "a\nb\nc\nd\ne\nf\n",
            "@@\n a\n-b\n+B\n@@\n c\n d\n-e\n+E\n@@\n f\n+g\n*** End of File"
        ),
        "a\nB\nc\nd\nE\nf\ng\n"
    );
}

#[test]
fn a_pure_addition_goes_to_the_end_of_the_file() {
    // codex-rs/apply-patch/src/lib.rs test_pure_addition_chunk_followed_by_removal
    assert_eq!(
        text(
            "line1\nline2\nline3\n",
            "@@\n+after-context\n+second-line\n@@\n line1\n-line2\n-line3\n+line2-replacement"
        ),
        "line1\nline2-replacement\nafter-context\nsecond-line\n"
    );
    // Even under a `@@` line, which must still be found.
    assert_eq!(
        text("class A:\n    x = 1\ny = 2\n", "@@ class A:\n+    z = 3"),
        "class A:\n    x = 1\ny = 2\n    z = 3\n"
    );
    assert!(matches!(
        updated("a\n", "@@ nope\n+b"),
        Err(UpdateError::Context { .. })
    ));
}

#[test]
fn the_file_ends_with_a_newline_and_keeps_its_line_endings() {
    // scenarios/014_update_file_appends_trailing_newline
    assert_eq!(
        text(
            "no newline at end",
            "@@\n-no newline at end\n+first line\n+second line"
        ),
        "first line\nsecond line\n"
    );
    // tests/suite/tool.rs: CRLF kept, mixed endings kept, CRLF for new ends.
    assert_eq!(
        text(
            "one\r\ntwo\r\nthree\r\n",
            "@@\n-one\n+uno\n@@\n two\n+\n+between\n three"
        ),
        "uno\r\ntwo\r\n\r\nbetween\r\nthree\r\n"
    );
    assert_eq!(
        text(
            "one\r\ntwo\nthree\r\nfour\n",
            "@@\n one\n two\n-three\n+THREE\n four"
        ),
        "one\r\ntwo\nTHREE\r\nfour\n"
    );
    assert_eq!(text("one\r\ntwo", "@@\n-one\n+ONE"), "ONE\r\ntwo\r\n");
    assert_eq!(text("same\r\nsame\n", "@@\n-same\n same"), "same\n");
    assert_eq!(text("a\nb\n", "@@\n-a\n-b\n+b\n+b\n+a"), "b\nb\na\n");
}

#[test]
fn context_lines_matched_leniently_stay_as_the_file_has_them() {
    assert_eq!(
        text(
            "say \u{201C}hi\u{201D}  \nnext\n",
            "@@\n say \"hi\"\n-next\n+NEXT"
        ),
        "say \u{201C}hi\u{201D}  \nNEXT\n"
    );
    // codex-rs/apply-patch/src/lib.rs test_update_line_with_unicode_dash
    assert_eq!(
        text(
            "import asyncio  # local import \u{2013} avoids top\u{2011}level dep\n",
            "@@\n-import asyncio  # local import - avoids top-level dep\n+import asyncio  # HELLO"
        ),
        "import asyncio  # HELLO\n"
    );
}

#[test]
fn end_of_file_chunks_match_only_at_the_end() {
    assert_eq!(
        text("x\nend\n", "@@\n-end\n+END\n*** End of File"),
        "x\nEND\n"
    );
    let e = updated("end\nx\n", "@@\n-end\n+END\n*** End of File").unwrap_err();
    assert!(e.to_string().contains("at the end of the file"), "{e}");
}

#[test]
fn a_last_empty_context_line_may_stand_for_the_final_newline() {
    assert_eq!(text("a\nb\n", "@@\n a\n-b\n+c\n"), "a\nc\n");
    // Only one: two empty lines are more than the file has.
    assert!(updated("a\nb\n", "@@\n a\n-b\n+c\n \n").is_err());
}

#[test]
fn failures_say_which_chunk_and_what_was_looked_for() {
    let e = updated("one\ntwo\n", "@@\n one\n-two\n+2\n@@\n-three\n+3").unwrap_err();
    assert_eq!(
        e,
        UpdateError::Lines {
            chunk: 2,
            lines: vec!["three".into()],
            after: 2,
            end_of_file: false
        }
    );
    assert_eq!(
        e.to_string(),
        "chunk 2: could not find these lines after line 2:\n  three"
    );
    let e = updated(
        "a\nb\nc\n",
        "@@\n-b\n-c\n+B\n@@\n-a\n-b\n-c\n+x\n*** End of File",
    )
    .unwrap_err();
    assert_eq!(e, UpdateError::Overlap { chunk: 2 });
}

#[test]
fn an_indented_header_read_as_context_is_explained() {
    // The reference reads `  *** Update File: b` after a chunk's lines as a
    // context line of a, so the chunk is not found; the error says why.
    let e = updated("x\n", "@@\n-x\n+y\n  *** Update File: b\n@@\n-b\n+c").unwrap_err();
    let text = e.to_string();
    assert!(text.contains("\n   *** Update File: b\n"), "{text}");
    assert!(text.contains("is a context line here"), "{text}");
    let plain = updated("x\n", "@@\n-z\n+y").unwrap_err().to_string();
    assert!(!plain.contains("context line here"), "{plain}");
}
