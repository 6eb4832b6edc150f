use super::*;

fn skill(dir: &Path, name: &str, description: &str, body: &str) {
    std::fs::create_dir_all(dir.join(name)).unwrap();
    std::fs::write(
        dir.join(name).join("SKILL.md"),
        format!("---\nname: {name}\ndescription: {description}\n---\n{body}\n"),
    )
    .unwrap();
}

#[test]
fn project_skills_in_both_folders_hide_user_skills_and_invalid_ones_are_reported() {
    let d = tempfile::tempdir().unwrap();
    let (root, home) = (d.path().join("repo"), d.path().join("home"));
    skill(
        &root.join(".agents/skills"),
        "deploy",
        "Ship it",
        "DEPLOY BODY",
    );
    skill(
        &root.join(".claude/skills"),
        "review",
        "Review code",
        "REVIEW BODY",
    );
    skill(
        &home.join(".claude/skills"),
        "review",
        "User review",
        "USER REVIEW",
    );
    skill(
        &home.join(".agents/skills"),
        "notes",
        "User notes",
        "NOTES BODY",
    );
    // Against the Agent Skills name rules, which Claude Code does not
    // enforce: it loads, with a warning.
    skill(&root.join(".claude/skills"), "Bad_Name", "x", "x");
    let broken = root.join(".claude/skills/broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("SKILL.md"),
        "---\nname: broken\n---\nno description\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join(".claude/skills/no-skill-file")).unwrap();
    let skills = Skills::discover(&root, Some(&home));
    assert_eq!(skills.names(), ["Bad_Name", "deploy", "notes", "review"]);
    assert_eq!(skills.get("review").unwrap().scope, Scope::Project);
    assert_eq!(skills.get("notes").unwrap().scope, Scope::User);
    assert_eq!(skills.problems.len(), 2, "{:?}", skills.problems);
    assert!(skills.problems[0].contains("Bad_Name/SKILL.md loads, but"));
    assert!(skills.problems[1].contains("broken/SKILL.md is invalid"));

    let section = skills.prompt_section();
    assert!(section.contains("- `deploy`: Ship it\n"));
    assert!(section.contains("- `review`: Review code\n"));
    assert!(!section.contains("User review"));
    assert!(!section.contains("BODY"), "bodies stay out of the prompt");

    let body = skills.invoke("review", "").unwrap();
    assert!(body.contains("REVIEW BODY") && !body.contains("USER REVIEW"));
    assert!(body.contains("folder=\".claude/skills/review\""), "{body}");
    let user = skills.invoke("notes", "").unwrap();
    let home_dir = home.join(".agents/skills/notes").display().to_string();
    assert!(user.contains(&format!("folder=\"{home_dir}\"")), "{user}");
    assert!(
        skills
            .invoke("nope", "")
            .unwrap_err()
            .contains("deploy, notes, review")
    );
    assert_eq!(user_roots(Some(&home)).len(), 2);
}

#[test]
fn slash_name_at_the_start_of_a_prompt_expands_the_skill_with_its_arguments() {
    let d = tempfile::tempdir().unwrap();
    skill(
        &d.path().join(".claude/skills"),
        "fix-issue",
        "Fix an issue",
        "Fix issue $ARGUMENTS[0] in $1.",
    );
    let skills = Skills::discover(d.path(), None);
    let (text, name) = skills.expand_prompt("/fix-issue 42 src/a.rs").unwrap();
    assert_eq!(name, "fix-issue");
    assert!(text.starts_with("/fix-issue 42 src/a.rs\n"));
    assert!(text.contains("Fix issue 42 in src/a.rs."), "{text}");
    assert_eq!(skills.expand_prompt("/other thing"), None);
    assert_eq!(skills.expand_prompt("please /fix-issue 1"), None);
}

#[test]
fn user_only_skills_are_not_listed_or_loadable_by_the_model_but_expand_for_the_user() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join(".claude/skills/release");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        "---\nname: release\ndescription: Cut a release\ndisable-model-invocation: true\n---\nRELEASE $ARGUMENTS\n",
    )
    .unwrap();
    let skills = Skills::discover(d.path(), None);
    assert_eq!(skills.prompt_section(), "");
    assert!(
        skills
            .invoke("release", "")
            .unwrap_err()
            .contains("only be invoked by the user")
    );
    let (text, _) = skills.expand_prompt("/release 1.2").unwrap();
    assert!(text.contains("RELEASE 1.2"), "{text}");
}
