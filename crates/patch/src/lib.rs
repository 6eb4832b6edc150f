//! The `*** Begin Patch` format models write edits in (Codex's
//! `apply_patch`): the parser and the fuzzy line seeking its hunks are
//! placed with. Depends on nothing of Tandem, so the format has one home
//! that the tool, the permission rules and the faces all ask.

pub mod parser;
pub mod seek;
