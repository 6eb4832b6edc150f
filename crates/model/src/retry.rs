//! Retries with exponential backoff and full jitter, honouring the server's
//! `retry-after`. Because the agent acts only on an assembled response, a
//! call that failed mid-stream is always safe to repeat; the `Retrying` delta
//! tells faces to drop the partial text they showed.

use super::{ModelDelta, ModelError, ModelRequest, ModelResponse, Provider};
use async_trait::async_trait;
use rand::Rng;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Delay before retry number `attempt` (1-based): the server's
    /// `retry-after` when given, else a random delay up to `base * 2^(n-1)`;
    /// never more than `max_delay`.
    pub fn delay(&self, attempt: u32, error: &ModelError, rng: &mut impl Rng) -> Duration {
        if let Some(after) = error.retry_after() {
            return after.min(self.max_delay);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << (attempt - 1).min(20))
            .min(self.max_delay);
        ceiling.mul_f64(rng.random_range(0.5..=1.0))
    }
}

pub struct Retrying<P> {
    inner: P,
    policy: RetryPolicy,
}

impl<P: Provider> Retrying<P> {
    pub fn new(inner: P, policy: RetryPolicy) -> Self {
        Retrying { inner, policy }
    }
}

#[async_trait]
impl<P: Provider> Provider for Retrying<P> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn stream(
        &self,
        request: &ModelRequest,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<ModelResponse, ModelError> {
        let mut attempt = 0;
        loop {
            match self.inner.stream(request, deltas).await {
                Ok(r) => return Ok(r),
                Err(e) if e.is_retryable() && attempt < self.policy.max_retries => {
                    attempt += 1;
                    let delay = self.policy.delay(attempt, &e, &mut rand::rng());
                    let _ = deltas.send(ModelDelta::Retrying {
                        attempt,
                        delay_ms: delay.as_millis() as u64,
                        reason: e.to_string(),
                    });
                    tracing::warn!("{e}; retry {attempt} in {delay:?}");
                    tokio::time::sleep(delay).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Message, StopReason, Usage};
    use tandem_sync::Mutex;

    struct Flaky(Mutex<Vec<ModelError>>);

    #[async_trait]
    impl Provider for Flaky {
        fn name(&self) -> &str {
            "flaky"
        }
        async fn stream(
            &self,
            _: &ModelRequest,
            _: &UnboundedSender<ModelDelta>,
        ) -> Result<ModelResponse, ModelError> {
            let mut errs = self.0.lock();
            if errs.is_empty() {
                Ok(ModelResponse {
                    message: Message::assistant_text("ok"),
                    usage: Usage::default(),
                    stop_reason: StopReason::EndTurn,
                })
            } else {
                Err(errs.remove(0))
            }
        }
    }

    fn http(status: u16, after: Option<u64>) -> ModelError {
        ModelError::Http {
            provider: "p".into(),
            status,
            message: "m".into(),
            retry_after: after.map(Duration::from_secs),
        }
    }

    fn request() -> ModelRequest {
        ModelRequest {
            model: "m".into(),
            system: String::new(),
            messages: vec![],
            tools: vec![],
            max_tokens: 1,
            thinking_budget: None,
            web_search: false,
        }
    }

    #[test]
    fn backoff_grows_with_jitter_and_respects_retry_after() {
        let p = RetryPolicy::default();
        let mut rng = rand::rng();
        for attempt in 1..=10 {
            let d = p.delay(attempt, &http(500, None), &mut rng);
            let ceiling = Duration::from_secs(1 << (attempt - 1)).min(p.max_delay);
            assert!(d <= ceiling && d >= ceiling / 2, "attempt {attempt}: {d:?}");
        }
        assert_eq!(
            p.delay(1, &http(429, Some(7)), &mut rng),
            Duration::from_secs(7)
        );
        assert_eq!(p.delay(1, &http(429, Some(600)), &mut rng), p.max_delay);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_transient_errors_then_succeeds() {
        let p = Retrying::new(
            Flaky(Mutex::new(vec![http(529, None), http(429, Some(3))])),
            RetryPolicy::default(),
        );
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let start = tokio::time::Instant::now();
        assert!(p.stream(&request(), &tx).await.is_ok());
        assert!(start.elapsed() >= Duration::from_secs(3));
        let d: Vec<ModelDelta> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert!(
            matches!(
                &d[1],
                ModelDelta::Retrying {
                    attempt: 2,
                    delay_ms: 3000,
                    ..
                }
            ),
            "{d:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_retries_and_never_retries_client_errors() {
        let policy = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        let p = Retrying::new(Flaky(Mutex::new(vec![http(500, None); 5])), policy);
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        assert!(p.stream(&request(), &tx).await.is_err());
        assert_eq!(p.inner.0.lock().len(), 2, "1 try + 2 retries");

        let p = Retrying::new(
            Flaky(Mutex::new(vec![http(401, None), http(500, None)])),
            policy,
        );
        let e = p.stream(&request(), &tx).await.unwrap_err();
        assert!(e.to_string().contains("401"));
        assert_eq!(p.inner.0.lock().len(), 1);
    }
}
