//! The HTTP server: routes each protocol, serves faults and turns from the
//! script, streams events, and records every request.

use super::script::{Fault, Script, ScriptUsage, Turn};
use super::wire::SseOut;
use super::{anthropic, chat, responses};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Protocol {
    Anthropic,
    Responses,
    Chat,
}

/// One request the server received, and what it did with it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub protocol: Protocol,
    pub path: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    /// The body exactly as received.
    pub body: String,
    pub json: Value,
    /// Milliseconds since the server started.
    pub at_ms: u64,
    pub conversation: Option<usize>,
    pub turn: Option<usize>,
    pub fault: Option<String>,
    pub response_status: u16,
}

struct Cursor {
    turn: usize,
    /// Faults of the current turn already served.
    faults_served: usize,
    /// Prompt-cache prefixes written by earlier requests (Anthropic).
    cache: Vec<Vec<String>>,
}

/// Called with each request as it is recorded.
pub type RequestLog = Box<dyn FnMut(&RecordedRequest) + Send>;

struct Inner {
    script: Script,
    cursors: Vec<Cursor>,
    requests: Vec<RecordedRequest>,
    started: Instant,
    log: Option<RequestLog>,
}

#[derive(Clone)]
struct Shared(Arc<Mutex<Inner>>);

impl Inner {
    fn new(script: Script) -> Self {
        let cursors = script
            .conversations
            .iter()
            .map(|_| Cursor {
                turn: 0,
                faults_served: 0,
                cache: Vec::new(),
            })
            .collect();
        Inner {
            script,
            cursors,
            requests: Vec::new(),
            started: Instant::now(),
            log: None,
        }
    }
}

pub struct ScriptedServer {
    url: String,
    shared: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl ScriptedServer {
    /// Start on 127.0.0.1 with an OS-chosen port, on a thread of its own.
    pub fn start(script: Script) -> Self {
        Self::start_on(script, 0, None).expect("start the scripted model server")
    }

    /// Start on `port` (0 = any); `log` sees each request as it is recorded.
    pub fn start_on(script: Script, port: u16, log: Option<RequestLog>) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut inner = Inner::new(script);
        inner.log = log;
        let shared = Shared(Arc::new(Mutex::new(inner)));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = router(shared.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                use axum::serve::ListenerExt;
                // Without TCP_NODELAY, Nagle and delayed ACKs add ~40 ms to
                // every streamed response: the rig must not be the bottleneck.
                let listener = tokio::net::TcpListener::from_std(listener)
                    .expect("listener")
                    .tap_io(|tcp| {
                        let _ = tcp.set_nodelay(true);
                    });
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = rx => {}
                }
            });
            rt.shutdown_background();
        });
        Ok(ScriptedServer {
            url,
            shared,
            shutdown: Some(tx),
        })
    }

    /// e.g. `http://127.0.0.1:4321`: no trailing slash, no `/v1`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.0.lock().unwrap().requests.clone()
    }

    /// Replace the script and start it from the beginning.
    pub fn set_script(&self, script: Script) {
        let mut inner = self.shared.0.lock().unwrap();
        let log = inner.log.take();
        let requests = std::mem::take(&mut inner.requests);
        let started = inner.started;
        *inner = Inner::new(script);
        inner.log = log;
        inner.requests = requests;
        inner.started = started;
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/v1/messages", post(anthropic_handler))
        .route("/messages", post(anthropic_handler))
        .route("/v1/responses", post(responses_handler))
        .route("/responses", post(responses_handler))
        .route("/v1/chat/completions", post(chat_handler))
        .route("/chat/completions", post(chat_handler))
        .route("/_requests", get(requests_handler))
        .route("/v1/models", get(models_handler))
        // Real APIs take requests of tens of MB (a conversation holding
        // large files); axum's default stops at 2 MB.
        .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024))
        .with_state(shared)
}

async fn anthropic_handler(
    State(s): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(s, Protocol::Anthropic, uri, headers, body).await
}

async fn responses_handler(
    State(s): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(s, Protocol::Responses, uri, headers, body).await
}

async fn chat_handler(
    State(s): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(s, Protocol::Chat, uri, headers, body).await
}

async fn requests_handler(State(s): State<Shared>) -> Response {
    let requests = s.0.lock().unwrap().requests.clone();
    axum::Json(requests).into_response()
}

async fn models_handler() -> Response {
    axum::Json(json!({"object": "list", "data": [{"id": "scripted-model", "object": "model"}]}))
        .into_response()
}

/// What to send back for one request.
enum Plan {
    Error {
        status: u16,
        retry_after: Option<u64>,
        message: String,
    },
    Stream {
        events: Vec<SseOut>,
        fault: Option<Fault>,
        delay: Option<Duration>,
        latency: Option<Duration>,
    },
}

async fn serve(
    s: Shared,
    protocol: Protocol,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let mut record = RecordedRequest {
        protocol,
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_lowercase(),
                    v.to_str().unwrap_or("").to_string(),
                )
            })
            .collect(),
        body: text.clone(),
        json: json.clone(),
        at_ms: 0,
        conversation: None,
        turn: None,
        fault: None,
        response_status: 200,
    };
    let plan = {
        let mut inner = s.0.lock().unwrap();
        record.at_ms = inner.started.elapsed().as_millis() as u64;
        let plan = plan(&mut inner, protocol, &text, &json, &mut record);
        if let Plan::Error { status, .. } = &plan {
            record.response_status = *status;
        }
        if let Some(log) = inner.log.as_mut() {
            log(&record);
        }
        inner.requests.push(record);
        plan
    };
    match plan {
        Plan::Error {
            status,
            retry_after,
            message,
        } => {
            let body = match protocol {
                Protocol::Anthropic => anthropic::error_body(status, &message),
                _ => responses::error_body(status, &message),
            };
            let mut resp = (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                axum::Json(body),
            )
                .into_response();
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert("retry-after", secs.to_string().parse().unwrap());
            }
            resp
        }
        Plan::Stream {
            events,
            fault,
            delay,
            latency,
        } => {
            if let Some(latency) = latency {
                tokio::time::sleep(latency).await;
            }
            stream(events, fault, delay)
        }
    }
}

/// The text of the last user message that has text (not only tool
/// results), in any of the three wire formats.
fn last_user_text(json: &Value) -> Option<String> {
    let items = json["messages"]
        .as_array()
        .or_else(|| json["input"].as_array())?;
    items.iter().rev().find_map(|m| {
        if m["role"] != "user" {
            return None;
        }
        let text = match &m["content"] {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter(|p| matches!(p["type"].as_str(), Some("text" | "input_text")))
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        };
        (!text.trim().is_empty()).then_some(text)
    })
}

fn plan(
    inner: &mut Inner,
    protocol: Protocol,
    text: &str,
    json: &Value,
    record: &mut RecordedRequest,
) -> Plan {
    let error = |status: u16, message: String| Plan::Error {
        status,
        retry_after: None,
        message,
    };
    if json.is_null() {
        return error(400, "the request body is not valid JSON".into());
    }
    let valid = match protocol {
        Protocol::Anthropic => anthropic::validate(json),
        Protocol::Responses => responses::validate(json),
        Protocol::Chat => chat::validate(json),
    };
    if let Err(message) = valid {
        return error(400, message);
    }
    // The conversation whose text is in the request's last user prompt (a
    // session that goes on carries earlier prompts of other conversations;
    // a sub-agent's call names its child's text in a tool input), else the
    // first whose text is anywhere in the request.
    let prompt = last_user_text(json).unwrap_or_default();
    let in_prompt = inner
        .script
        .conversations
        .iter()
        .position(|c| c.match_text.as_deref().is_some_and(|m| prompt.contains(m)));
    let conv = in_prompt
        .or_else(|| {
            inner
                .script
                .conversations
                .iter()
                .position(|c| c.match_text.as_deref().is_some_and(|m| text.contains(m)))
        })
        .or_else(|| {
            inner
                .script
                .conversations
                .iter()
                .position(|c| c.match_text.is_none())
        });
    let Some(conv) = conv else {
        return error(
            500,
            "scripted model: no conversation of the script matches this request".into(),
        );
    };
    record.conversation = Some(conv);
    let cursor = &mut inner.cursors[conv];
    let Some(turn) = inner.script.conversations[conv]
        .turns
        .get(cursor.turn)
        .cloned()
    else {
        return error(
            500,
            format!(
                "scripted model: script exhausted (conversation {conv}, turn {})",
                cursor.turn
            ),
        );
    };
    let turn_index = cursor.turn;
    record.turn = Some(turn_index);
    let model = json["model"].as_str().unwrap_or("scripted").to_string();
    let usage = usage(protocol, json, text, &turn, cursor);
    let events = match protocol {
        Protocol::Anthropic => anthropic::events(&turn, turn_index, &model, usage),
        Protocol::Responses => responses::events(
            &turn,
            turn_index,
            &model,
            usage,
            json["include"]
                .as_array()
                .is_some_and(|i| i.iter().any(|v| v == "web_search_call.action.sources")),
        ),
        Protocol::Chat => chat::events(
            &turn,
            turn_index,
            &model,
            usage,
            json["stream_options"]["include_usage"] == true,
        ),
    };
    let delay = turn.token_delay_ms.map(Duration::from_millis);
    let latency = turn.latency_ms.map(Duration::from_millis);
    if let Some(fault) = turn.faults.get(cursor.faults_served).cloned() {
        cursor.faults_served += 1;
        record.fault = Some(fault.describe());
        return match fault {
            Fault::Status {
                status,
                retry_after_secs,
            } => Plan::Error {
                status,
                retry_after: retry_after_secs,
                message: format!("scripted fault: {}", fault.describe()),
            },
            other => Plan::Stream {
                events,
                fault: Some(other),
                delay,
                latency,
            },
        };
    }
    cursor.turn += 1;
    cursor.faults_served = 0;
    Plan::Stream {
        events,
        fault: None,
        delay,
        latency,
    }
}

fn usage(
    protocol: Protocol,
    json: &Value,
    text: &str,
    turn: &Turn,
    cursor: &mut Cursor,
) -> ScriptUsage {
    if let Some(u) = turn.usage {
        return u;
    }
    match protocol {
        Protocol::Anthropic => {
            let (usage, written) = anthropic::simulate_cache(json, &cursor.cache);
            cursor.cache.extend(written);
            usage
        }
        _ => responses::usage_for(text),
    }
}

/// Stream the events, applying a streaming fault.
fn stream(events: Vec<SseOut>, fault: Option<Fault>, delay: Option<Duration>) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    tokio::spawn(async move {
        let broken = || Err(std::io::Error::other("scripted fault: connection broken"));
        for (i, event) in events.iter().enumerate() {
            match &fault {
                Some(Fault::CutAfter { events }) if i == *events => {
                    let _ = tx.send(broken()).await;
                    return;
                }
                Some(Fault::Malformed { after_events }) if i == *after_events => {
                    let _ = tx
                        .send(Ok(Bytes::from_static(
                            b"data: {\"type\": \"oops\", not json\n\n",
                        )))
                        .await;
                    return;
                }
                Some(Fault::Stall { after_events, ms }) if i == *after_events => {
                    tokio::time::sleep(Duration::from_millis(*ms)).await;
                    let _ = tx.send(broken()).await;
                    return;
                }
                _ => {}
            }
            if let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            if tx.send(Ok(Bytes::from(event.to_bytes()))).await.is_err() {
                return; // the client went away
            }
        }
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(Body::from_stream(body))
        .unwrap()
}
