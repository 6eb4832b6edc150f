//! A server's resources, for the model: `mcp__<server>__list_resources`
//! (what it offers: URI, name, type, description) and
//! `mcp__<server>__read_resource {uri}` (the text; an image as an image;
//! other binary content described). Offered only for a server that says it
//! has resources; both only read.

use crate::tools::{Permission, Tool, ToolContext, ToolOutput};
use async_trait::async_trait;
use rmcp::Peer;
use rmcp::model::ReadResourceRequestParams;
use rmcp::service::RoleClient;
use serde_json::{Value, json};
use std::sync::Arc;

pub struct ListResources {
    name: String,
    server: String,
    peer: Peer<RoleClient>,
}

pub struct ReadResource {
    name: String,
    server: String,
    peer: Peer<RoleClient>,
}

/// The two tools for `server`, when its `peer` said it has resources.
pub fn tools(server: &str, peer: &Peer<RoleClient>) -> Vec<Arc<dyn Tool>> {
    let has = peer
        .peer_info()
        .is_some_and(|info| info.capabilities.resources.is_some());
    if !has {
        return Vec::new();
    }
    let name = |what: &str| format!("mcp__{server}__{what}");
    vec![
        Arc::new(ListResources {
            name: name("list_resources"),
            server: server.into(),
            peer: peer.clone(),
        }),
        Arc::new(ReadResource {
            name: name("read_resource"),
            server: server.into(),
            peer: peer.clone(),
        }),
    ]
}

#[async_trait]
impl Tool for ListResources {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        "List the resources (documents, data) this MCP server offers: URI, name, type."
    }

    fn schema(&self) -> Value {
        json!({"type": "object", "properties": {}})
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    async fn run(&self, _input: Value, _ctx: &ToolContext) -> ToolOutput {
        match self.peer.list_all_resources().await {
            Ok(list) => {
                let rows: Vec<String> = list
                    .iter()
                    .map(|r| serde_json::to_value(r).unwrap_or_default())
                    .map(|r| {
                        let field = |k: &str| r[k].as_str().unwrap_or("").to_string();
                        let mut row = format!("{}  {}", field("uri"), field("name"));
                        if !field("mimeType").is_empty() {
                            row.push_str(&format!(" ({})", field("mimeType")));
                        }
                        if !field("description").is_empty() {
                            row.push_str(&format!(": {}", field("description")));
                        }
                        row
                    })
                    .collect();
                if rows.is_empty() {
                    ToolOutput::ok(format!(
                        "The MCP server `{}` lists no resources.",
                        self.server
                    ))
                } else {
                    ToolOutput::ok(rows.join("\n"))
                }
            }
            Err(e) => ToolOutput::error(format!(
                "listing the resources of the MCP server `{}` failed: {e}",
                self.server
            )),
        }
    }
}

#[async_trait]
impl Tool for ReadResource {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        "Read one resource of this MCP server by its URI (from list_resources)."
    }

    fn schema(&self) -> Value {
        json!({
            "type": "object",
            "properties": {"uri": {"type": "string", "description": "The resource's URI"}},
            "required": ["uri"]
        })
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        let Some(uri) = input["uri"].as_str().filter(|u| !u.is_empty()) else {
            return ToolOutput::error("read_resource needs `uri`, a URI from list_resources");
        };
        let result = match self
            .peer
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
        {
            Ok(r) => serde_json::to_value(r).unwrap_or_default(),
            Err(e) => {
                return ToolOutput::error(format!(
                    "the MCP server `{}` could not read {uri}: {e}",
                    self.server
                ));
            }
        };
        ctx.used_source(
            "mcp",
            &format!("{}/{uri}", self.server),
            &format!("MCP server `{}`", self.server),
        );
        let mut texts = Vec::new();
        let mut images = Vec::new();
        for part in result["contents"].as_array().into_iter().flatten() {
            let mime = part["mimeType"].as_str().unwrap_or("");
            if let Some(text) = part["text"].as_str() {
                texts.push(text.to_string());
            } else if let Some(blob) = part["blob"].as_str() {
                if crate::model::MEDIA_TYPES.contains(&mime) {
                    images.push(crate::model::Image {
                        media_type: mime.to_string(),
                        data: blob.to_string(),
                    });
                } else {
                    texts.push(format!(
                        "[{} of {} bytes base64, not shown]",
                        if mime.is_empty() {
                            "binary content"
                        } else {
                            mime
                        },
                        blob.len()
                    ));
                }
            }
        }
        let mut out = ToolOutput::ok(if texts.is_empty() && images.is_empty() {
            format!("{uri} is empty")
        } else {
            texts.join("\n")
        });
        out.images = images;
        out
    }
}
