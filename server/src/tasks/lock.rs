//! Advisory file locks (flock): they are released when the holder dies, so
//! a killed process never leaves a task locked.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
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
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(FileLock { _file: file })
}

/// Take the lock on `path` if nobody holds it.
pub fn try_lock(path: &Path) -> io::Result<Option<FileLock>> {
    let file = open(path)?;
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::WouldBlock {
            Ok(None)
        } else {
            Err(e)
        };
    }
    Ok(Some(FileLock { _file: file }))
}
