//! Advisory file locks (std's `File::lock`, flock on Linux): they are
//! released when the holder dies, so a killed process never leaves a task
//! or a memory file locked.

use std::fs::{File, TryLockError};
use std::io;
use std::path::Path;

/// A held lock; released on drop (closing the file).
pub struct FileLock {
    _file: File,
}

fn open(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// Wait for the lock on `path`.
pub fn lock(path: &Path) -> io::Result<FileLock> {
    let file = open(path)?;
    file.lock()?;
    Ok(FileLock { _file: file })
}

/// Wait for the lock on the folder `dir` itself. Files written by rename
/// (a new inode each time) cannot carry their own lock; their folder stays
/// the same, and locking it leaves no lock file beside the user's files.
pub fn lock_dir(dir: &Path) -> io::Result<FileLock> {
    let file = File::open(dir)?;
    file.lock()?;
    Ok(FileLock { _file: file })
}

/// Take the lock on `path` if nobody holds it.
pub fn try_lock(path: &Path) -> io::Result<Option<FileLock>> {
    let file = open(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(FileLock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}
