//! The terminal face: `tandem exec` and its output.

pub mod approvals;
pub mod config;
pub mod exec;
pub mod human;
mod overrides;
pub mod report;
pub mod task;
