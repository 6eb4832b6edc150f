//! `web_fetch`: one URL as readable text (HTML as Markdown), fetched by
//! Tandem itself, outside the sandbox. A call's subject is the URL's domain,
//! so `WebFetch(domain:example.com)` rules allow, ask or deny it and
//! "always allow" saves that rule. Redirects are followed here, not by the
//! HTTP client, so that each hop is reported and a hop to another domain
//! is judged by the gate again as a call of its own (`ToolContext::recheck`):
//! an allowed page cannot bounce the fetch to a denied one.

use super::web_page::{self, Page};
use super::{Acts, Permission, ToolContext, ToolOutput};
use async_trait::async_trait;
use reqwest::Url;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::LazyLock;
use std::time::Duration;

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;
/// Bytes downloaded of one body; the rest is not read.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Characters of text returned (below the session's output limit, which
/// would cut head and tail instead).
const MAX_CHARS: usize = 100_000;
const TIMEOUT: Duration = Duration::from_secs(30);
/// Lines beyond a cut that match the call's `prompt`, at most.
const MATCHING_LINES: usize = 40;

pub struct WebFetch;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// http(s) URL
    url: String,
    /// What to look for
    prompt: Option<String>,
}

/// The domain a URL names (its host, lower case), when it is one this tool
/// fetches: http or https with a host.
pub fn domain_of(url: &str) -> Option<String> {
    let url = Url::parse(url.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.host_str().map(str::to_ascii_lowercase)
}

/// One client for every fetch: rustls with ring as the model calls use,
/// redirects left to `follow`.
fn client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: LazyLock<Result<reqwest::Client, String>> = LazyLock::new(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(TIMEOUT)
            .user_agent(concat!(
                "Tandem/",
                env!("CARGO_PKG_VERSION"),
                " (web_fetch)"
            ))
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))
    });
    CLIENT.as_ref().map_err(Clone::clone)
}

#[async_trait]
impl super::TypedTool for WebFetch {
    type Input = Input;

    fn name(&self) -> &str {
        "web_fetch"
    }

    fn description(&self) -> &str {
        "Fetch a URL: HTML as Markdown, other text as is; redirects listed."
    }

    // It reaches the network and can carry data out in a URL: asked like a
    // command, refused in read-only and plan mode.
    fn permission(&self) -> Permission {
        Permission::Execute
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["WebFetch"]
    }

    fn acts_on(&self) -> Acts {
        Acts::Domain
    }

    fn domain(&self, input: &Value) -> Option<String> {
        domain_of(input.get("url")?.as_str()?)
    }

    fn subject(&self, input: &Value) -> Option<String> {
        input.get("url")?.as_str().map(str::to_string)
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
        let fetched = tokio::select! {
            f = follow(&input.url, ctx) => f,
            _ = ctx.cancel.cancelled() => return ToolOutput::error("cancelled"),
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => return ToolOutput::error(e),
        };
        ctx.used_source("web", fetched.url.as_str(), "web_fetch");
        let page = web_page::read(&fetched.content_type, &fetched.body);
        let (text, from_html) = match page {
            Page::Text { text, from_html } => (text, from_html),
            Page::NotText(kind) => {
                return ToolOutput::error(format!(
                    "{} is not text ({kind}); web_fetch reads pages and text files only",
                    fetched.url
                ));
            }
        };
        let limit = MAX_CHARS.min(ctx.output_limit.saturating_sub(1_000).max(1_000));
        let (mut shown, cut_at) = web_page::cap(&text, limit);
        let prompt = input.prompt.filter(|p| !p.trim().is_empty());
        if let (Some(at), Some(prompt)) = (cut_at, &prompt) {
            let lines = web_page::matching_lines(&text[at..], prompt, MATCHING_LINES);
            if !lines.is_empty() {
                shown.push_str(&format!(
                    "\n\nLines after the cut with words of \"{prompt}\":\n{}",
                    lines.join("\n")
                ));
            }
        }
        let mut out = format!("URL: {}\n", fetched.url);
        for hop in &fetched.hops {
            out.push_str(&format!("Redirected: {hop}\n"));
        }
        out.push_str(&format!(
            "Content-Type: {}{}\n",
            if fetched.content_type.is_empty() {
                "(none)"
            } else {
                &fetched.content_type
            },
            if from_html { " (as Markdown)" } else { "" }
        ));
        if fetched.cut {
            out.push_str(&format!(
                "[download stopped at {} bytes: the rest of the body was not read]\n",
                MAX_BYTES
            ));
        }
        if let Some(prompt) = &prompt {
            out.push_str(&format!("Looking for: {prompt}\n"));
        }
        out.push('\n');
        out.push_str(&shown);
        ToolOutput::ok(out)
    }
}

/// What the last hop answered.
struct Fetched {
    url: Url,
    /// `301 http://a/ → http://b/`, one per redirect.
    hops: Vec<String>,
    content_type: String,
    body: Vec<u8>,
    /// The body was longer than `MAX_BYTES`.
    cut: bool,
}

async fn follow(raw: &str, ctx: &ToolContext) -> Result<Fetched, String> {
    let mut url = parse(raw)?;
    let first = domain_of(url.as_str()).unwrap_or_default();
    let mut hops = Vec::new();
    let client = client()?;
    loop {
        let response = client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| format!("could not fetch {url}: {}", error_chain(&e)))?;
        let status = response.status();
        if status.is_redirection()
            && let Some(location) = response.headers().get(reqwest::header::LOCATION)
        {
            let location = location
                .to_str()
                .map_err(|_| format!("{url} redirected to a location that is not text"))?;
            let next = url
                .join(location)
                .map_err(|e| format!("{url} redirected to a bad location `{location}`: {e}"))?;
            if !matches!(next.scheme(), "http" | "https") {
                return Err(format!(
                    "{url} redirected to {next}: only http and https are fetched"
                ));
            }
            hops.push(format!("{} {url} → {next}", status.as_u16()));
            if hops.len() > MAX_REDIRECTS {
                return Err(format!(
                    "more than {MAX_REDIRECTS} redirects, stopped:\n{}",
                    hops.join("\n")
                ));
            }
            let domain = domain_of(next.as_str()).unwrap_or_default();
            if domain != first {
                recheck(ctx, next.as_str(), &hops).await?;
            }
            url = next;
            continue;
        }
        if !status.is_success() {
            let mut message = format!("{url} answered {status}");
            for hop in &hops {
                message.push_str(&format!("\nRedirected: {hop}"));
            }
            return Err(message);
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let (body, cut) = read_capped(response, &url).await?;
        return Ok(Fetched {
            url,
            hops,
            content_type,
            body,
            cut,
        });
    }
}

/// A hop to another domain is a fetch the gate has not judged: it is
/// asked as a call of this tool with the new URL (rules, hooks, the user),
/// and a refusal ends the fetch with the gate's words.
async fn recheck(ctx: &ToolContext, next: &str, hops: &[String]) -> Result<(), String> {
    let Some(gate) = ctx.recheck.get() else {
        return Err(format!(
            "redirected to another domain ({next}), and nothing can check that domain here; \
             not followed"
        ));
    };
    let tool: &dyn super::Tool = &WebFetch;
    gate.allow(tool, &json!({ "url": next }))
        .await
        .map_err(|refused| {
            format!(
                "the page redirected to {next}, which was not fetched: {}\n{}",
                refused.content,
                hops.iter()
                    .map(|h| format!("Redirected: {h}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
}

fn parse(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{raw}`: only http and https URLs are fetched, not {}",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    Ok(url)
}

async fn read_capped(
    mut response: reqwest::Response,
    url: &Url,
) -> Result<(Vec<u8>, bool), String> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading {url} failed: {}", error_chain(&e)))?
    {
        let room = MAX_BYTES - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// reqwest's message with its causes ("error sending request" alone says
/// nothing about a refused connection or a timeout).
fn error_chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(&format!(": {s}"));
        source = s.source();
    }
    if e.is_timeout() {
        out.push_str(&format!(" (timed out after {}s)", TIMEOUT.as_secs()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;

    #[test]
    fn the_domain_is_the_lower_case_host_of_http_urls_only() {
        assert_eq!(
            domain_of("https://Docs.Example.com:8443/a?b").as_deref(),
            Some("docs.example.com")
        );
        assert_eq!(domain_of("file:///etc/passwd"), None);
        assert_eq!(domain_of("not a url"), None);
        assert_eq!(
            WebFetch
                .subject(&json!({"url": "http://a.test/x"}))
                .as_deref(),
            Some("http://a.test/x")
        );
    }

    #[tokio::test]
    async fn bad_urls_and_other_schemes_are_clear_errors() {
        let r = crate::tools::walk::fixture::repo(&[]);
        let ctx = &r.ctx;
        for (url, says) in [
            ("ftp://example.com/f", "only http and https"),
            ("file:///etc/passwd", "only http and https"),
            ("example.com", "is not a URL"),
        ] {
            let out = WebFetch.run(json!({ "url": url }), ctx).await;
            assert!(out.is_error && out.content.contains(says), "{url}: {out:?}");
        }
        assert!(
            ctx.sources.lock().is_empty(),
            "nothing fetched, nothing cited"
        );
    }
}
