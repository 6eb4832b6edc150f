//! The model behind `prompt` hooks: the session's own provider, asked once
//! per hook with no tools, on the session's model unless the hook names
//! another (a smaller one, say).

use crate::hooks::Judge;
use crate::model::{Message, ModelRequest, Provider};
use std::sync::Arc;

/// Room for a verdict and its reason; a judge has no essay to write.
const MAX_TOKENS: u32 = 1024;

pub struct ModelJudge {
    pub provider: Arc<dyn Provider>,
    /// The session's model.
    pub model: String,
}

#[async_trait::async_trait]
impl Judge for ModelJudge {
    async fn judge(&self, model: Option<&str>, prompt: &str) -> Result<String, String> {
        let request = ModelRequest {
            model: model.unwrap_or(&self.model).to_string(),
            system: "You evaluate one event of a coding agent's session for a hook the user \
                     configured. Follow the user's instructions and answer exactly as asked."
                .into(),
            messages: vec![Message::user_text(prompt)],
            tools: Vec::new(),
            max_tokens: MAX_TOKENS,
            thinking_budget: None,
            web_search: false,
        };
        // The verdict is read whole; nobody watches its deltas.
        let (deltas, _ignored) = tokio::sync::mpsc::unbounded_channel();
        self.provider
            .stream(&request, &deltas)
            .await
            .map(|r| r.message.text())
            .map_err(|e| e.to_string())
    }
}
