//! Whole-file writes through a temporary file and a rename.

use serde::Serialize;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Write JSON to a temporary file beside `path` and rename it over `path`:
/// a reader (or a crash) never sees half a file.
pub fn write_atomic<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    write_atomic_bytes(path, &bytes)
}

/// Write `bytes` to a uniquely named temporary file beside `path`, sync it
/// and rename it over `path` (concurrent writers never share a temp file).
pub fn write_atomic_bytes(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Replace one of the user's files as `write_atomic_bytes` does, so a kill
/// at any moment leaves the old text or the new one, never a mix. Unlike
/// Tandem's own files it keeps what the user would expect of an in-place
/// write: the mode of the file it replaces (a script stays executable), or
/// for a new file `0o666` less the umask. The temporary file is named after
/// the target (`.NAME.` + 6 random characters + `.tandem-tmp`) so one left
/// by a kill is recognisable, and the next write of that file removes it;
/// the folder is synced so the rename survives a power cut.
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tandem-tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    if let Some(mode) = existing {
        tmp.as_file().set_permissions(mode)?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    remove_stale_temporaries(dir, &name);
    std::fs::File::open(dir)?.sync_all()
}

/// A temporary file of `name` that a killed writer left: older than any
/// write in flight could be, so a concurrent writer's is never taken.
const STALE: std::time::Duration = std::time::Duration::from_secs(60);

/// Remove what killed writers of `name` left in `dir` (best effort).
fn remove_stale_temporaries(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let ours = file.starts_with(&prefix)
            && file.ends_with(".tandem-tmp")
            && file.len() == prefix.len() + 6 + ".tandem-tmp".len();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE));
        if ours && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_file_a_killed_writer_left_goes_at_the_next_write() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("a.txt");
        let stale = d.path().join(".a.txt.Xy12Zw.tandem-tmp");
        let fresh = d.path().join(".a.txt.Qr34St.tandem-tmp");
        let other = d.path().join(".b.txt.Xy12Zw.tandem-tmp");
        for f in [&stale, &fresh, &other] {
            std::fs::write(f, "half").unwrap();
        }
        let long_ago = std::time::SystemTime::now() - STALE * 2;
        for f in [&stale, &other] {
            std::fs::File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_modified(long_ago)
                .unwrap();
        }
        replace_file(&target, b"new\n").unwrap();
        assert!(!stale.exists(), "the stale one of a.txt goes");
        assert!(fresh.exists(), "one that may be in flight stays");
        assert!(other.exists(), "another file's is not ours to remove");
    }

    #[test]
    fn replacing_keeps_the_mode_and_leaves_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        let script = d.path().join("run.sh");
        std::fs::write(&script, "old\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o750)).unwrap();
        replace_file(&script, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&script).unwrap(), "new\n");
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o750);
        let fresh = d.path().join("new.txt");
        replace_file(&fresh, b"x").unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o044,
            0o044,
            "readable by others as fs::write makes it"
        );
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
