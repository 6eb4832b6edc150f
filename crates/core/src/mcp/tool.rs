//! One MCP tool as a Tandem tool: named `mcp__server__tool`, called with
//! the model's arguments under a timeout that the server's progress
//! notifications restart (each one shown as the call's progress); the
//! server's content comes back as text and images, `isError` as an error
//! result, a dead server as an error too. A call the user cancels, or one
//! that timed out, is cancelled on the server (`notifications/cancelled`).

use super::live::Live;
use crate::tools::{Permission, Tool, ToolContext, ToolOutput};
use async_trait::async_trait;
use futures::{FutureExt, StreamExt};
use rmcp::Peer;
use rmcp::handler::client::progress::ProgressSubscriber;
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, CancelledNotificationParam,
    ClientRequest, ContentBlock, ProgressNotificationParam, RequestId, ResourceContents,
    ServerResult,
};
use rmcp::service::{PeerRequestOptions, RoleClient, ServiceError};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Longest tool name the model APIs take (OpenAI's limit).
const MAX_NAME: usize = 64;
/// How long an answered call waits for progress the server sent before its
/// answer (only while that progress is short of the total it announced).
const LAST_PROGRESS: Duration = Duration::from_millis(200);
/// Descriptions longer than this are cut (some servers embed manuals).
const MAX_DESCRIPTION: usize = 4096;

pub struct McpTool {
    name: String,
    server: String,
    tool: String,
    description: String,
    schema: Value,
    permission: Permission,
    peer: Peer<RoleClient>,
    live: Live,
    /// Without a word from the server for this long, the call has failed.
    timeout: Duration,
    /// Drops every tool of this server (it stopped).
    forget: Forget,
}

/// Takes a server's tools away from the session.
pub type Forget = Arc<dyn Fn() + Send + Sync>;

impl McpTool {
    pub fn new(
        server: &str,
        tool: &rmcp::model::Tool,
        peer: Peer<RoleClient>,
        live: Live,
        timeout: Duration,
        forget: Forget,
    ) -> McpTool {
        let mut name = format!("mcp__{server}__{}", super::config::sanitize(&tool.name));
        name.truncate(MAX_NAME);
        let mut description = tool
            .description
            .as_deref()
            .or(tool.title.as_deref())
            .unwrap_or_default()
            .to_string();
        if description.len() > MAX_DESCRIPTION {
            let mut cut = MAX_DESCRIPTION;
            while !description.is_char_boundary(cut) {
                cut -= 1;
            }
            description.truncate(cut);
            description.push('…');
        }
        // A tool the server says only reads is classed like Tandem's own
        // readers (no approval in `ask` mode, allowed in `read-only`);
        // everything else may change the world, like a shell command.
        let read_only = tool
            .annotations
            .as_ref()
            .is_some_and(|a| a.read_only_hint == Some(true));
        McpTool {
            name,
            server: server.to_string(),
            tool: tool.name.to_string(),
            description,
            schema: Value::Object((*tool.input_schema).clone()),
            permission: if read_only {
                Permission::ReadOnly
            } else {
                Permission::Execute
            },
            peer,
            live,
            timeout,
            forget,
        }
    }
}

#[async_trait]
impl Tool for McpTool {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn schema(&self) -> Value {
        self.schema.clone()
    }

    fn permission(&self) -> Permission {
        self.permission
    }

    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        let Value::Object(arguments) = input else {
            return ToolOutput::error(format!("the arguments for {} must be an object", self.name));
        };
        // A form the server sends while this call runs is this user's.
        let _answering = ctx.user.get().map(|u| self.live.answered_by(u.clone()));
        let params = CallToolRequestParams::new(self.tool.clone()).with_arguments(arguments);
        let request = ClientRequest::CallToolRequest(CallToolRequest::new(params));
        // rmcp gives every request a progress token; subscribing to it
        // right after sending can miss only what came before the server
        // even read the request.
        let handle = match self
            .peer
            .send_cancellable_request(request, PeerRequestOptions::default())
            .await
        {
            Ok(handle) => handle,
            Err(e) => return ToolOutput::error(self.failure(&e)),
        };
        let request_id = handle.id.clone();
        let mut progress = self
            .live
            .progress
            .subscribe(handle.progress_token.clone())
            .await;
        let response = handle.await_response();
        tokio::pin!(response);
        let silence = tokio::time::sleep(self.timeout);
        tokio::pin!(silence);
        let mut last: Option<(f64, Option<f64>)> = None;
        let result = loop {
            tokio::select! {
                r = &mut response => {
                    late_progress(&mut progress, &mut last).await;
                    break r;
                }
                Some(p) = progress.next() => {
                    show(p, &mut last);
                    silence.as_mut().reset(tokio::time::Instant::now() + self.timeout);
                }
                _ = &mut silence => {
                    self.cancel_on_server(request_id, "timed out").await;
                    return ToolOutput::error(format!(
                        "the MCP server `{}` did not answer `{}` within {}s",
                        self.server,
                        self.tool,
                        self.timeout.as_secs()
                    ));
                }
                _ = ctx.cancel.cancelled() => {
                    self.cancel_on_server(request_id, "the user cancelled").await;
                    return ToolOutput::error("cancelled: the user cancelled the task");
                }
            }
        };
        match result {
            Ok(ServerResult::CallToolResult(result)) => {
                ctx.used_source(
                    "mcp",
                    &format!("{}/{}", self.server, self.tool),
                    &format!("MCP server `{}`", self.server),
                );
                render(result)
            }
            Ok(_) => ToolOutput::error(self.failure(&ServiceError::UnexpectedResponse)),
            Err(e) => ToolOutput::error(self.failure(&e)),
        }
    }
}

impl McpTool {
    /// Tell the server to stop working on the call (it may not listen).
    async fn cancel_on_server(&self, id: RequestId, reason: &str) {
        let notice = CancelledNotificationParam::new(Some(id), Some(reason.to_string()));
        if let Err(e) = self.peer.notify_cancelled(notice).await {
            tracing::debug!("mcp {}: cancelling `{}`: {e}", self.server, self.tool);
        }
    }

    fn failure(&self, e: &ServiceError) -> String {
        match e {
            ServiceError::TransportClosed | ServiceError::TransportSend(_) => {
                // Before the next model call, not whenever the server's
                // task notices.
                (self.forget)();
                format!(
                    "the MCP server `{}` stopped while running `{}` ({e}); its tools are gone \
                     for the rest of this task",
                    self.server, self.tool
                )
            }
            ServiceError::McpError(error) => format!(
                "the MCP server `{}` refused `{}`: {}",
                self.server, self.tool, error.message
            ),
            other => format!(
                "calling `{}` on the MCP server `{}` failed: {other}",
                self.tool, self.server
            ),
        }
    }
}

/// One progress notification shown as the running call's; `last` keeps
/// how far it got, of how much.
fn show(p: ProgressNotificationParam, last: &mut Option<(f64, Option<f64>)>) {
    *last = Some((p.progress, p.total));
    crate::tools::progress::report(p.progress, p.total, p.message);
}

/// After the answer: rmcp hands notifications on in tasks of their own, so
/// the last progress can come after it. What is here is shown; when the
/// server said how far it would go and has not got there, it gets a moment
/// (`LAST_PROGRESS`) more.
async fn late_progress(progress: &mut ProgressSubscriber, last: &mut Option<(f64, Option<f64>)>) {
    let deadline = tokio::time::Instant::now() + LAST_PROGRESS;
    loop {
        let short = last.is_some_and(|(p, t)| t.is_some_and(|t| p < t));
        let next = if short {
            tokio::time::timeout_at(deadline, progress.next())
                .await
                .ok()
                .flatten()
        } else {
            progress.next().now_or_never().flatten()
        };
        match next {
            Some(p) => show(p, last),
            None => return,
        }
    }
}

/// The result as the model sees it: text parts as they are, images of a
/// type every provider takes as images, other content described, structured
/// content when there is nothing else.
fn render(result: CallToolResult) -> ToolOutput {
    let mut images = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    for block in &result.content {
        match block {
            ContentBlock::Image(i) if crate::model::MEDIA_TYPES.contains(&i.mime_type.as_str()) => {
                images.push(crate::model::Image {
                    media_type: i.mime_type.clone(),
                    data: i.data.clone(),
                })
            }
            other => parts.push(describe(other)),
        }
    }
    if parts.is_empty()
        && let Some(structured) = &result.structured_content
    {
        parts.push(structured.to_string());
    }
    let mut content = parts.join("\n");
    if content.is_empty() && images.is_empty() {
        content = "(no output)".into();
    }
    ToolOutput {
        content,
        is_error: result.is_error == Some(true),
        images,
    }
}

fn describe(block: &ContentBlock) -> String {
    match block {
        ContentBlock::Text(t) => t.text.clone(),
        ContentBlock::Image(i) => format!(
            "[image {}, {} bytes base64, not shown]",
            i.mime_type,
            i.data.len()
        ),
        ContentBlock::Audio(a) => format!(
            "[audio {}, {} bytes base64, not shown]",
            a.mime_type,
            a.data.len()
        ),
        ContentBlock::Resource(r) => match &r.resource {
            ResourceContents::TextResourceContents { uri, text, .. } => {
                format!("[resource {uri}]\n{text}")
            }
            ResourceContents::BlobResourceContents {
                uri,
                mime_type,
                blob,
                ..
            } => format!(
                "[resource {uri}: {}, {} bytes base64, not shown]",
                mime_type.as_deref().unwrap_or("binary"),
                blob.len()
            ),
            _ => "[a resource of a kind Tandem cannot show]".to_string(),
        },
        ContentBlock::ResourceLink(link) => format!("[resource link {}: {}]", link.name, link.uri),
        _ => "[content of a kind Tandem cannot show]".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_become_text_and_keep_is_error() {
        let ok = CallToolResult::success(vec![
            ContentBlock::text("first"),
            ContentBlock::image("aGk=", "image/png"),
            ContentBlock::image("aGk=", "image/bmp"),
            ContentBlock::embedded_text("file:///a.txt", "inside"),
        ]);
        let out = render(ok);
        assert!(!out.is_error);
        // The PNG goes to the model as an image; a BMP no API takes is described.
        assert_eq!(
            out.content,
            "first\n[image image/bmp, 4 bytes base64, not shown]\n[resource file:///a.txt]\ninside"
        );
        assert_eq!(
            out.images,
            [crate::model::Image {
                media_type: "image/png".into(),
                data: "aGk=".into()
            }]
        );

        let failed = render(CallToolResult::error(vec![ContentBlock::text(
            "no such file",
        )]));
        assert!(failed.is_error);
        assert_eq!(failed.content, "no such file");

        let structured = render(CallToolResult::structured(serde_json::json!({"sum": 3})));
        assert!(
            structured.content.contains("\"sum\":3"),
            "{}",
            structured.content
        );
    }
}
