//! Searches the provider ran itself during a model call (its hosted web
//! search): shown to the faces as a `web_search` tool call, started with
//! its query and finished with the pages it returned, and those pages
//! joined to the run's citation log (`ToolContext::sources`).

use super::events::Event;
use crate::model::{Block, Message, hosted};
use crate::tools::ToolContext;
use serde_json::json;

/// Report the hosted blocks of one assistant message.
pub(super) fn report(message: &Message, ctx: &ToolContext, emit: impl Fn(Event)) {
    for block in &message.content {
        let Block::Hosted { provider, item } = block else {
            continue;
        };
        let Some(search) = hosted::read(provider, item) else {
            continue;
        };
        let name = hosted::WEB_SEARCH.to_string();
        if let Some(query) = &search.query {
            emit(Event::ToolCallStarted {
                id: search.id.clone(),
                name: name.clone(),
                input: json!({ "query": query }),
            });
        }
        if !search.done {
            continue;
        }
        for source in &search.sources {
            let detail = source.title.as_deref().unwrap_or("web search result");
            ctx.used_source("web_search", &source.url, detail);
        }
        let output = match &search.error {
            Some(error) => format!("search failed: {error}"),
            None => {
                let mut out = format!("{} results", search.sources.len());
                for source in &search.sources {
                    out.push_str(&format!("\n{}", source.url));
                }
                out
            }
        };
        emit(Event::ToolCallFinished {
            id: search.id,
            name,
            output,
            is_error: search.error.is_some(),
        });
    }
}
