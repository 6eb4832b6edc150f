//! The `*** Begin Patch` format models write edits in (Codex's
//! `apply_patch`): the parser, the fuzzy line seeking chunks are placed
//! with, and applying an Update's chunks to a file's text. It follows Codex's
//! reference implementation (`codex-rs/apply-patch`), so a patch means here
//! what it means there. Depends on nothing of Tandem, so the format has one
//! home that the tool, the permission rules and the faces all ask.

mod envelope;
mod lines;
pub mod parser;
pub mod seek;
pub mod update;
