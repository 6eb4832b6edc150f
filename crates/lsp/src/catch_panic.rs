//! A panic in one handler costs that request only. tower-lsp-server polls
//! every handler inside its serve loop, so an unwinding handler would end
//! the whole server. This service wraps the router: a panicking request
//! gets an internal-error response, the user is told (a message and a log
//! line), and serving goes on. The shared state survives because its locks
//! do not poison (`tandem_core::sync`).

use futures::FutureExt;
use futures::future::BoxFuture;
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::task::{Context, Poll};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Request, Response};
use tower_lsp_server::ls_types::MessageType;
use tower_lsp_server::{Client, ExitedError};
use tower_service::Service;

pub struct CatchPanic<S> {
    inner: S,
    client: Client,
}

impl<S> CatchPanic<S> {
    pub fn new(inner: S, client: Client) -> Self {
        CatchPanic { inner, client }
    }
}

impl<S> Service<Request> for CatchPanic<S>
where
    S: Service<Request, Response = Option<Response>, Error = ExitedError>,
    S::Future: Send + 'static,
{
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = BoxFuture<'static, Result<Option<Response>, ExitedError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ExitedError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let id = request.id().cloned();
        let method = request.method().to_string();
        let client = self.client.clone();
        // Decoding the parameters happens in `call`, the handler in the future.
        let started = std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request)));
        async move {
            let outcome = match started {
                Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
                Err(payload) => Err(payload),
            };
            let payload = match outcome {
                Ok(response) => return response,
                Err(payload) => payload,
            };
            let what = panic_text(payload.as_ref());
            tracing::error!("the {method} handler panicked: {what}");
            let message = format!(
                "Tandem: an internal error while handling {method} ({what}). \
                 The server goes on; please report this."
            );
            client.log_message(MessageType::ERROR, &message).await;
            client.show_message(MessageType::ERROR, &message).await;
            Ok(id.map(|id| {
                Response::from_error(
                    id,
                    Error {
                        code: ErrorCode::InternalError,
                        message: message.into(),
                        data: None,
                    },
                )
            }))
        }
        .boxed()
    }
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// `tandem/debug/panic`, in debug builds only: a handler that panics while
/// holding the server's state lock, so the end-to-end tests can prove the
/// request after it is answered. Release builds have no such method.
#[cfg(debug_assertions)]
pub async fn debug_panic(
    backend: &super::backend::Backend,
    _: serde_json::Value,
) -> tower_lsp_server::jsonrpc::Result<serde_json::Value> {
    backend.panic_while_locked()
}
