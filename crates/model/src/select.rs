//! Choosing the provider and model: explicit settings first; else an API key
//! in the environment picks a hosted default; else a local OpenAI-compatible
//! server on loopback; else an error that says how to configure one.

use super::anthropic::{self, Anthropic};
use super::openai_chat::OpenAiChat;
use super::openai_responses::{self, OpenAiResponses};
use super::retry::{RetryPolicy, Retrying};
use super::{ModelError, Provider};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_ANTHROPIC_MODEL: &str = "claude-sonnet-4-5";
pub const DEFAULT_OPENAI_MODEL: &str = "gpt-5";

/// The `[model]` settings. Every field is optional; see `select`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    /// "anthropic", "openai" (Responses API) or "openai-chat" (aliases:
    /// "openai-compatible", "ollama", "llama.cpp", "vllm", "lmstudio", "openrouter").
    pub provider: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    /// Name of the environment variable holding the key.
    pub api_key_env: Option<String>,
    pub max_tokens: Option<u32>,
    pub thinking_budget: Option<u32>,
    pub max_retries: Option<u32>,
    pub retry_base_ms: Option<u64>,
    pub idle_timeout_secs: Option<u64>,
}

pub struct Selected {
    pub provider: Arc<dyn Provider>,
    pub provider_name: String,
    pub model: String,
    pub base_url: String,
    pub max_tokens: u32,
    pub thinking_budget: Option<u32>,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Anthropic,
    Responses,
    Chat,
}

fn kind(name: &str) -> Option<Kind> {
    Some(match name.to_ascii_lowercase().as_str() {
        "anthropic" | "claude" => Kind::Anthropic,
        "openai" | "openai-responses" => Kind::Responses,
        "openai-chat" | "openai-compatible" | "ollama" | "llama.cpp" | "llama-server" | "vllm"
        | "lmstudio" | "lm-studio" | "openrouter" => Kind::Chat,
        _ => return None,
    })
}

const HOW_TO_CONFIGURE: &str = "\
no model provider is configured. Do one of:
  - set ANTHROPIC_API_KEY or OPENAI_API_KEY;
  - pass --provider anthropic|openai|openai-chat with --model (and --base-url for a local server);
  - add a [model] table to .tandem/config.toml or ~/.config/tandem/config.toml, e.g.
        [model]
        provider = \"openai-chat\"
        base_url = \"http://127.0.0.1:11434/v1\"
        model = \"qwen3-coder\"
  - or start a local OpenAI-compatible server (Ollama on port 11434, llama-server on 8080).";

pub async fn select(
    settings: &ModelSettings,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    local_probe_ports: &[u16],
) -> Result<Selected, ModelError> {
    let nonempty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let (kind, base_url, model) = match &settings.provider {
        Some(name) => {
            let k = kind(name).ok_or_else(|| {
                ModelError::Config(format!(
                    "unknown provider `{name}`; use anthropic, openai or openai-chat"
                ))
            })?;
            (k, settings.base_url.clone(), settings.model.clone())
        }
        None if settings.base_url.is_some() => (
            Kind::Chat,
            settings.base_url.clone(),
            settings.model.clone(),
        ),
        None if nonempty("ANTHROPIC_API_KEY").is_some() => {
            (Kind::Anthropic, None, settings.model.clone())
        }
        None if nonempty("OPENAI_API_KEY").is_some() => {
            (Kind::Responses, None, settings.model.clone())
        }
        None => match probe_local(local_probe_ports).await {
            Some((url, first_model)) => (
                Kind::Chat,
                Some(url),
                settings.model.clone().or(Some(first_model)),
            ),
            None => return Err(ModelError::Config(HOW_TO_CONFIGURE.into())),
        },
    };

    let key_env = settings.api_key_env.clone().unwrap_or_else(|| match kind {
        Kind::Anthropic => "ANTHROPIC_API_KEY".into(),
        _ => "OPENAI_API_KEY".into(),
    });
    let api_key = settings.api_key.clone().or_else(|| nonempty(&key_env));
    let base_url = base_url
        .or_else(|| match kind {
            Kind::Anthropic => nonempty("ANTHROPIC_BASE_URL"),
            _ => nonempty("OPENAI_BASE_URL"),
        })
        .unwrap_or_else(|| match kind {
            Kind::Anthropic => anthropic::DEFAULT_BASE_URL.into(),
            _ => openai_responses::DEFAULT_BASE_URL.into(),
        });
    let hosted = !is_loopback(&base_url);
    if api_key.is_none() && (kind != Kind::Chat || hosted) {
        return Err(ModelError::Config(format!(
            "the {} provider needs an API key: set {key_env} (or `api_key_env` in the [model] settings)",
            match kind {
                Kind::Anthropic => "anthropic",
                Kind::Responses => "openai",
                Kind::Chat => "openai-chat",
            }
        )));
    }
    let model = match (model, kind) {
        (Some(m), _) => m,
        (None, Kind::Anthropic) => DEFAULT_ANTHROPIC_MODEL.into(),
        (None, Kind::Responses) => DEFAULT_OPENAI_MODEL.into(),
        (None, Kind::Chat) => first_model(&base_url).await.ok_or_else(|| {
            ModelError::Config(format!(
                "no model given and {base_url}/models lists none; pass --model"
            ))
        })?,
    };

    let idle = Duration::from_secs(settings.idle_timeout_secs.unwrap_or(120));
    let mut policy = RetryPolicy::default();
    if let Some(n) = settings.max_retries {
        policy.max_retries = n;
    }
    if let Some(ms) = settings.retry_base_ms {
        policy.base_delay = Duration::from_millis(ms);
    }
    let (provider, name): (Arc<dyn Provider>, &str) = match kind {
        Kind::Anthropic => (
            Arc::new(Retrying::new(
                Anthropic::new(&base_url, api_key, idle),
                policy,
            )),
            "anthropic",
        ),
        Kind::Responses => (
            Arc::new(Retrying::new(
                OpenAiResponses::new(&base_url, api_key, idle),
                policy,
            )),
            "openai",
        ),
        Kind::Chat => (
            Arc::new(Retrying::new(
                OpenAiChat::new(&base_url, api_key, idle),
                policy,
            )),
            "openai-chat",
        ),
    };
    Ok(Selected {
        provider,
        provider_name: name.into(),
        model,
        base_url,
        max_tokens: settings.max_tokens.unwrap_or(16_000),
        thinking_budget: settings.thinking_budget,
    })
}

fn is_loopback(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    matches!(host, "127.0.0.1" | "localhost" | "[::1]") || host.starts_with("127.")
}

/// The first local server answering `/v1/models`, with its first model.
async fn probe_local(ports: &[u16]) -> Option<(String, String)> {
    for port in ports {
        let base = format!("http://127.0.0.1:{port}/v1");
        if let Some(model) = first_model(&base).await {
            return Some((base, model));
        }
    }
    None
}

async fn first_model(base_url: &str) -> Option<String> {
    let resp = super::http::client()
        .get(format!("{base_url}/models"))
        .timeout(Duration::from_millis(800))
        .send()
        .await
        .ok()?;
    let j: serde_json::Value = resp.json().await.ok()?;
    j["data"].as_array()?.first()?["id"]
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    /// A loopback server answering /v1/models with one model.
    async fn fake_local_server() -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 1024];
                let _ = sock.read(&mut buf).await;
                let body = r#"{"object":"list","data":[{"id":"qwen3-coder","object":"model"}]}"#;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            }
        });
        port
    }

    #[tokio::test]
    async fn keys_in_the_environment_pick_a_hosted_default() {
        let s = select(
            &ModelSettings::default(),
            &env(&[("ANTHROPIC_API_KEY", "k"), ("OPENAI_API_KEY", "o")]),
            &[],
        )
        .await
        .unwrap();
        assert_eq!(
            (s.provider_name.as_str(), s.model.as_str()),
            ("anthropic", DEFAULT_ANTHROPIC_MODEL)
        );
        let s = select(
            &ModelSettings::default(),
            &env(&[("OPENAI_API_KEY", "o")]),
            &[],
        )
        .await
        .unwrap();
        assert_eq!(
            (s.provider_name.as_str(), s.base_url.as_str()),
            ("openai", "https://api.openai.com/v1")
        );
    }

    #[tokio::test]
    async fn a_local_server_is_found_on_loopback() {
        let port = fake_local_server().await;
        let s = select(&ModelSettings::default(), &env(&[]), &[1, port])
            .await
            .unwrap();
        assert_eq!(s.provider_name, "openai-chat");
        assert_eq!(s.model, "qwen3-coder");
        assert_eq!(s.base_url, format!("http://127.0.0.1:{port}/v1"));
    }

    #[tokio::test]
    async fn nothing_configured_says_how() {
        let e = select(&ModelSettings::default(), &env(&[]), &[1])
            .await
            .err()
            .unwrap();
        let msg = e.to_string();
        assert!(
            msg.contains("ANTHROPIC_API_KEY") && msg.contains("[model]") && msg.contains("Ollama"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn explicit_provider_needs_its_key_unless_local() {
        let settings = ModelSettings {
            provider: Some("openai".into()),
            ..Default::default()
        };
        let e = select(&settings, &env(&[]), &[]).await.err().unwrap();
        assert!(e.to_string().contains("OPENAI_API_KEY"));
        let settings = ModelSettings {
            provider: Some("anthropic".into()),
            api_key_env: Some("MY_KEY".into()),
            ..Default::default()
        };
        assert!(
            select(&settings, &env(&[("MY_KEY", "x")]), &[])
                .await
                .is_ok()
        );
        let settings = ModelSettings {
            provider: Some("ollama".into()),
            base_url: Some("http://127.0.0.1:9/v1".into()),
            model: Some("m".into()),
            ..Default::default()
        };
        assert_eq!(
            select(&settings, &env(&[]), &[])
                .await
                .ok()
                .unwrap()
                .provider_name,
            "openai-chat"
        );
        let settings = ModelSettings {
            provider: Some("gemini".into()),
            ..Default::default()
        };
        assert!(
            select(&settings, &env(&[]), &[])
                .await
                .err()
                .unwrap()
                .to_string()
                .contains("unknown provider `gemini`")
        );
    }
}
