//! The scripted model server: a real HTTP server on 127.0.0.1 that speaks
//! Anthropic Messages, OpenAI Responses and OpenAI Chat Completions (all
//! streaming) from a script of turns, records every request, and injects
//! faults on demand.

mod anthropic;
mod chat;
mod responses;
mod script;
mod server;
mod wire;

pub use script::{Conversation, Fault, Script, ScriptBlock, ScriptUsage, SearchResult, Turn};
pub use server::{Protocol, RecordedRequest, RequestLog, ScriptedServer};
