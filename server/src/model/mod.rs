//! Model providers: one streaming call, typed events back.
//!
//! `Provider` is what the agent calls. The wire adapters (`anthropic`,
//! `openai_responses`, `openai_chat`) each speak one real API; `retry` wraps
//! any provider with backoff; `replay` records and plays back calls.

mod error;
pub mod replay;
mod types;

pub use error::ModelError;
pub use types::*;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

/// One streaming model call. Implementations send display deltas to `deltas`
/// as they arrive and return the assembled response. Dropping the future
/// cancels the call.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Short name for messages and logs, e.g. "anthropic".
    fn name(&self) -> &str;

    async fn stream(
        &self,
        request: &ModelRequest,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<ModelResponse, ModelError>;
}
