//! Tools the provider runs itself: web search (Anthropic's `web_search`
//! server tool, the OpenAI Responses `web_search` tool). Their blocks are
//! kept in the conversation exactly as the provider sent them
//! (`Block::Hosted`) and sent back only to the adapter that made them.
//! This file is the one place that knows their shapes: what was searched,
//! which pages came back, for the faces and the run's citation log.

use serde_json::{Value, json};

/// `Block::Hosted::provider` of the Anthropic adapter's blocks.
pub const ANTHROPIC: &str = "anthropic";
/// `Block::Hosted::provider` of the Responses adapter's items.
pub const RESPONSES: &str = "openai_responses";

/// The name faces show for a hosted search.
pub const WEB_SEARCH: &str = "web_search";

/// Anthropic's server tool as a request offers it.
pub fn anthropic_tool() -> Value {
    json!({"type": "web_search_20250305", "name": WEB_SEARCH, "max_uses": 5})
}

/// The Responses API's hosted tool as a request offers it.
pub fn responses_tool() -> Value {
    json!({"type": "web_search"})
}

/// What one hosted block says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// The call's id; a result block names the call it answers.
    pub id: String,
    /// What was searched, on the block that starts the call.
    pub query: Option<String>,
    /// Pages the search returned (or opened), on the block that ends it.
    pub sources: Vec<Source>,
    /// Why the search failed, when it did.
    pub error: Option<String>,
    /// This block ends the call (Responses items start and end it at once).
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub url: String,
    pub title: Option<String>,
}

/// The search a hosted block of `provider` is part of; None for a block
/// this file does not know (it is still carried back as it came).
pub fn read(provider: &str, item: &Value) -> Option<Search> {
    let s = |v: &Value| v.as_str().map(str::to_string);
    match (provider, item["type"].as_str()?) {
        (ANTHROPIC, "server_tool_use") => Some(Search {
            id: s(&item["id"])?,
            query: s(&item["input"]["query"]),
            sources: Vec::new(),
            error: None,
            done: false,
        }),
        (ANTHROPIC, "web_search_tool_result") => {
            let content = &item["content"];
            let sources = content
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| {
                    Some(Source {
                        url: s(&r["url"])?,
                        title: s(&r["title"]),
                    })
                })
                .collect();
            Some(Search {
                id: s(&item["tool_use_id"])?,
                query: None,
                sources,
                error: s(&content["error_code"]),
                done: true,
            })
        }
        (RESPONSES, "web_search_call") => {
            let action = &item["action"];
            let mut sources: Vec<Source> = action["sources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| {
                    Some(Source {
                        url: s(&r["url"])?,
                        title: s(&r["title"]),
                    })
                })
                .collect();
            // `open_page` and `find` actions name the one page they read.
            if let Some(url) = s(&action["url"]) {
                sources.push(Source { url, title: None });
            }
            let failed = item["status"] == "failed";
            Some(Search {
                id: s(&item["id"])?,
                query: s(&action["query"]),
                sources,
                error: failed.then(|| "the search failed".to_string()),
                done: true,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_providers_search_blocks_are_read() {
        let call = json!({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search",
                          "input": {"query": "rust htmd"}});
        let got = read(ANTHROPIC, &call).unwrap();
        assert_eq!(
            (got.id.as_str(), got.query.as_deref(), got.done),
            ("srvtoolu_1", Some("rust htmd"), false)
        );
        let result = json!({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1",
            "content": [{"type": "web_search_result", "url": "https://docs.rs/htmd", "title": "htmd",
                         "encrypted_content": "E", "page_age": null}]});
        let got = read(ANTHROPIC, &result).unwrap();
        assert!(got.done && got.error.is_none());
        assert_eq!(got.sources[0].url, "https://docs.rs/htmd");
        let failed = json!({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_2",
            "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"}});
        assert_eq!(
            read(ANTHROPIC, &failed).unwrap().error.as_deref(),
            Some("max_uses_exceeded")
        );
        let item = json!({"type": "web_search_call", "id": "ws_1", "status": "completed",
            "action": {"type": "search", "query": "q", "sources": [{"type": "url", "url": "https://a.test/"}]}});
        let got = read(RESPONSES, &item).unwrap();
        assert_eq!(got.query.as_deref(), Some("q"));
        assert_eq!(got.sources[0].url, "https://a.test/");
        // A block is read only as its own provider's.
        assert_eq!(read(RESPONSES, &call), None);
    }
}
