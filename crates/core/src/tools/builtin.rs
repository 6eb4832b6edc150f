//! The built-in tool set of a session.

use super::Registry;
use super::apply_patch::ApplyPatch;
use super::{
    edit::Edit, glob::Glob, grep::Grep, list::List, read::Read, shell::Shell, todo::Todo,
    write::Write,
};
use std::sync::Arc;

pub fn builtin_tools() -> Registry {
    let mut r = Registry::new();
    r.add(Arc::new(Read));
    r.add(Arc::new(List));
    r.add(Arc::new(Glob));
    r.add(Arc::new(Grep));
    r.add(Arc::new(Edit));
    r.add(Arc::new(ApplyPatch));
    r.add(Arc::new(Write));
    r.add(Arc::new(Shell));
    r.add(Arc::new(Todo));
    r
}
