//! Background tasks: prompts that run on their own, several at once, each
//! in its own view of the workspace and its own sandbox, persisted outside
//! the work tree so they outlive the process that ran them, and delivered
//! as a result to review: the diff, the files read, the commands run.

pub mod branch;
pub mod environment;
pub mod git;
pub mod meta;
pub mod owner;
pub mod runner;
mod slots;
pub mod store;

pub use meta::{TaskMeta, TaskState};
pub use runner::{NoWatch, Step, Watch};
pub use store::{Store, TaskResult};
