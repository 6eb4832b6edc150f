//! The repository as a task gets it: a git bundle of HEAD plus every file
//! of the working tree that differs from it (changed, added, untracked and
//! not ignored) and the paths deleted since. Objects are named by their
//! git ids (`bundle/<HEAD commit>`, `blob/<blob id>`), so a second task of
//! the same repository uploads only what is not stored yet.

use crate::connect::Fleet;
use crate::names;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::{Command, Stdio};

/// The largest snapshot a task may carry (bundle plus files), in bytes.
pub const MAX_SNAPSHOT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The commit the bundle holds.
    pub head: String,
    /// Files that differ from HEAD, with their blob ids.
    pub files: Vec<FileEntry>,
    /// Paths in HEAD that are gone from the working tree.
    pub deleted: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub oid: String,
    #[serde(default)]
    pub executable: bool,
}

/// What uploading a snapshot did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Uploaded {
    /// Objects sent now (the rest were stored already).
    pub objects_sent: usize,
    pub bytes_sent: u64,
}

/// Read the snapshot of the repository at `root`, refusing one larger
/// than `limit` bytes. The bytes of each object are read when uploaded.
pub fn snapshot(root: &Path, limit: u64) -> Result<Manifest, String> {
    git(root, &["rev-parse", "--is-inside-work-tree"], None).map_err(|_| {
        format!(
            "{} is not a git repository: remote tasks ship the repository as git objects",
            root.display()
        )
    })?;
    let head = text(
        git(root, &["rev-parse", "--verify", "HEAD"], None).map_err(|_| {
            "the repository has no commit yet: commit once, then submit".to_string()
        })?,
    );
    // The worker unpacks the whole repository and runs the task at its top.
    let prefix = text(git(root, &["rev-parse", "--show-prefix"], None)?);
    if !prefix.is_empty() {
        return Err(format!(
            "submit from the repository's top folder (this is its `{}`)",
            prefix.trim_end_matches('/')
        ));
    }
    // Paths relative to the top, NUL-separated: names with any bytes survive.
    let status = git(
        root,
        &[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--",
            ".",
        ],
        None,
    )?;
    let mut present = Vec::new();
    let mut deleted = Vec::new();
    for entry in status.split(|b| *b == 0).filter(|e| e.len() > 3) {
        let (code, path) = (
            &entry[..2],
            String::from_utf8_lossy(&entry[3..]).into_owned(),
        );
        // Porcelain paths are relative to the top; turn them into `root`'s.
        if code[1] == b'D' || (code[0] == b'D' && code[1] == b' ') {
            deleted.push(path);
        } else {
            present.push(path);
        }
    }
    let present: Vec<String> = present
        .into_iter()
        .filter(|p| root.join(p).is_file())
        .collect();
    let mut size = 0u64;
    let mut files = Vec::new();
    if !present.is_empty() {
        let list = present.join("\n") + "\n";
        let ids = text(git(
            root,
            &["hash-object", "--stdin-paths"],
            Some(list.as_bytes()),
        )?);
        for (path, oid) in present.iter().zip(ids.lines()) {
            let meta = std::fs::metadata(root.join(path)).map_err(|e| format!("{path}: {e}"))?;
            size += meta.len();
            use std::os::unix::fs::PermissionsExt;
            files.push(FileEntry {
                path: path.clone(),
                oid: oid.to_string(),
                executable: meta.permissions().mode() & 0o111 != 0,
            });
        }
    }
    if size > limit {
        return Err(format!(
            "the working-tree changes are {} MB, over the {} MB a task may carry; commit or ignore the large files",
            size / 1_000_000,
            limit / 1_000_000
        ));
    }
    Ok(Manifest {
        head,
        files,
        deleted,
    })
}

/// Store the snapshot's objects that are not stored yet, and the manifest
/// of task `id`.
pub async fn upload(
    fleet: &Fleet,
    root: &Path,
    manifest: &Manifest,
    id: &str,
    limit: u64,
) -> Result<Uploaded, String> {
    let mut sent = Uploaded::default();
    let bundle_name = names::bundle_object(&manifest.head);
    if !fleet.has_object(&bundle_name).await {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let file = dir.path().join("head.bundle");
        git(
            root,
            &[
                "bundle",
                "create",
                "--quiet",
                &file.to_string_lossy(),
                "HEAD",
            ],
            None,
        )?;
        let bytes = std::fs::read(&file).map_err(|e| e.to_string())?;
        if bytes.len() as u64 > limit {
            return Err(format!(
                "the repository's history is {} MB as a bundle, over the {} MB a task may carry",
                bytes.len() / 1_000_000,
                limit / 1_000_000
            ));
        }
        fleet.put_object(&bundle_name, &bytes).await?;
        sent.objects_sent += 1;
        sent.bytes_sent += bytes.len() as u64;
    }
    for f in &manifest.files {
        let name = names::blob_object(&f.oid);
        if fleet.has_object(&name).await {
            continue;
        }
        let bytes = std::fs::read(root.join(&f.path)).map_err(|e| format!("{}: {e}", f.path))?;
        fleet.put_object(&name, &bytes).await?;
        sent.objects_sent += 1;
        sent.bytes_sent += bytes.len() as u64;
    }
    let json = serde_json::to_vec(manifest).map_err(|e| e.to_string())?;
    fleet.put_object(&names::manifest_object(id), &json).await?;
    Ok(sent)
}

/// Make the repository of task `id` in `dir` (an empty or missing folder):
/// HEAD checked out, then the working-tree files put over it.
pub async fn unpack(fleet: &Fleet, id: &str, dir: &Path) -> Result<(), String> {
    let manifest: Manifest =
        serde_json::from_slice(&fleet.get_object(&names::manifest_object(id)).await?)
            .map_err(|e| format!("task {id}: its manifest is unreadable: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let bundle = fleet
        .get_object(&names::bundle_object(&manifest.head))
        .await?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = scratch.path().join("head.bundle");
    std::fs::write(&file, bundle).map_err(|e| e.to_string())?;
    git(dir, &["init", "--quiet"], None)?;
    git(
        dir,
        &["fetch", "--quiet", &file.to_string_lossy(), "HEAD"],
        None,
    )?;
    git(
        dir,
        &["checkout", "--quiet", "--detach", "FETCH_HEAD"],
        None,
    )?;
    for f in &manifest.files {
        let path = confined(dir, &f.path)?;
        let bytes = fleet.get_object(&names::blob_object(&f.oid)).await?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", f.path))?;
        if f.executable {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
        }
    }
    for d in &manifest.deleted {
        let _ = std::fs::remove_file(confined(dir, d)?);
    }
    Ok(())
}

/// A manifest path inside `dir`: relative, no `..`, never into `.git`.
fn confined(dir: &Path, rel: &str) -> Result<std::path::PathBuf, String> {
    use std::path::Component;
    let p = Path::new(rel);
    let ok = p.components().all(|c| matches!(c, Component::Normal(_)))
        && p.components()
            .next()
            .is_some_and(|c| c.as_os_str() != ".git");
    if !ok {
        return Err(format!(
            "the task's manifest names `{rel}`, outside its repository"
        ));
    }
    Ok(dir.join(p))
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_string()
}

fn git(dir: &Path, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if let Some(bytes) = input {
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(bytes)
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| git(d.path(), args, None).unwrap();
        run(&["init", "-q"]);
        std::fs::write(d.path().join("kept.txt"), "kept\n").unwrap();
        std::fs::write(d.path().join("gone.txt"), "gone\n").unwrap();
        std::fs::write(d.path().join(".gitignore"), "*.log\n").unwrap();
        run(&["add", "."]);
        run(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "one",
        ]);
        d
    }

    #[test]
    fn the_snapshot_holds_changed_untracked_and_deleted_files_but_not_ignored_ones() {
        let d = repo();
        std::fs::write(d.path().join("kept.txt"), "changed\n").unwrap();
        std::fs::remove_file(d.path().join("gone.txt")).unwrap();
        std::fs::create_dir(d.path().join("new")).unwrap();
        std::fs::write(d.path().join("new/file.txt"), "new\n").unwrap();
        std::fs::write(d.path().join("noise.log"), "ignored\n").unwrap();
        let m = snapshot(d.path(), MAX_SNAPSHOT_BYTES).unwrap();
        let mut paths: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
        paths.sort();
        assert_eq!(paths, ["kept.txt", "new/file.txt"]);
        assert_eq!(m.deleted, ["gone.txt"]);
        // The ids are git's own: the same content, the same object.
        let id = text(git(d.path(), &["hash-object", "kept.txt"], None).unwrap());
        assert!(m.files.iter().any(|f| f.oid == id));
    }

    #[test]
    fn too_large_a_snapshot_and_a_folder_without_git_are_refused_clearly() {
        let d = repo();
        std::fs::write(d.path().join("big.bin"), vec![7u8; 4096]).unwrap();
        let e = snapshot(d.path(), 1024).unwrap_err();
        assert!(e.contains("over the"), "{e}");
        // Control: under the limit it is taken.
        assert!(snapshot(d.path(), 1 << 20).is_ok());
        std::fs::create_dir(d.path().join("sub")).unwrap();
        let e = snapshot(&d.path().join("sub"), 1 << 20).unwrap_err();
        assert!(e.contains("top folder"), "{e}");
        let plain = tempfile::tempdir().unwrap();
        let e = snapshot(plain.path(), MAX_SNAPSHOT_BYTES).unwrap_err();
        assert!(e.contains("not a git repository"), "{e}");
    }

    #[test]
    fn manifest_paths_cannot_leave_the_repository() {
        let d = tempfile::tempdir().unwrap();
        for bad in ["../x", "/etc/passwd", ".git/hooks/pre-commit", "a/../../b"] {
            assert!(confined(d.path(), bad).is_err(), "{bad} accepted");
        }
        assert!(confined(d.path(), "src/ok.rs").is_ok());
    }
}
