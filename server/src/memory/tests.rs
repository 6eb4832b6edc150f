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
    assert!(
        key.starts_with("my-repo-") && key.len() == "my-repo-".len() + 16,
        "{key}"
    );
    assert_eq!(key, project_key(root), "stable");
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
