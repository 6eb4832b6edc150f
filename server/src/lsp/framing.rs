//! A guard in front of the LSP transport. tower-lsp-server stops reading its
//! input for good after one undecodable message, so a single malformed
//! message from a client would silently kill the session. Every frame is
//! checked here first: a well-formed JSON-RPC message passes through
//! unchanged; anything else becomes a `$/tandem/malformed` notification
//! that the server reports (and otherwise ignores), and reading goes on.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

pub const MALFORMED: &str = "$/tandem/malformed";

/// Upper bound on one message; a bigger Content-Length is treated as garbage.
const MAX_MESSAGE: usize = 256 * 1024 * 1024;

/// Copy LSP frames from `input` to `output`, replacing malformed ones.
pub async fn guard(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut input = BufReader::new(input);
    loop {
        let length = match read_headers(&mut input).await {
            Ok(Some(Ok(n))) => n,
            Ok(Some(Err(problem))) => {
                if forward(&mut output, &malformed(&problem)).await.is_err() {
                    return;
                }
                continue;
            }
            Ok(None) | Err(_) => return, // end of input
        };
        let mut body = vec![0u8; length];
        if input.read_exact(&mut body).await.is_err() {
            return;
        }
        let message = match check(&body) {
            Ok(()) => body,
            Err(problem) => malformed(&problem),
        };
        if forward(&mut output, &message).await.is_err() {
            return;
        }
    }
}

/// Read a header block: `Ok(None)` at end of input, else the content length
/// or what was wrong with the headers.
async fn read_headers(
    input: &mut (impl AsyncBufReadExt + Unpin),
) -> std::io::Result<Option<Result<usize, String>>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut saw_any = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !saw_any {
                continue; // stray blank line between messages
            }
            return Ok(Some(length.unwrap_or_else(|| {
                Err("a message without a Content-Length header".to_string())
            })));
        }
        saw_any = true;
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = Some(match value.trim().parse::<usize>() {
                Ok(n) if n <= MAX_MESSAGE => Ok(n),
                _ => Err(format!("a bad Content-Length header: {}", value.trim())),
            });
        }
    }
}

/// Whether `body` is a JSON-RPC message tower-lsp-server can decode.
fn check(body: &[u8]) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("a message that is not JSON ({e})"))?;
    let object = value
        .as_object()
        .ok_or("a message that is not a JSON object")?;
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err("a message without \"jsonrpc\": \"2.0\"".into());
    }
    if let Some(method) = object.get("method") {
        if !method.is_string() {
            return Err("a message whose method is not a string".into());
        }
        if let Some(params) = object.get("params")
            && !(params.is_object() || params.is_array() || params.is_null())
        {
            return Err("a message whose params are neither an object nor an array".into());
        }
        return Ok(());
    }
    if object.contains_key("id") && (object.contains_key("result") || object.contains_key("error"))
    {
        return Ok(());
    }
    Err("a message that is neither a request, a notification nor a response".into())
}

fn malformed(problem: &str) -> Vec<u8> {
    json!({ "jsonrpc": "2.0", "method": MALFORMED, "params": { "problem": problem } })
        .to_string()
        .into_bytes()
}

async fn forward(output: &mut (impl AsyncWrite + Unpin), body: &[u8]) -> std::io::Result<()> {
    output
        .write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
        .await?;
    output.write_all(body).await?;
    output.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run(input: &[u8]) -> String {
        let mut out = Vec::new();
        guard(input, &mut out).await;
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn good_messages_pass_and_bad_ones_become_notices() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let input = format!(
            "Content-Length: 7\r\n\r\n{{oops!}}Content-Length: {}\r\n\r\n{good}X-Other: 1\r\n\r\n",
            good.len()
        );
        let out = run(input.as_bytes()).await;
        assert!(out.contains("not JSON"), "{out}");
        assert!(out.contains(good), "{out}");
        assert!(out.contains("without a Content-Length"), "{out}");
        assert_eq!(out.matches("Content-Length:").count(), 3);
    }

    #[test]
    fn json_that_is_not_json_rpc_is_caught() {
        assert!(check(br#"{"foo":1}"#).is_err());
        assert!(check(br#"{"jsonrpc":"2.0","method":3}"#).is_err());
        assert!(check(br#"{"jsonrpc":"2.0","id":2,"result":null}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"x","params":[1]}"#).is_ok());
    }
}
