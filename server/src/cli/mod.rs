//! The terminal face: `tandem exec` and its output.

pub mod exec;
pub mod human;
mod overrides;
pub mod report;
