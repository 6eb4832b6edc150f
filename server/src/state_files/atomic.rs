//! Whole-file writes through a temporary file and a rename.

use serde::Serialize;
use std::io::{self, Write};
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
