//! HTTP plumbing shared by the wire adapters: sending a streaming request,
//! turning error statuses into `ModelError`s (with `retry-after`), and reading
//! the SSE body chunk by chunk under an idle timeout.

use super::sse::{SseDecoder, SseEvent};
use super::{ModelDelta, ModelError, ModelResponse};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// One HTTP client per process: connection pooling, rustls with ring.
pub fn client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client")
        })
        .clone()
}

/// Where an adapter sends its calls: base URL, key, and the idle timeout.
pub struct Endpoint {
    pub base_url: String,
    pub api_key: Option<String>,
    pub idle: Duration,
}

impl Endpoint {
    pub fn new(base_url: impl Into<String>, api_key: Option<String>, idle: Duration) -> Self {
        Endpoint {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            api_key,
            idle,
        }
    }

    /// `authorization: Bearer KEY`, as the OpenAI APIs expect it.
    pub fn bearer(&self) -> Vec<(&'static str, String)> {
        self.api_key
            .iter()
            .map(|k| ("authorization", format!("Bearer {k}")))
            .collect()
    }

    /// POST `body` to `base_url + path` and parse the streamed answer.
    pub async fn call<P: StreamParser>(
        &self,
        provider: &str,
        path: &str,
        headers: &[(&str, String)],
        body: String,
        parser: P,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<ModelResponse, ModelError> {
        let url = format!("{}{path}", self.base_url);
        let response = post(provider, &url, headers, body).await?;
        drive(provider, response, parser, deltas, self.idle).await
    }
}

/// POST a JSON body and return the response if its status is a success.
pub async fn post(
    provider: &str,
    url: &str,
    headers: &[(&str, String)],
    body: String,
) -> Result<reqwest::Response, ModelError> {
    let mut req = client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "text/event-stream")
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.map_err(|e| ModelError::Connect {
        provider: provider.into(),
        url: url.into(),
        message: error_chain(&e),
    })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let retry_after = retry_after(resp.headers());
    let text = resp.text().await.unwrap_or_default();
    Err(ModelError::Http {
        provider: provider.into(),
        status: status.as_u16(),
        message: error_message(&text),
        retry_after,
    })
}

/// `retry-after-ms`, else `retry-after` in seconds or as an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0));
    }
    let value = get("retry-after")?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return Some(Duration::from_secs_f64(secs.max(0.0)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The human part of an API error body: `error.message` of either API's
/// JSON, else the body itself, shortened.
pub fn error_message(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    if let Some(msg) = parsed
        .as_ref()
        .and_then(|j| j["error"]["message"].as_str().or(j["message"].as_str()))
    {
        return msg.to_string();
    }
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return "(no details)".into();
    }
    trimmed.chars().take(500).collect()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// Turns the SSE events of one API into a response. `event` returns true
/// when the stream's final event arrived.
pub trait StreamParser {
    fn event(
        &mut self,
        event: &SseEvent,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<bool, ModelError>;

    /// The assembled response; called once the stream is complete.
    fn finish(self) -> Result<ModelResponse, ModelError>;
}

/// Where stream bytes come from: the HTTP body, or a test's chunk list.
#[async_trait::async_trait]
pub trait Chunks: Send {
    async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, String>;
}

#[async_trait::async_trait]
impl Chunks for reqwest::Response {
    async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, String> {
        self.chunk().await.map_err(|e| error_chain(&e))
    }
}

/// Read chunks into the parser until its final event. No chunk within `idle`
/// is `Idle`; the body ending first is `StreamCut`.
pub async fn drive<P: StreamParser>(
    provider: &str,
    mut source: impl Chunks,
    mut parser: P,
    deltas: &UnboundedSender<ModelDelta>,
    idle: Duration,
) -> Result<ModelResponse, ModelError> {
    let mut decoder = SseDecoder::new();
    loop {
        let chunk = match tokio::time::timeout(idle, source.next_chunk()).await {
            Err(_) => {
                return Err(ModelError::Idle {
                    provider: provider.into(),
                    idle,
                });
            }
            Ok(Err(message)) => {
                return Err(ModelError::StreamCut {
                    provider: provider.into(),
                    message,
                });
            }
            Ok(Ok(None)) => {
                return Err(ModelError::StreamCut {
                    provider: provider.into(),
                    message: "the response ended before its final event".into(),
                });
            }
            Ok(Ok(Some(c))) => c,
        };
        for event in decoder.feed(&chunk) {
            if parser.event(&event, deltas)? {
                return parser.finish();
            }
        }
    }
}

/// Parse an event's JSON data, or say the provider sent garbage.
pub fn json(provider: &str, event: &SseEvent) -> Result<serde_json::Value, ModelError> {
    serde_json::from_str(&event.data).map_err(|e| ModelError::Malformed {
        provider: provider.into(),
        message: format!(
            "{e} in event data: {}",
            event.data.chars().take(200).collect::<String>()
        ),
    })
}

/// Parse a tool call's accumulated argument text. Invalid JSON is kept as a
/// string so the agent can tell the model its arguments were not valid.
pub fn tool_input(raw: &str) -> serde_json::Value {
    if raw.trim().is_empty() {
        return serde_json::json!({});
    }
    serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_string()))
}

#[cfg(test)]
pub mod testing {
    //! Feeding canned chunks through a parser.
    use super::*;

    pub struct Canned(pub Vec<Vec<u8>>);

    #[async_trait::async_trait]
    impl Chunks for Canned {
        async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, String> {
            if self.0.is_empty() {
                return Ok(None);
            }
            Ok(Some(bytes::Bytes::from(self.0.remove(0))))
        }
    }

    /// Run `parser` over `stream` cut into chunks of `size` bytes.
    pub async fn parse<P: StreamParser>(
        parser: P,
        stream: &str,
        size: usize,
    ) -> (Result<ModelResponse, ModelError>, Vec<ModelDelta>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let chunks = stream.as_bytes().chunks(size).map(<[u8]>::to_vec).collect();
        let r = drive("test", Canned(chunks), parser, &tx, Duration::from_secs(5)).await;
        let mut deltas = Vec::new();
        while let Ok(d) = rx.try_recv() {
            deltas.push(d);
        }
        (r, deltas)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn retry_after_in_seconds_ms_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
        let mut h = HeaderMap::new();
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        h.insert(
            "retry-after",
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
    }

    #[test]
    fn error_messages_from_either_api() {
        assert_eq!(
            error_message(
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
            ),
            "Overloaded"
        );
        assert_eq!(
            error_message(r#"{"error":{"message":"Bad key","type":"invalid_request_error"}}"#),
            "Bad key"
        );
        assert_eq!(error_message("upstream down"), "upstream down");
    }

    #[test]
    fn invalid_tool_json_is_kept_as_text() {
        assert_eq!(tool_input(""), serde_json::json!({}));
        assert_eq!(tool_input(r#"{"a":1}"#), serde_json::json!({"a":1}));
        assert_eq!(
            tool_input("{oops"),
            serde_json::Value::String("{oops".into())
        );
    }
}
