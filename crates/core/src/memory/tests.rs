use super::*;

#[test]
fn project_memory_in_the_state_folder_by_default_or_in_the_repo() {
    let root = Path::new("/work/my repo");
    let state = Some(PathBuf::from("/state"));
    let config = Some(PathBuf::from("/config"));
    let m = Memory::locate(
        root,
        &MemorySettings::default(),
        state.clone(),
        config.clone(),
    )
    .unwrap();
    let key = project_key(root);
    // Pinned: a changed hash would orphan every user's memory folder.
    assert_eq!(key, "my-repo-76df80f48cebc666");
    assert_ne!(key, project_key(Path::new("/other/my repo")));
    assert_eq!(
        m.project,
        PathBuf::from(format!("/state/tandem/memory/{key}/MEMORY.md"))
    );
    assert_eq!(m.user, Some(PathBuf::from("/config/tandem/MEMORY.md")));
    assert_eq!(m.cap, DEFAULT_CAP);

    let repo = MemorySettings {
        project: Some(ProjectPlace::Repo),
        cap_bytes: Some(100),
        ..Default::default()
    };
    let m = Memory::locate(root, &repo, None, config.clone()).unwrap();
    assert_eq!(m.project, root.join(".tandem/MEMORY.md"));
    assert_eq!(m.cap, 100);

    let off = MemorySettings {
        enabled: Some(false),
        ..Default::default()
    };
    assert_eq!(Memory::locate(root, &off, state, config), None);
}

#[test]
fn the_prompt_holds_both_files_within_the_cap() {
    let d = tempfile::tempdir().unwrap();
    let project = d.path().join("p/MEMORY.md");
    let user = d.path().join("u/MEMORY.md");
    std::fs::create_dir_all(project.parent().unwrap()).unwrap();
    std::fs::write(&project, "- project fact one\n- project fact two\n").unwrap();
    let m = Memory {
        project: project.clone(),
        user: Some(user.clone()),
        cap: 1000,
    };
    let (text, problems) = m.prompt_section();
    assert!(problems.is_empty());
    assert!(text.contains("project fact two"));
    assert!(text.contains(&format!("## Project memory ({})", project.display())));
    assert!(text.contains(&format!("## User memory ({})\n\n(empty)", user.display())));

    let small = Memory { cap: 25, ..m };
    let (text, _) = small.prompt_section();
    assert!(text.contains("project fact one") && !text.contains("project fact two"));
    assert!(text.contains("cut at the memory size cap"), "{text}");
}

#[test]
fn one_workspace_one_key_whatever_path_reaches_it() {
    let d = tempfile::tempdir().unwrap();
    let real = d.path().join("repo");
    std::fs::create_dir_all(real.join("sub")).unwrap();
    let link = d.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let key = project_key(&real);
    assert_eq!(project_key(&link), key, "through a symlink");
    assert_eq!(project_key(&real.join("sub/..")), key, "with ..");
    assert_ne!(project_key(&real.join("sub")), key);
}

#[test]
fn the_cap_is_shared_by_both_files() {
    let d = tempfile::tempdir().unwrap();
    let project = d.path().join("p/MEMORY.md");
    let user = d.path().join("u/MEMORY.md");
    for (path, word) in [(&project, "project"), (&user, "user")] {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let lines: String = (0..10).map(|i| format!("- {word} fact {i}\n")).collect();
        std::fs::write(path, lines).unwrap();
    }
    // Room for the whole project file (170 bytes) and a bit of the user's.
    let m = Memory {
        project,
        user: Some(user),
        cap: 200,
    };
    let (text, _) = m.prompt_section();
    assert!(text.contains("- project fact 9"), "{text}");
    assert!(
        text.contains("- user fact 0") && !text.contains("- user fact 3"),
        "{text}"
    );
    assert!(text.contains("scope `user` shows all of it"), "{text}");
    assert!(!text.contains("scope `project` shows"), "{text}");
}
