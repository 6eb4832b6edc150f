//! Starting one MCP server and speaking to it with `rmcp`: a child process
//! over stdio (in its own process group, stderr kept for error messages) or
//! streamable HTTP; the handler that hears `notifications/tools/list_changed`.

use super::config::{ServerSpec, Transport};
use crate::sync::Mutex;
use rmcp::model::{
    ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult, ElicitationAction,
    ElicitationCapability, FormElicitationCapability, Implementation, ProgressNotificationParam,
    ProtocolVersion,
};
use rmcp::service::{NotificationContext, RequestContext, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, ServiceExt};
use std::collections::{HashMap, VecDeque};
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Notify;

/// Lines of a server's stderr kept to explain a failure.
const STDERR_LINES: usize = 20;

/// What Tandem tells servers about itself; wakes `changed` when the server
/// says its tool list changed, passes progress on to the running calls and
/// forms to their user.
#[derive(Clone)]
pub struct Handler {
    pub changed: Arc<Notify>,
    pub live: super::live::Live,
}

impl ClientHandler for Handler {
    fn get_info(&self) -> ClientConfig {
        let mut info = Implementation::default();
        info.name = "tandem".into();
        info.version = env!("CARGO_PKG_VERSION").into();
        // Forms (elicitation) are answered through the face; a URL to
        // visit is not offered.
        let mut elicitation = ElicitationCapability::new();
        elicitation.form = Some(FormElicitationCapability::default());
        let mut capabilities = ClientCapabilities::default();
        capabilities.elicitation = Some(elicitation);
        // The initialize handshake every deployed server speaks; servers
        // answer with the version they support.
        ClientConfig::new(capabilities, info)
            .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.changed.notify_one();
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.live.progress.handle_notification(params).await;
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, rmcp::ErrorData> {
        let ElicitRequestParams::FormElicitationParams {
            message,
            requested_schema,
            ..
        } = request
        else {
            return Ok(ElicitResult::new(ElicitationAction::Decline));
        };
        let schema = serde_json::to_value(&requested_schema).unwrap_or_default();
        let user = self.live.user();
        let outcome =
            super::elicit::ask(&self.live.server, &message, &schema, user.as_deref()).await;
        Ok(match outcome {
            super::elicit::Outcome::Accept(content) => {
                ElicitResult::new(ElicitationAction::Accept).with_content(content.into())
            }
            super::elicit::Outcome::Decline => ElicitResult::new(ElicitationAction::Decline),
            super::elicit::Outcome::Cancel => ElicitResult::new(ElicitationAction::Cancel),
        })
    }
}

pub type Service = RunningService<RoleClient, Handler>;

/// A started server.
pub struct Connection {
    pub service: Service,
    /// Process group of a stdio server (its leader's pid).
    pub process_group: Option<u32>,
    pub stderr: StderrTail,
}

/// The last lines a stdio server wrote to stderr.
#[derive(Clone, Default)]
pub struct StderrTail(Arc<Mutex<VecDeque<String>>>);

impl StderrTail {
    fn push(&self, line: String) {
        let mut lines = self.0.lock();
        if lines.len() == STDERR_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// `"; stderr: …"` to add to an error message, or nothing.
    pub fn suffix(&self) -> String {
        let lines = self.0.lock();
        let text: Vec<&str> = lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        if text.is_empty() {
            String::new()
        } else {
            format!("; stderr: {}", text.join(" | "))
        }
    }
}

/// Start the server and complete the MCP handshake.
pub async fn connect(spec: &ServerSpec, handler: Handler) -> Result<Connection, String> {
    match &spec.transport {
        Transport::Stdio {
            command,
            args,
            env,
            cwd,
        } => {
            let mut cmd = tokio::process::Command::new(command);
            cmd.args(args).envs(env).current_dir(cwd).kill_on_drop(true);
            let mut wrapped = process_wrap::tokio::CommandWrap::from(cmd);
            // Its own group: the terminal's Ctrl-C is Tandem's to handle, and
            // at the end the whole group goes (`npx` and the server it runs).
            wrapped.wrap(process_wrap::tokio::ProcessGroup::leader());
            let (process, stderr) = TokioChildProcess::builder(wrapped)
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot run `{command}`: {e}"))?;
            let process_group = process.id();
            let tail = StderrTail::default();
            if let Some(stderr) = stderr {
                let tail = tail.clone();
                let name = spec.name.clone();
                tokio::spawn(async move {
                    let mut lines = BufReader::new(stderr).lines();
                    while let Ok(Some(line)) = lines.next_line().await {
                        tracing::debug!("mcp {name}: {line}");
                        tail.push(line);
                    }
                });
            }
            match handler.serve(process).await {
                Ok(service) => Ok(Connection {
                    service,
                    process_group,
                    stderr: tail,
                }),
                Err(e) => {
                    // Let the stderr reader catch the last words.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    kill_group(process_group);
                    Err(format!("{e}{}", tail.suffix()))
                }
            }
        }
        Transport::Http { url, headers } => {
            let mut custom = HashMap::new();
            for (name, value) in headers {
                let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|e| format!("header `{name}`: {e}"))?;
                let value = reqwest::header::HeaderValue::from_str(value)
                    .map_err(|e| format!("header `{name}`: {e}"))?;
                custom.insert(name, value);
            }
            let config =
                StreamableHttpClientTransportConfig::with_uri(url.as_str()).custom_headers(custom);
            let transport = StreamableHttpClientTransport::with_client(http_client()?, config);
            let service = handler.serve(transport).await.map_err(|e| e.to_string())?;
            Ok(Connection {
                service,
                process_group: None,
                stderr: StderrTail::default(),
            })
        }
    }
}

/// An HTTP client for MCP servers: rustls with ring (as the model calls),
/// no connection pool (rmcp's advice for its streams), no redirects.
fn http_client() -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(30))
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))
}

/// Kill whatever is left of a stdio server's process group.
pub fn kill_group(group: Option<u32>) {
    if let Some(pgid) = group.and_then(|g| i32::try_from(g).ok())
        && pgid > 1
    {
        // SAFETY: killpg only sends a signal; ESRCH (already gone) is fine.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
    }
}
