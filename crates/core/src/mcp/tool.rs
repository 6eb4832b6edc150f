//! One MCP tool as a Tandem tool: named `mcp__server__tool`, called with
//! the model's arguments under a timeout; the server's content comes back
//! as text, `isError` as an error result, a dead server as an error too.

use crate::tools::{Permission, Tool, ToolContext, ToolOutput};
use async_trait::async_trait;
use rmcp::Peer;
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, ResourceContents};
use rmcp::service::{RoleClient, ServiceError};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Longest tool name the model APIs take (OpenAI's limit).
const MAX_NAME: usize = 64;
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
        let params = CallToolRequestParams::new(self.tool.clone()).with_arguments(arguments);
        let call = tokio::time::timeout(self.timeout, self.peer.call_tool(params));
        let result = tokio::select! {
            r = call => r,
            _ = ctx.cancel.cancelled() => {
                return ToolOutput::error("cancelled: the user cancelled the task");
            }
        };
        match result {
            Ok(Ok(result)) => {
                ctx.used_source(
                    "mcp",
                    &format!("{}/{}", self.server, self.tool),
                    &format!("MCP server `{}`", self.server),
                );
                render(result)
            }
            Ok(Err(e)) => ToolOutput::error(self.failure(&e)),
            Err(_) => ToolOutput::error(format!(
                "the MCP server `{}` did not answer `{}` within {}s",
                self.server,
                self.tool,
                self.timeout.as_secs()
            )),
        }
    }
}

impl McpTool {
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
