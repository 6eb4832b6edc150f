use super::*;

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn names(loaded: &[PathBuf], base: &Path) -> Vec<String> {
    loaded
        .iter()
        .map(|p| p.strip_prefix(base).unwrap().display().to_string())
        .collect()
}

#[test]
fn global_then_root_down_to_cwd_and_not_above_the_repo() {
    let d = tempfile::tempdir().unwrap();
    let outer = d.path();
    let repo = outer.join("repo");
    let home = outer.join("home");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&outer.join("AGENTS.md"), "ABOVE THE REPO");
    write(&repo.join("AGENTS.md"), "root agents");
    write(&repo.join("CLAUDE.md"), "root claude");
    write(&repo.join("a/b/AGENTS.md"), "nested");
    write(&repo.join("a/b/c/other.md"), "not an instruction file");
    write(&home.join(".claude/CLAUDE.md"), "global claude");
    let got = load(&repo.join("a/b/c"), Some(&home), 100_000);
    assert_eq!(
        names(&got.loaded, outer),
        [
            "home/.claude/CLAUDE.md",
            "repo/AGENTS.md",
            "repo/CLAUDE.md",
            "repo/a/b/AGENTS.md"
        ]
    );
    assert!(!got.text.contains("ABOVE THE REPO"));
    let g = got.text.find("global claude").unwrap();
    let r = got.text.find("root agents").unwrap();
    let n = got.text.find("nested").unwrap();
    assert!(g < r && r < n);
}

#[test]
fn override_replaces_agents_md_and_local_follows_claude_md() {
    let d = tempfile::tempdir().unwrap();
    let (repo, home) = (d.path().join("repo"), d.path().join("home"));
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo.join("AGENTS.md"), "shadowed agents");
    write(&repo.join("AGENTS.override.md"), "override agents");
    write(&repo.join("CLAUDE.md"), "team claude");
    write(&repo.join("CLAUDE.local.md"), "my local claude");
    write(&repo.join("sub/AGENTS.md"), "sub agents");
    write(&repo.join("sub/.claude/CLAUDE.md"), "sub dot-claude");
    // An empty override does not hide AGENTS.md.
    write(&repo.join("sub/AGENTS.override.md"), "  \n");
    write(&home.join(".codex/AGENTS.md"), "shadowed global");
    write(&home.join(".codex/AGENTS.override.md"), "global override");
    let got = load(&repo.join("sub"), Some(&home), 100_000);
    assert_eq!(
        names(&got.loaded, d.path()),
        [
            "home/.codex/AGENTS.override.md",
            "repo/AGENTS.override.md",
            "repo/CLAUDE.md",
            "repo/CLAUDE.local.md",
            "repo/sub/AGENTS.md",
            "repo/sub/.claude/CLAUDE.md",
        ]
    );
    assert!(!got.text.contains("shadowed"));
    let team = got.text.find("team claude").unwrap();
    let local = got.text.find("my local claude").unwrap();
    assert!(team < local, "CLAUDE.local.md comes after CLAUDE.md");
}

#[test]
fn imports_are_relative_to_the_importing_file_home_relative_and_not_in_code() {
    let d = tempfile::tempdir().unwrap();
    let (repo, home) = (d.path().join("repo"), d.path().join("home"));
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(
        &repo.join("CLAUDE.md"),
        "Follow @docs/style.md. Personal: @~/prefs.md\nNot `@docs/secret.md`, \
         nor mail@docs/secret.md, nor @missing.md.\n```\n@docs/secret.md\n```\n",
    );
    // Relative to docs/style.md, not to the repository root.
    write(&repo.join("docs/style.md"), "STYLE, see @more/deep.md");
    write(&repo.join("docs/more/deep.md"), "DEEP");
    write(&repo.join("docs/secret.md"), "SECRET");
    write(&home.join("prefs.md"), "PREFS");
    // Outside the repository only Markdown is imported.
    write(&home.join(".aws/credentials"), "AWS-SECRET");
    write(&repo.join("notes.txt"), "REPO NOTES");
    write(
        &repo.join("CLAUDE.local.md"),
        "@~/.aws/credentials @notes.txt",
    );
    // AGENTS.md does not import (Codex has no imports).
    write(&repo.join("AGENTS.md"), "agents @docs/secret.md");
    let got = load(&repo, Some(&home), 100_000);
    assert_eq!(
        names(&got.loaded, d.path()),
        [
            "repo/AGENTS.md",
            "repo/CLAUDE.md",
            "repo/docs/style.md",
            "repo/docs/more/deep.md",
            "home/prefs.md",
            "repo/CLAUDE.local.md",
            "repo/notes.txt",
        ]
    );
    assert!(got.text.contains("STYLE") && got.text.contains("DEEP") && got.text.contains("PREFS"));
    assert!(!got.text.contains("SECRET"), "{}", got.text);
    assert!(got.text.contains(&format!(
        "# Instructions from {} (imported by {})",
        repo.join("docs/style.md").display(),
        repo.join("CLAUDE.md").display()
    )));
}

#[test]
fn import_cycles_end_and_depth_is_capped_at_five_hops() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo.join("CLAUDE.md"), "top @a.md");
    write(&repo.join("a.md"), "A @b.md");
    write(&repo.join("b.md"), "B @a.md @CLAUDE.md"); // a cycle back
    let got = load(repo, None, 100_000);
    assert_eq!(names(&got.loaded, repo), ["CLAUDE.md", "a.md", "b.md"]);
    assert_eq!(got.text.matches("top @a.md").count(), 1);

    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo.join("CLAUDE.md"), "hop0 @1.md");
    for i in 1..=7 {
        write(
            &repo.join(format!("{i}.md")),
            &format!("hop{i} @{}.md", i + 1),
        );
    }
    let got = load(repo, None, 100_000);
    assert_eq!(
        names(&got.loaded, repo),
        ["CLAUDE.md", "1.md", "2.md", "3.md", "4.md", "5.md"]
    );
    assert!(got.text.contains("hop5") && !got.text.contains("hop6"));
}

#[test]
fn over_the_cap_the_nearest_file_stays_whole() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo.join("AGENTS.md"), &"root ".repeat(400));
    write(&repo.join("sub/AGENTS.md"), "nearest rule");
    let got = load(&repo.join("sub"), None, 600);
    assert!(got.text.len() <= 600, "{}", got.text.len());
    assert!(got.text.contains("nearest rule"));
    assert!(got.text.contains("cut: the instruction files exceed"));
    assert_eq!(got.loaded.len(), 2);
}

#[test]
fn nested_files_load_once_when_a_file_under_them_is_first_touched() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(&repo.join("AGENTS.md"), "root");
    write(&repo.join("pkg/AGENTS.md"), "PKG RULES");
    write(&repo.join("pkg/deep/CLAUDE.md"), "DEEP RULES @../shared.md");
    write(&repo.join("pkg/shared.md"), "SHARED");
    write(&repo.join("pkg/deep/x.rs"), "");
    write(&repo.join("pkg/y.rs"), "");
    let start = load(repo, None, 100_000);
    assert_eq!(names(&start.loaded, repo), ["AGENTS.md"]);
    let mut nested = Nested::new(repo, None, 100_000, &start.loaded);
    // A file in the working folder itself loads nothing new.
    assert_eq!(nested.touch(&repo.join("README.md")), None);
    let first = nested.touch(&repo.join("pkg/deep/x.rs")).unwrap();
    assert_eq!(
        names(&first.files, repo),
        ["pkg/AGENTS.md", "pkg/deep/CLAUDE.md", "pkg/shared.md"]
    );
    assert!(first.text.contains("PKG RULES") && first.text.contains("DEEP RULES"));
    assert!(first.text.contains("SHARED"));
    assert!(first.text.contains("pkg/, pkg/deep/"), "{}", first.text);
    // Once per session: touching them again, or a sibling, adds nothing.
    assert_eq!(nested.touch(&repo.join("pkg/deep/x.rs")), None);
    assert_eq!(nested.touch(&repo.join("pkg/y.rs")), None);
    // After compaction dropped their text, a touch brings them back.
    nested.forget();
    let again = nested.touch(&repo.join("pkg/y.rs")).unwrap();
    assert_eq!(names(&again.files, repo), ["pkg/AGENTS.md"]);
}

#[test]
fn nested_loads_respect_the_cap() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path();
    write(&repo.join("big/AGENTS.md"), &"big ".repeat(1000));
    let mut nested = Nested::new(repo, None, 300, &[]);
    let got = nested.touch(&repo.join("big/a.rs")).unwrap();
    assert!(got.text.len() < 600, "{}", got.text.len());
    assert!(got.text.contains("cut: the instruction files exceed"));
}

#[test]
fn touched_paths_of_each_tool() {
    use serde_json::json;
    assert_eq!(
        touched_paths("read", &json!({"path": "a/b.rs"})),
        ["a/b.rs"]
    );
    assert_eq!(touched_paths("edit", &json!({"path": "c.rs"})), ["c.rs"]);
    let patch = "*** Begin Patch\n*** Update File: x/a.rs\n*** Move to: y/b.rs\n@@\n-x\n+y\n*** Add File: z/c.rs\n*** Delete File: d.rs\n*** End Patch";
    assert_eq!(
        touched_paths("apply_patch", &json!({ "patch": patch })),
        ["x/a.rs", "y/b.rs", "z/c.rs"]
    );
    assert!(touched_paths("shell", &json!({"command": "cat a/b.rs"})).is_empty());
}
