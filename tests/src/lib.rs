//! Support for Tandem's end-to-end tests: the scripted model server, running
//! the real `tandem` binary, and reading what reached the model.

pub mod asking;
pub mod installs;
pub mod lark;
pub mod llama;
pub mod lsp_client;
pub mod mcp_servers;
pub mod nats;
pub mod scripted;
pub mod tandem;
pub mod terminal;
pub mod web_site;
pub mod wire;
