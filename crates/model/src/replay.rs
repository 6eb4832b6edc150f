//! Recording and replaying model calls (`--record FILE`, `--replay FILE`).
//!
//! A recording is JSON lines: a header naming the format, then one line per
//! successful model call holding the assembled response. Replay plays the
//! responses back in order while the tools really run, so a recorded task can
//! be re-run offline and its diff really computed.

use super::{Block, ModelDelta, ModelError, ModelRequest, ModelResponse, Provider};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use tandem_sync::Mutex;
use tokio::sync::mpsc::UnboundedSender;

const FORMAT: &str = "tandem-recording/1";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    provider: String,
    model: String,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    response: ModelResponse,
}

/// Wraps a provider and appends every response it returns to a file.
pub struct Recorder<P> {
    inner: P,
    file: Mutex<File>,
}

impl<P: Provider> Recorder<P> {
    pub fn create(inner: P, path: &Path, model: &str) -> std::io::Result<Self> {
        let mut file = File::create(path)?;
        let header = Header {
            format: FORMAT.into(),
            provider: inner.name().into(),
            model: model.into(),
        };
        writeln!(file, "{}", serde_json::to_string(&header)?)?;
        Ok(Recorder {
            inner,
            file: Mutex::new(file),
        })
    }
}

#[async_trait]
impl<P: Provider> Provider for Recorder<P> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn stream(
        &self,
        request: &ModelRequest,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<ModelResponse, ModelError> {
        let response = self.inner.stream(request, deltas).await?;
        let line = serde_json::to_string(&Entry {
            response: response.clone(),
        })
        .map_err(|e| ModelError::Config(format!("cannot record response: {e}")))?;
        let mut file = self.file.lock();
        // Flushed per call so a crash keeps every completed call.
        writeln!(file, "{line}")
            .and_then(|_| file.flush())
            .map_err(|e| ModelError::Config(format!("cannot write recording: {e}")))?;
        Ok(response)
    }
}

/// Plays a recording back, one response per call.
pub struct Replayer {
    path: PathBuf,
    model: String,
    responses: Vec<ModelResponse>,
    next: AtomicUsize,
}

impl Replayer {
    pub fn open(path: &Path) -> Result<Self, ModelError> {
        let bad = |line: usize, msg: String| {
            ModelError::Config(format!(
                "{}:{line}: not a Tandem recording: {msg}",
                path.display()
            ))
        };
        let file = File::open(path)
            .map_err(|e| ModelError::Config(format!("cannot open {}: {e}", path.display())))?;
        let mut lines = BufReader::new(file).lines();
        let header: Header = match lines.next() {
            Some(Ok(l)) => serde_json::from_str(&l).map_err(|e| bad(1, e.to_string()))?,
            Some(Err(e)) => return Err(bad(1, e.to_string())),
            None => return Err(bad(1, "the file is empty".into())),
        };
        if header.format != FORMAT {
            return Err(bad(
                1,
                format!("format `{}`, expected `{FORMAT}`", header.format),
            ));
        }
        let mut responses = Vec::new();
        for (i, line) in lines.enumerate() {
            let line = line.map_err(|e| bad(i + 2, e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let entry: Entry =
                serde_json::from_str(&line).map_err(|e| bad(i + 2, e.to_string()))?;
            responses.push(entry.response);
        }
        Ok(Replayer {
            path: path.to_path_buf(),
            model: header.model,
            responses,
            next: AtomicUsize::new(0),
        })
    }

    /// The model the recording was made with.
    pub fn model(&self) -> &str {
        &self.model
    }
}

#[async_trait]
impl Provider for Replayer {
    fn name(&self) -> &str {
        "replay"
    }

    async fn stream(
        &self,
        _request: &ModelRequest,
        deltas: &UnboundedSender<ModelDelta>,
    ) -> Result<ModelResponse, ModelError> {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        let response = self.responses.get(i).cloned().ok_or_else(|| {
            ModelError::Config(format!(
                "the recording {} has only {} model turns; the run asked for turn {}",
                self.path.display(),
                self.responses.len(),
                i + 1
            ))
        })?;
        for block in &response.message.content {
            let delta = match block {
                Block::Text { text } => ModelDelta::Text { text: text.clone() },
                Block::Thinking { text, .. } => ModelDelta::Thinking { text: text.clone() },
                Block::ToolUse { id, name, .. } => ModelDelta::ToolCallStarted {
                    id: id.clone(),
                    name: name.clone(),
                },
                Block::ToolResult { .. } | Block::Image(_) | Block::Hosted { .. } => continue,
            };
            let _ = deltas.send(delta);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Message, StopReason, Usage};

    struct Fixed(Vec<ModelResponse>, AtomicUsize);

    #[async_trait]
    impl Provider for Fixed {
        fn name(&self) -> &str {
            "fixed"
        }
        async fn stream(
            &self,
            _r: &ModelRequest,
            _d: &UnboundedSender<ModelDelta>,
        ) -> Result<ModelResponse, ModelError> {
            Ok(self.0[self.1.fetch_add(1, Ordering::SeqCst)].clone())
        }
    }

    fn request() -> ModelRequest {
        ModelRequest {
            model: "m".into(),
            system: String::new(),
            messages: vec![Message::user_text("hi")],
            tools: vec![],
            max_tokens: 100,
            thinking_budget: None,
            web_search: false,
        }
    }

    fn response(text: &str) -> ModelResponse {
        ModelResponse {
            message: Message::assistant_text(text),
            usage: Usage {
                input_tokens: 3,
                ..Usage::default()
            },
            stop_reason: StopReason::EndTurn,
        }
    }

    #[tokio::test]
    async fn what_is_recorded_replays_in_order_then_runs_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let rec = Recorder::create(
            Fixed(vec![response("one"), response("two")], AtomicUsize::new(0)),
            &path,
            "m",
        )
        .unwrap();
        rec.stream(&request(), &tx).await.unwrap();
        rec.stream(&request(), &tx).await.unwrap();

        let replay = Replayer::open(&path).unwrap();
        assert_eq!(replay.model(), "m");
        assert_eq!(
            replay.stream(&request(), &tx).await.unwrap(),
            response("one")
        );
        assert_eq!(
            rx.try_recv().unwrap(),
            ModelDelta::Text { text: "one".into() }
        );
        assert_eq!(
            replay.stream(&request(), &tx).await.unwrap(),
            response("two")
        );
        let err = replay.stream(&request(), &tx).await.unwrap_err();
        assert!(err.to_string().contains("has only 2 model turns"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_recording_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        std::fs::write(
            &path,
            format!("{{\"format\":\"{FORMAT}\",\"provider\":\"p\",\"model\":\"m\"}}\n{{oops\n"),
        )
        .unwrap();
        let err = Replayer::open(&path).err().unwrap().to_string();
        assert!(err.contains("bad.jsonl:2:"), "{err}");
    }
}
