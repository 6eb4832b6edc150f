//! Model providers: one streaming call, typed events back.
//!
//! `Provider` is what the agent calls. The wire adapters (`anthropic`,
//! `openai_responses`, `openai_chat`) each speak one real API over `http`;
//! `retry` wraps any provider with backoff; `replay` records and plays back
//! calls; `select` picks a provider from settings; `pricing` knows prices
//! and context windows.

pub mod anthropic;
mod error;
pub mod hosted;
mod http;
mod image;
pub mod openai_chat;
pub mod openai_responses;
pub mod pricing;
pub mod replay;
pub mod retry;
pub mod select;
mod sse;
mod types;

pub use error::ModelError;
pub use image::{Image, MEDIA_TYPES, sniff};
pub use pricing::ModelTable;
pub use select::{ModelSettings, Selected, select};
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

#[async_trait]
impl<P: Provider + ?Sized> Provider for std::sync::Arc<P> {
    fn name(&self) -> &str {
        (**self).name()
    }

    async fn stream(
        &self,
        request: &ModelRequest,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<ModelResponse, ModelError> {
        (**self).stream(request, deltas).await
    }
}
