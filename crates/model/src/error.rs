use std::time::Duration;
use thiserror::Error;

/// Why a model call failed. `is_retryable` decides what the retry layer does.
#[derive(Debug, Clone, Error)]
pub enum ModelError {
    /// The API answered with an error status.
    #[error("{provider} API returned HTTP {status}: {message}")]
    Http {
        provider: String,
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
    /// Could not connect, or the connection broke before a response.
    #[error("could not reach {provider} at {url}: {message}")]
    Connect {
        provider: String,
        url: String,
        message: String,
    },
    /// The stream ended or broke before the response was complete.
    #[error("{provider} stream ended early: {message}")]
    StreamCut { provider: String, message: String },
    /// No bytes arrived for longer than the idle timeout.
    #[error("{provider} stream was idle for {}s", .idle.as_secs())]
    Idle { provider: String, idle: Duration },
    /// The provider sent something we cannot understand.
    #[error("{provider} sent malformed data: {message}")]
    Malformed { provider: String, message: String },
    /// The provider reported an error event inside the stream.
    #[error("{provider} reported an error: {message}")]
    Api {
        provider: String,
        kind: String,
        message: String,
    },
    /// Bad configuration: missing key, unknown provider, no model.
    #[error("{0}")]
    Config(String),
    #[error("cancelled")]
    Cancelled,
}

impl ModelError {
    pub fn is_retryable(&self) -> bool {
        match self {
            ModelError::Http { status, .. } => {
                matches!(*status, 408 | 409 | 429 | 529) || (500..600).contains(status)
            }
            ModelError::Connect { .. }
            | ModelError::StreamCut { .. }
            | ModelError::Idle { .. }
            | ModelError::Malformed { .. } => true,
            ModelError::Api { kind, .. } => {
                matches!(
                    kind.as_str(),
                    "overloaded_error" | "rate_limit_error" | "api_error" | "server_error"
                )
            }
            ModelError::Config(_) | ModelError::Cancelled => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ModelError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
