//! Files Tandem keeps for itself (task records, memory, saved permission
//! rules) and that several processes may touch at once: whole-file writes
//! a reader never sees half of, and locks that die with their holder.

mod atomic;
pub mod lock;

pub use atomic::{replace_file, write_atomic, write_atomic_bytes};
