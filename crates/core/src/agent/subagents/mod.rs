//! Sub-agents: the `task` tool starts a child session for one part of the
//! parent's work, with its own context window and a subset of the tools.
//! Read-only explorers run in parallel; writers run alone and their edits
//! join the parent's proposal. Types are built in (`explore`, `general`) or
//! custom, from `.claude/agents/*.md` in Claude Code's format.

mod catalog;
mod siblings;
mod task;

pub use catalog::Catalog;
pub use task::{Ledger, Parent, TaskTool, Totals};
