//! The core of Tandem: the agent's sessions and their tools, the
//! permission policy, hooks, skills, memory, the MCP client and background
//! tasks. It knows nothing of LSP, terminals or settings files: the faces
//! (`tandem-lsp`, `tandem-cli`) read those through `tandem-config` and hand
//! the core plain values (`settings::Settings`, `session::Setup`).

pub mod agent;
pub mod clock;
pub mod commands;
pub mod frontmatter;
pub mod hooks;
pub mod images;
pub mod mcp;
pub mod memory;
pub mod policy;
pub mod session;
pub mod settings;
pub mod skills;
pub mod tasks;
pub mod tools;
pub mod transcript;

// The crates below the core, under the names the core's modules use. They
// depend on nothing of the core (the graph in ARCHITECTURE.md).
pub use tandem_changes as changes;
pub use tandem_changes::{apply, workspace};
pub use tandem_model as model;
pub use tandem_protocol as protocol;
pub use tandem_sandbox as sandbox;
pub use tandem_state_files as state_files;
pub use tandem_sync as sync;
