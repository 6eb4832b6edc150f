//! A guard in front of the LSP transport. tower-lsp-server stops reading its
//! input for good after one undecodable message, so a single malformed
//! message from a client would silently kill the session. Every frame is
//! checked here first: a well-formed JSON-RPC message passes through
//! unchanged; anything else becomes a `$/tandem/malformed` notification
//! that the server reports (and otherwise ignores), and reading goes on.
//!
//! A frame whose headers are bad (`Content-Length: abc`, a negative or huge
//! length, a line that is no header) has a body of unknown length: rather
//! than read that body as the next headers (which swallowed the following
//! valid request), the guard skips ahead to the next `Content-Length:`
//! header and resynchronises there.

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

pub const MALFORMED: &str = "$/tandem/malformed";

/// Upper bound on one message; a bigger Content-Length is treated as garbage.
const MAX_MESSAGE: usize = 256 * 1024 * 1024;

/// Upper bound on one header block: headers are a few short lines, so a
/// longer run without a blank line is garbage, not headers still arriving.
const MAX_HEADERS: usize = 8 * 1024;

const CONTENT_LENGTH: &[u8] = b"content-length:";

/// Copy LSP frames from `input` to `output`, replacing malformed ones.
pub async fn guard(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut input = Frames {
        input,
        buf: Vec::new(),
    };
    loop {
        let message = match input.next().await {
            Ok(Some(Frame::Body(body))) => match check(&body) {
                Ok(()) => body,
                Err(problem) => malformed(&problem),
            },
            Ok(Some(Frame::Bad(problem))) => malformed(&problem),
            Ok(None) | Err(_) => return, // end of input
        };
        if forward(&mut output, &message).await.is_err() {
            return;
        }
    }
}

enum Frame {
    Body(Vec<u8>),
    /// Headers that cannot be used; the input is already resynchronised.
    Bad(String),
}

/// The input with the bytes read but not yet used.
struct Frames<R> {
    input: R,
    buf: Vec<u8>,
}

impl<R: AsyncRead + Unpin> Frames<R> {
    /// Read more input; `false` at its end.
    async fn fill(&mut self) -> std::io::Result<bool> {
        let mut chunk = [0u8; 8192];
        let n = self.input.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// The next frame; `None` at the end of input.
    async fn next(&mut self) -> std::io::Result<Option<Frame>> {
        // Stray blank lines between messages are harmless.
        loop {
            let blank = self
                .buf
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            self.buf.drain(..blank);
            if !self.buf.is_empty() {
                break;
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
        let (headers_len, length) = loop {
            if let Some(end) = header_end(&self.buf) {
                break (end, parse_headers(&self.buf[..end]));
            }
            if self.buf.len() > MAX_HEADERS {
                break (0, Err("a header block that never ends".into()));
            }
            if !self.fill().await? {
                return Ok(None);
            }
        };
        let length = match length {
            Ok(n) => n,
            Err(problem) => {
                self.resync().await?;
                return Ok(Some(Frame::Bad(problem)));
            }
        };
        self.buf.drain(..headers_len);
        while self.buf.len() < length {
            if !self.fill().await? {
                return Ok(None);
            }
        }
        let rest = self.buf.split_off(length);
        Ok(Some(Frame::Body(std::mem::replace(&mut self.buf, rest))))
    }

    /// Drop input up to the next `Content-Length:` header after the bad
    /// one at the start of the buffer (or to the end of input).
    async fn resync(&mut self) -> std::io::Result<()> {
        let mut from = 1;
        loop {
            if let Some(at) = find_header(&self.buf, from) {
                self.buf.drain(..at);
                return Ok(());
            }
            // Keep a tail that may be the start of a split header name.
            let keep = (CONTENT_LENGTH.len() - 1).min(self.buf.len());
            self.buf.drain(..self.buf.len() - keep);
            from = 0;
            if !self.fill().await? {
                self.buf.clear();
                return Ok(());
            }
        }
    }
}

/// Where the header block at the start of `buf` ends (past its blank
/// line), once it is all there.
fn header_end(buf: &[u8]) -> Option<usize> {
    let mut start = 0;
    while let Some(newline) = buf[start..].iter().position(|&b| b == b'\n') {
        let line = &buf[start..start + newline];
        start += newline + 1;
        if line.is_empty() || line == b"\r" {
            return Some(start);
        }
    }
    None
}

/// The content length of a header block, or what is wrong with it.
fn parse_headers(block: &[u8]) -> Result<usize, String> {
    let text = String::from_utf8_lossy(block);
    let mut length = None;
    for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':').filter(|(name, _)| is_token(name)) else {
            return Err(format!("a line that is not a header: {}", shorten(line)));
        };
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(match value.trim().parse::<usize>() {
                Ok(n) if n <= MAX_MESSAGE => Ok(n),
                _ => Err(format!(
                    "a bad Content-Length header: {}",
                    shorten(value.trim())
                )),
            });
        }
    }
    length.unwrap_or_else(|| Err("a message without a Content-Length header".to_string()))
}

/// A header name: visible characters other than separators.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

/// The first `Content-Length:` (any case) at or after `from`.
fn find_header(buf: &[u8], from: usize) -> Option<usize> {
    (from..buf.len().saturating_sub(CONTENT_LENGTH.len() - 1))
        .find(|&i| buf[i..i + CONTENT_LENGTH.len()].eq_ignore_ascii_case(CONTENT_LENGTH))
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
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

    #[tokio::test]
    async fn bad_headers_resynchronise_at_the_next_message() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let next = format!("Content-Length: {}\r\n\r\n{good}", good.len());
        for bad in [
            "Content-Length: abc\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"x\"}",
            "Content-Length: -5\r\n\r\n{}",
            "Content-Length: 99999999999999999999\r\n\r\n{}",
            "hello there\r\n",
            // Too short: the rest of the body is left where headers belong.
            "Content-Length: 5\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":9}",
        ] {
            let out = run(format!("{bad}{next}").as_bytes()).await;
            assert!(out.contains(MALFORMED), "{bad:?}: {out}");
            assert!(out.ends_with(good), "{bad:?}: {out}");
        }
        // A header split across reads is still found.
        let (mut tx, rx) = tokio::io::duplex(4);
        let mut out = Vec::new();
        let write = async {
            tx.write_all(format!("Content-Length: x\r\n\r\n{next}").as_bytes())
                .await
                .unwrap();
            drop(tx);
        };
        tokio::join!(write, guard(rx, &mut out));
        assert!(String::from_utf8(out).unwrap().ends_with(good));
    }

    #[test]
    fn json_that_is_not_json_rpc_is_caught() {
        assert!(check(br#"{"foo":1}"#).is_err());
        assert!(check(br#"{"jsonrpc":"2.0","method":3}"#).is_err());
        assert!(check(br#"{"jsonrpc":"2.0","id":2,"result":null}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"x","params":[1]}"#).is_ok());
    }
}
