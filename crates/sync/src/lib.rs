//! A mutex that does not poison. The state a handler or a run shares is
//! changed in short synchronous steps that leave it consistent, so a panic
//! while one is held (caught by the language server, which keeps serving)
//! must not make every later `lock` fail: std's poisoning would turn one bug
//! into a server that answers nothing. `lock` takes the guard back from a
//! poisoned lock instead.

use std::fmt;
use std::sync::PoisonError;

pub use std::sync::MutexGuard;

#[derive(Default)]
pub struct Mutex<T: ?Sized>(std::sync::Mutex<T>);

impl<T> Mutex<T> {
    pub const fn new(value: T) -> Self {
        Mutex(std::sync::Mutex::new(value))
    }

    pub fn into_inner(self) -> T {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: ?Sized> Mutex<T> {
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_locked_leaves_the_lock_usable() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let held = m.clone();
        let _ = std::thread::spawn(move || {
            let mut n = held.lock();
            *n = 2;
            panic!("while locked");
        })
        .join();
        assert_eq!(*m.lock(), 2);
        *m.lock() = 3;
        assert_eq!(std::sync::Arc::into_inner(m).unwrap().into_inner(), 3);
    }
}
