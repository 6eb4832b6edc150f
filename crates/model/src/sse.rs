//! A decoder for `text/event-stream` (the WHATWG server-sent events format)
//! that takes bytes in chunks split anywhere (mid-line, mid-UTF-8 character)
//! and yields complete events.
//!
//! Written here rather than taken from `sse-stream` or `eventsource-stream`:
//! those wrap an `http_body::Body` or a `Stream`, while the adapters read
//! chunks themselves to apply an idle timeout per chunk, and feeding bytes
//! directly makes split-chunk tests trivial. It is 70 lines.

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field, if any.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

#[derive(Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed a chunk; returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(chunk);
        let mut events = Vec::new();
        let mut start = 0;
        while let Some(pos) = self.buf[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
        {
            let end = start + pos;
            // A CR at the very end may be the first half of a CRLF: wait.
            if self.buf[end] == b'\r' && end + 1 == self.buf.len() {
                break;
            }
            let line = String::from_utf8_lossy(&self.buf[start..end]).into_owned();
            start = end + 1;
            if self.buf[end] == b'\r' && self.buf.get(start) == Some(&b'\n') {
                start += 1;
            }
            if let Some(e) = self.line(&line) {
                events.push(e);
            }
        }
        self.buf.drain(..start);
        events
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let data = self.data.take()?;
            return Some(SseEvent {
                event: self.event.take(),
                data,
            });
        }
        if line.starts_with(':') {
            return None; // a comment, e.g. a keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_string()),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            _ => {} // id, retry: not needed for model APIs
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "event: a\ndata: {\"x\":\"é\"}\n\n: keep-alive\n\ndata: one\ndata: two\n\nevent: b\r\ndata: crlf\r\n\r\n";

    fn all_at_once() -> Vec<SseEvent> {
        SseDecoder::new().feed(STREAM.as_bytes())
    }

    #[test]
    fn decodes_events_data_lines_comments_and_crlf() {
        let ev = all_at_once();
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[0].event.as_deref(), Some("a"));
        assert_eq!(ev[0].data, "{\"x\":\"é\"}");
        assert_eq!(ev[1].event, None);
        assert_eq!(ev[1].data, "one\ntwo");
        assert_eq!(ev[2].event.as_deref(), Some("b"));
        assert_eq!(ev[2].data, "crlf");
    }

    #[test]
    fn any_split_of_the_bytes_gives_the_same_events() {
        let bytes = STREAM.as_bytes();
        for size in 1..8 {
            let mut d = SseDecoder::new();
            let got: Vec<SseEvent> = bytes.chunks(size).flat_map(|c| d.feed(c)).collect();
            assert_eq!(got, all_at_once(), "chunk size {size}");
        }
        for cut in 0..bytes.len() {
            let mut d = SseDecoder::new();
            let mut got = d.feed(&bytes[..cut]);
            got.extend(d.feed(&bytes[cut..]));
            assert_eq!(got, all_at_once(), "cut at {cut}");
        }
    }
}
