//! Which model a session calls: chosen from the settings and the
//! environment, or handed in by a face (a replayed recording).

use crate::model::{Provider, select};
use crate::settings::Settings;
use std::sync::Arc;

/// Loopback ports where a local OpenAI-compatible server is looked for:
/// Ollama's and llama.cpp's llama-server's defaults.
pub const LOCAL_MODEL_PORTS: &[u16] = &[11434, 8080];

/// A provider and the model to ask of it.
pub struct Chosen {
    pub provider: Arc<dyn Provider>,
    pub provider_name: String,
    pub model: String,
    pub max_tokens: u32,
    pub thinking_budget: Option<u32>,
}

pub async fn choose_provider(settings: &Settings) -> Result<Chosen, String> {
    let env = |name: &str| std::env::var(name).ok();
    let s = select(&settings.model, &env, LOCAL_MODEL_PORTS)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Chosen {
        provider: s.provider,
        provider_name: s.provider_name,
        model: s.model,
        max_tokens: s.max_tokens,
        thinking_budget: s.thinking_budget,
    })
}
