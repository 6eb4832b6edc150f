//! `apply_patch` against Codex's reference implementation of the format
//! (`codex-rs/apply-patch` in openai/codex). Each case of the table below is
//! one the reference documents in its tests: the files before, the patch,
//! and the files after or a refusal, as the reference ends. Every case runs
//! through the real binary (`tandem exec --apply` with a scripted model
//! calling `apply_patch`), so what is compared is what a user gets on disk
//! and what the model is told.
//!
//! One deliberate difference, kept as data too: where the reference applies
//! a patch op by op and leaves the ops before a failure applied, Tandem
//! changes nothing (`AllOrNothing`).

use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use tandem_tests::lark::Grammar;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, tandem_command};
use tandem_tests::wire::{offered_tool, tool_results};

type Files = &'static [(&'static str, &'static str)];

/// How the reference ends a case.
#[derive(Clone, Copy, Debug)]
enum After {
    /// The patch applies and these are all the files afterwards.
    Files(Files),
    /// The patch is refused and no file changes.
    Refused,
    /// The reference fails part way and leaves these files; Tandem refuses
    /// the whole patch and no file changes.
    AllOrNothing(Files),
}

#[derive(Clone, Copy, Debug)]
struct Case {
    name: &'static str,
    /// Where in the reference (openai/codex, codex-rs/apply-patch/) the
    /// case comes from.
    source: &'static str,
    before: Files,
    patch: &'static str,
    after: After,
}

/// Run one case; `Err` says how Tandem differed from the expectation.
fn check(case: &Case) -> Result<(), String> {
    let repo = tempfile::tempdir().unwrap();
    for (path, text) in case.before {
        let path = repo.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let before = files(repo.path());
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("apply_patch", json!({ "patch": case.patch })))
            .turn(Turn::say("done")),
    );
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "go", "--provider", "anthropic", "--model", "m"])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        .args(["--apply", "--json", "-C"])
        .arg(repo.path())
        .output()
        .unwrap();
    let name = format!("{} ({})", case.name, case.source);
    if !out.status.success() {
        return Err(format!("{name}: tandem exec failed\n{}", describe(&out)));
    }
    let told = tool_results(&model.requests()[1]).join("\n");
    let refused = told.contains("Nothing was changed.");
    let got = files(repo.path());
    let (want_refused, want) = match case.after {
        After::Files(f) => (
            false,
            f.iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        ),
        After::Refused | After::AllOrNothing(_) => (true, before),
    };
    if refused != want_refused {
        let want = match case.after {
            After::Files(_) => "the patch applied".to_string(),
            After::Refused => "a refusal".to_string(),
            After::AllOrNothing(partial) => format!(
                "a refusal (the reference applies part of it, leaving {partial:?}; Tandem applies all or nothing)"
            ),
        };
        return Err(format!(
            "{name}: expected {want}; the model was told:\n{told}"
        ));
    }
    if got != want {
        return Err(format!(
            "{name}: the files differ from the reference's\n  want: {want:?}\n  got:  {got:?}\nthe model was told:\n{told}"
        ));
    }
    Ok(())
}

/// Every file under `root`, by `/`-separated relative path.
fn files(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.insert(
                    rel,
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Every case, a few at a time (each is a process and a model server).
fn check_all(cases: &[Case]) -> Vec<String> {
    let per_thread = cases.len().div_ceil(4);
    std::thread::scope(|s| {
        let runs: Vec<_> = cases
            .chunks(per_thread)
            .map(|some| {
                s.spawn(move || {
                    some.iter()
                        .filter_map(|c| check(c).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
    })
}

#[test]
fn apply_patch_ends_as_the_reference_does_on_its_documented_cases() {
    let failures = check_all(CASES);
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from the reference:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

/// The grammar Tandem sends with `apply_patch` as a freeform tool (to a
/// gpt-5 model on the Responses API), read from the request.
fn freeform_grammar() -> String {
    let model = ScriptedServer::start(Script::new().turn(Turn::say("done")));
    let home = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "go", "--provider", "openai", "--model", "gpt-5"])
        .args(["--base-url", &format!("{}/v1", model.url())])
        .args(["-c", "model.api_key=\"k\"", "-C"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let tool = offered_tool(&model.requests()[0], "apply_patch").unwrap();
    tool["format"]["definition"].as_str().unwrap().to_string()
}

/// Cases whose patch uses what the parser tolerates but the grammar leaves
/// out: a model constrained by it writes the canonical form.
const TOLERATED: &[&str] = &[
    "a file header with leading spaces",
    "patch markers with spaces around them",
    "unicode text",
    "an end marker with a leading space",
    "a heredoc around the patch",
    "a single-quoted heredoc around the patch",
    "a double-quoted heredoc around the patch",
];

/// Refused for their form, not for the files they name: the grammar
/// refuses them too.
const MALFORMED: &[&str] = &[
    "an empty patch is refused",
    "an empty update is refused",
    "an unknown header is refused",
    "a heredoc with mismatched quotes is refused",
    "a heredoc around half a patch is refused",
    "a patch without its end marker is refused",
    "a second @@ line before the chunk's lines is refused",
];

/// Every patch of the table that applies, in its canonical form, is one
/// the freeform grammar accepts; the malformed ones it refuses.
#[test]
fn the_freeform_grammar_accepts_the_patches_that_apply() {
    let grammar = Grammar::new(&freeform_grammar()).unwrap();
    let named = |names: &[&str]| {
        for n in names {
            assert!(CASES.iter().any(|c| c.name == *n), "no case {n}");
        }
    };
    named(TOLERATED);
    named(MALFORMED);
    let mut wrong = Vec::new();
    let mut accepted = 0;
    for case in CASES {
        let applies = matches!(case.after, After::Files(_));
        let want = if TOLERATED.contains(&case.name) || MALFORMED.contains(&case.name) {
            false
        } else if applies {
            accepted += 1;
            true
        } else {
            continue;
        };
        if grammar.accepts(case.patch) != want {
            wrong.push(format!(
                "{} (want accepted: {want}): {:?}",
                case.name, case.patch
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(accepted >= 20, "only {accepted} canonical cases");
    println!("the grammar accepts {accepted} canonical patches of the table");
}

/// The table would notice: expectations of what Tandem did before it
/// followed the reference (refusing an Add File over an existing file;
/// leaving an updated file without its final newline) are reported.
#[test]
fn the_table_reports_an_expectation_of_the_old_behaviour() {
    let case = |name: &str| *CASES.iter().find(|c| c.name == name).unwrap();
    let old = [
        Case {
            after: After::Refused,
            ..case("add overwrites an existing file")
        },
        Case {
            after: After::Files(&[("no_newline.txt", "first line\nsecond line")]),
            ..case("an update ends the file with a newline")
        },
    ];
    let failures = check_all(&old);
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert!(
        failures[0].contains("expected a refusal"),
        "{}",
        failures[0]
    );
    assert!(failures[1].contains("the files differ"), "{}", failures[1]);
}

const CASES: &[Case] = &[
    Case {
        name: "add a file",
        source: "src/lib.rs test_add_file_hunk_creates_file_with_contents",
        before: &[],
        patch: "*** Begin Patch\n*** Add File: add.txt\n+ab\n+cd\n*** End Patch",
        after: After::Files(&[("add.txt", "ab\ncd\n")]),
    },
    Case {
        name: "multiple operations",
        source: "tests/fixtures/scenarios/002_multiple_operations",
        before: &[
            ("modify.txt", "line1\nline2\n"),
            ("delete.txt", "obsolete\n"),
        ],
        patch: "*** Begin Patch\n*** Add File: nested/new.txt\n+created\n*** Delete File: delete.txt\n*** Update File: modify.txt\n@@\n-line2\n+changed\n*** End Patch",
        after: After::Files(&[
            ("modify.txt", "line1\nchanged\n"),
            ("nested/new.txt", "created\n"),
        ]),
    },
    Case {
        name: "multiple chunks",
        source: "tests/fixtures/scenarios/003_multiple_chunks",
        before: &[("multi.txt", "line1\nline2\nline3\nline4\n")],
        patch: "*** Begin Patch\n*** Update File: multi.txt\n@@\n-line2\n+changed2\n@@\n-line4\n+changed4\n*** End Patch",
        after: After::Files(&[("multi.txt", "line1\nchanged2\nline3\nchanged4\n")]),
    },
    Case {
        name: "move to a new directory",
        source: "tests/fixtures/scenarios/004_move_to_new_directory",
        before: &[
            ("old/name.txt", "old content\n"),
            ("old/other.txt", "other\n"),
        ],
        patch: "*** Begin Patch\n*** Update File: old/name.txt\n*** Move to: renamed/dir/name.txt\n@@\n-old content\n+new content\n*** End Patch",
        after: After::Files(&[
            ("old/other.txt", "other\n"),
            ("renamed/dir/name.txt", "new content\n"),
        ]),
    },
    Case {
        name: "an empty patch is refused",
        source: "tests/fixtures/scenarios/005_rejects_empty_patch",
        before: &[("foo.txt", "foo\n")],
        patch: "*** Begin Patch\n*** End Patch",
        after: After::Refused,
    },
    Case {
        name: "missing context is refused",
        source: "tests/fixtures/scenarios/006_rejects_missing_context",
        before: &[("modify.txt", "line1\nline2\n")],
        patch: "*** Begin Patch\n*** Update File: modify.txt\n@@\n-missing\n+changed\n*** End Patch",
        after: After::Refused,
    },
    Case {
        name: "deleting a missing file is refused",
        source: "tests/fixtures/scenarios/007_rejects_missing_file_delete",
        before: &[("foo.txt", "foo\n")],
        patch: "*** Begin Patch\n*** Delete File: missing.txt\n*** End Patch",
        after: After::Refused,
    },
    Case {
        name: "an empty update is refused",
        source: "tests/fixtures/scenarios/008_rejects_empty_update_hunk",
        before: &[("foo.txt", "foo\n")],
        patch: "*** Begin Patch\n*** Update File: foo.txt\n*** End Patch",
        after: After::Refused,
    },
    Case {
        name: "updating a missing file is refused",
        source: "tests/fixtures/scenarios/009_requires_existing_file_for_update",
        before: &[("foo.txt", "foo\n")],
        patch: "*** Begin Patch\n*** Update File: missing.txt\n@@\n-old\n+new\n*** End Patch",
        after: After::Refused,
    },
    Case {
        name: "move overwrites an existing destination",
        source: "tests/fixtures/scenarios/010_move_overwrites_existing_destination",
        before: &[
            ("old/name.txt", "from\n"),
            ("old/other.txt", "other\n"),
            ("renamed/dir/name.txt", "existing\n"),
        ],
        patch: "*** Begin Patch\n*** Update File: old/name.txt\n*** Move to: renamed/dir/name.txt\n@@\n-from\n+new\n*** End Patch",
        after: After::Files(&[
            ("old/other.txt", "other\n"),
            ("renamed/dir/name.txt", "new\n"),
        ]),
    },
    Case {
        name: "add overwrites an existing file",
        source: "tests/fixtures/scenarios/011_add_overwrites_existing_file",
        before: &[("duplicate.txt", "old content\n")],
        patch: "*** Begin Patch\n*** Add File: duplicate.txt\n+new content\n*** End Patch",
        after: After::Files(&[("duplicate.txt", "new content\n")]),
    },
    Case {
        name: "deleting a directory is refused",
        source: "tests/fixtures/scenarios/012_delete_directory_fails",
        before: &[("dir/foo.txt", "foo\n")],
        patch: "*** Begin Patch\n*** Delete File: dir\n*** End Patch",
        after: After::Refused,
    },
    Case {
        name: "an unknown header is refused",
        source: "tests/fixtures/scenarios/013_rejects_invalid_hunk_header",
        before: &[("foo.txt", "foo\n")],
        patch: "*** Begin Patch\n*** Frobnicate File: foo\n*** End Patch",
        after: After::Refused,
    },
    Case {
        name: "an update ends the file with a newline",
        source: "tests/fixtures/scenarios/014_update_file_appends_trailing_newline",
        before: &[("no_newline.txt", "no newline at end")],
        patch: "*** Begin Patch\n*** Update File: no_newline.txt\n@@\n-no newline at end\n+first line\n+second line\n*** End Patch",
        after: After::Files(&[("no_newline.txt", "first line\nsecond line\n")]),
    },
    Case {
        name: "a failure after a success",
        source: "tests/fixtures/scenarios/015_failure_after_partial_success_leaves_changes",
        before: &[],
        patch: "*** Begin Patch\n*** Add File: created.txt\n+hello\n*** Update File: missing.txt\n@@\n-old\n+new\n*** End Patch",
        after: After::AllOrNothing(&[("created.txt", "hello\n")]),
    },
    Case {
        name: "a pure addition goes at the end",
        source: "tests/fixtures/scenarios/016_pure_addition_update_chunk",
        before: &[("input.txt", "line1\nline2\n")],
        patch: "*** Begin Patch\n*** Update File: input.txt\n@@\n+added line 1\n+added line 2\n*** End Patch",
        after: After::Files(&[("input.txt", "line1\nline2\nadded line 1\nadded line 2\n")]),
    },
    Case {
        name: "a file header with leading spaces",
        source: "tests/fixtures/scenarios/017_whitespace_padded_hunk_header",
        before: &[("foo.txt", "old\n")],
        patch: "*** Begin Patch\n  *** Update File: foo.txt\n@@\n-old\n+new\n*** End Patch\n",
        after: After::Files(&[("foo.txt", "new\n")]),
    },
    Case {
        name: "patch markers with spaces around them",
        source: "tests/fixtures/scenarios/018_whitespace_padded_patch_markers",
        before: &[("file.txt", "one\n")],
        patch: " *** Begin Patch\n*** Update File: file.txt\n@@\n-one\n+two\n*** End Patch \n",
        after: After::Files(&[("file.txt", "two\n")]),
    },
    Case {
        name: "unicode text",
        source: "tests/fixtures/scenarios/019_unicode_simple",
        before: &[("foo.txt", "line1\nna\u{ef}ve caf\u{e9}\nline3\n")],
        patch: "*** Begin Patch\n*** Update File: foo.txt\n@@\n line1\n-na\u{ef}ve caf\u{e9}\n+na\u{ef}ve caf\u{e9} \u{2705}\n*** End Patch \n",
        after: After::Files(&[("foo.txt", "line1\nna\u{ef}ve caf\u{e9} \u{2705}\nline3\n")]),
    },
    Case {
        name: "delete a file",
        source: "tests/fixtures/scenarios/020_delete_file_success",
        before: &[("keep.txt", "keep\n"), ("obsolete.txt", "obsolete\n")],
        patch: "*** Begin Patch\n*** Delete File: obsolete.txt\n*** End Patch",
        after: After::Files(&[("keep.txt", "keep\n")]),
    },
    Case {
        name: "an end marker with a leading space",
        source: "tests/fixtures/scenarios/020_whitespace_padded_patch_marker_lines",
        before: &[("file.txt", "one\n")],
        patch: "*** Begin Patch \n*** Update File: file.txt\n@@\n-one\n+two\n *** End Patch\n",
        after: After::Files(&[("file.txt", "two\n")]),
    },
    Case {
        name: "an update that only deletes",
        source: "tests/fixtures/scenarios/021_update_file_deletion_only",
        before: &[("lines.txt", "line1\nline2\nline3\n")],
        patch: "*** Begin Patch\n*** Update File: lines.txt\n@@\n line1\n-line2\n line3\n*** End Patch\n",
        after: After::Files(&[("lines.txt", "line1\nline3\n")]),
    },
    Case {
        name: "an end of file anchor",
        source: "tests/fixtures/scenarios/022_update_file_end_of_file_marker",
        before: &[("tail.txt", "first\nsecond\n")],
        patch: "*** Begin Patch\n*** Update File: tail.txt\n@@\n first\n-second\n+second updated\n*** End of File\n*** End Patch\n",
        after: After::Files(&[("tail.txt", "first\nsecond updated\n")]),
    },
    Case {
        name: "interleaved chunks and an end of file anchor",
        source: "src/lib.rs test_update_file_hunk_interleaved_changes",
        before: &[("interleaved.txt", "a\nb\nc\nd\ne\nf\n")],
        patch: "*** Begin Patch\n*** Update File: interleaved.txt\n@@\n a\n-b\n+B\n@@\n c\n d\n-e\n+E\n@@\n f\n+g\n*** End of File\n*** End Patch",
        after: After::Files(&[("interleaved.txt", "a\nB\nc\nd\nE\nf\ng\n")]),
    },
    Case {
        name: "a pure addition before a removal",
        source: "src/lib.rs test_pure_addition_chunk_followed_by_removal",
        before: &[("panic.txt", "line1\nline2\nline3\n")],
        patch: "*** Begin Patch\n*** Update File: panic.txt\n@@\n+after-context\n+second-line\n@@\n line1\n-line2\n-line3\n+line2-replacement\n*** End Patch",
        after: After::Files(&[(
            "panic.txt",
            "line1\nline2-replacement\nafter-context\nsecond-line\n",
        )]),
    },
    Case {
        name: "ASCII matches typographic punctuation",
        source: "src/lib.rs test_update_line_with_unicode_dash",
        before: &[(
            "unicode.py",
            "import asyncio  # local import \u{2013} avoids top\u{2011}level dep\n",
        )],
        patch: "*** Begin Patch\n*** Update File: unicode.py\n@@\n-import asyncio  # local import - avoids top-level dep\n+import asyncio  # HELLO\n*** End Patch",
        after: After::Files(&[("unicode.py", "import asyncio  # HELLO\n")]),
    },
    Case {
        name: "a move",
        source: "src/lib.rs test_update_file_hunk_can_move_file",
        before: &[("src.txt", "line\n")],
        patch: "*** Begin Patch\n*** Update File: src.txt\n*** Move to: dst.txt\n@@\n-line\n+line2\n*** End Patch",
        after: After::Files(&[("dst.txt", "line2\n")]),
    },
    Case {
        name: "CRLF is kept",
        source: "tests/suite/tool.rs test_apply_patch_cli_preserves_crlf_from_target_file",
        before: &[("crlf.txt", "one\r\ntwo\r\nthree\r\n")],
        patch: "*** Begin Patch\n*** Update File: crlf.txt\n@@\n-one\n+uno\n@@\n two\n+\n+between\n three\n*** End Patch",
        after: After::Files(&[("crlf.txt", "uno\r\ntwo\r\n\r\nbetween\r\nthree\r\n")]),
    },
    Case {
        name: "repeated lines keep the patch's order",
        source: "tests/suite/tool.rs test_apply_patch_cli_preserves_change_order_with_repeated_lines",
        before: &[("repeated.txt", "a\nb\n")],
        patch: "*** Begin Patch\n*** Update File: repeated.txt\n@@\n-a\n-b\n+b\n+b\n+a\n*** End Patch",
        after: After::Files(&[("repeated.txt", "b\nb\na\n")]),
    },
    Case {
        name: "a context line keeps its own line ending",
        source: "tests/suite/tool.rs test_apply_patch_cli_preserves_repeated_context_line_ending",
        before: &[("repeated_context.txt", "same\r\nsame\n")],
        patch: "*** Begin Patch\n*** Update File: repeated_context.txt\n@@\n-same\n same\n*** End Patch",
        after: After::Files(&[("repeated_context.txt", "same\n")]),
    },
    Case {
        name: "mixed line endings are kept",
        source: "tests/suite/tool.rs test_apply_patch_cli_preserves_untouched_mixed_line_endings",
        before: &[("mixed.txt", "one\r\ntwo\nthree\r\nfour\n")],
        patch: "*** Begin Patch\n*** Update File: mixed.txt\n@@\n one\n two\n-three\n+THREE\n four\n*** End Patch",
        after: After::Files(&[("mixed.txt", "one\r\ntwo\nTHREE\r\nfour\n")]),
    },
    Case {
        name: "a new final newline is CRLF in a CRLF file",
        source: "tests/suite/tool.rs test_apply_patch_cli_uses_crlf_for_new_trailing_newline",
        before: &[("no_trailing_newline.txt", "one\r\ntwo")],
        patch: "*** Begin Patch\n*** Update File: no_trailing_newline.txt\n@@\n-one\n+ONE\n*** End Patch",
        after: After::Files(&[("no_trailing_newline.txt", "ONE\r\ntwo\r\n")]),
    },
    Case {
        name: "a heredoc around the patch",
        source: "src/parser.rs test_parse_patch_lenient (<<EOF)",
        before: &[("file2.py", "import foo\n")],
        patch: "<<EOF\n*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch\nEOF\n",
        after: After::Files(&[("file2.py", "import foo\nbar\n")]),
    },
    Case {
        name: "a single-quoted heredoc around the patch",
        source: "src/parser.rs test_parse_patch_lenient (<<'EOF')",
        before: &[("file2.py", "import foo\n")],
        patch: "<<'EOF'\n*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch\nEOF\n",
        after: After::Files(&[("file2.py", "import foo\nbar\n")]),
    },
    Case {
        name: "a double-quoted heredoc around the patch",
        source: "src/parser.rs test_parse_patch_lenient (<<\"EOF\")",
        before: &[("file2.py", "import foo\n")],
        patch: "<<\"EOF\"\n*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch\nEOF\n",
        after: After::Files(&[("file2.py", "import foo\nbar\n")]),
    },
    Case {
        name: "a heredoc with mismatched quotes is refused",
        source: "src/parser.rs test_parse_patch_lenient (<<\"EOF')",
        before: &[("file2.py", "import foo\n")],
        patch: "<<\"EOF'\n*** Begin Patch\n*** Update File: file2.py\n import foo\n+bar\n*** End Patch\nEOF\n",
        after: After::Refused,
    },
    Case {
        name: "a heredoc around half a patch is refused",
        source: "src/parser.rs test_parse_patch_lenient (missing closing marker)",
        before: &[("file2.py", "import foo\n")],
        patch: "<<EOF\n*** Begin Patch\n*** Update File: file2.py\nEOF\n",
        after: After::Refused,
    },
    Case {
        name: "a patch without its end marker is refused",
        source: "src/parser.rs test_parse_patch (\"*** Begin Patch\\nbad\")",
        before: &[("a.txt", "a\n")],
        patch: "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b",
        after: After::Refused,
    },
    Case {
        name: "a second @@ line before the chunk's lines is refused",
        source: "src/parser.rs test_update_file_chunk (a line after @@ that is not ' ', '+' or '-')",
        before: &[("a.py", "class A:\n    def f():\n        pass\n")],
        patch: "*** Begin Patch\n*** Update File: a.py\n@@ class A:\n@@     def f():\n-        pass\n+        return 1\n*** End Patch",
        after: After::Refused,
    },
    Case {
        name: "a blank line after the end of file anchor",
        source: "src/parser.rs test_parse_patch_preserves_end_of_file_marker",
        before: &[("file.txt", "foo\nbar\nbaz\n")],
        patch: "*** Begin Patch\n*** Update File: file.txt\n@@\n+quux\n*** End of File\n\n*** End Patch",
        after: After::Files(&[("file.txt", "foo\nbar\nbaz\nquux\n")]),
    },
];
