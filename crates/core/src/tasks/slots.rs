//! The concurrency limit: `n` slot files per workspace, each held with a
//! lock by the task running in it. Lock files work across processes, so
//! tasks started from the CLI and from the editor share one limit, and a
//! killed task frees its slot.

use crate::state_files::lock::{FileLock, try_lock};
use std::io;
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Wait for a free slot among `n` in `dir`. `None` when cancelled first.
/// Waiting tasks poll, so the order among them is not strictly first come.
pub async fn acquire(
    dir: &Path,
    n: usize,
    cancel: &CancellationToken,
) -> io::Result<Option<FileLock>> {
    std::fs::create_dir_all(dir)?;
    loop {
        for i in 0..n.max(1) {
            if let Some(lock) = try_lock(&dir.join(format!("slot-{i}.lock")))? {
                return Ok(Some(lock));
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return Ok(None),
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_third_task_waits_for_one_of_two_slots() {
        let d = tempfile::tempdir().unwrap();
        let never = CancellationToken::new();
        let a = acquire(d.path(), 2, &never).await.unwrap().unwrap();
        let _b = acquire(d.path(), 2, &never).await.unwrap().unwrap();
        let waiting = {
            let dir = d.path().to_path_buf();
            tokio::spawn(async move {
                acquire(&dir, 2, &CancellationToken::new())
                    .await
                    .unwrap()
                    .is_some()
            })
        };
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(!waiting.is_finished(), "took a slot while both were held");
        drop(a);
        assert!(waiting.await.unwrap(), "did not get the freed slot");
        let stuck = CancellationToken::new();
        stuck.cancel();
        let _c = acquire(d.path(), 2, &never).await.unwrap().unwrap();
        assert!(
            acquire(d.path(), 2, &stuck).await.unwrap().is_none(),
            "a cancelled wait must give up"
        );
    }
}
