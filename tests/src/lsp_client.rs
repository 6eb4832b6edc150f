//! An LSP client that drives the real `tandem lsp` binary over stdio the way
//! an editor does: it keeps its own copy of open documents with versions,
//! applies `workspace/applyEdit` (refusing a stale version, as editors do,
//! and sending `didChange` for what it applied), answers approval prompts
//! and progress requests, and records every notification.

use crate::tandem::tandem_command;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    Utf8,
    Utf16,
}

#[derive(Debug, Clone)]
pub struct Doc {
    pub text: String,
    pub version: i32,
}

/// How the simulated editor answers `window/showMessageRequest` and
/// `tandem/approve`.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Pick the action with this title.
    Pick(String),
    /// Never answer (the server must time out).
    Ignore,
    /// Answer with exactly this result.
    Raw(Value),
}

#[derive(Default)]
struct Editor {
    docs: HashMap<String, Doc>,
    notifications: Vec<Value>,
    /// Requests the server sent, in order.
    requests: Vec<Value>,
    /// Every `workspace/applyEdit` with whether it was applied.
    edits: Vec<(Value, bool)>,
}

struct Shared {
    editor: Mutex<Editor>,
    changed: Condvar,
    stdin: Mutex<ChildStdin>,
    pending: Mutex<HashMap<i64, Sender<Value>>>,
    encoding: Mutex<Enc>,
    answer: Mutex<Answer>,
    /// The reply to `tandem/question` (`choice`, `text`); null without one.
    question_reply: Mutex<Option<(Option<String>, Option<String>)>>,
}

pub struct LspClient {
    child: Child,
    shared: Arc<Shared>,
    next_id: AtomicI64,
    pub root: PathBuf,
    _home: tempfile::TempDir,
}

fn write_message(stdin: &Mutex<ChildStdin>, message: &Value) {
    let body = message.to_string();
    let mut w = stdin.lock().unwrap();
    let _ = write!(w, "Content-Length: {}\r\n\r\n{body}", body.len());
    let _ = w.flush();
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Byte offset of an LSP position in `text`.
pub fn offset(text: &str, line: u64, character: u64, enc: Enc) -> usize {
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[start..];
    let line_end = line_text.find('\n').unwrap_or(line_text.len());
    let mut units = 0;
    for (i, c) in line_text[..line_end].char_indices() {
        if units >= character as usize {
            return start + i;
        }
        units += match enc {
            Enc::Utf8 => c.len_utf8(),
            Enc::Utf16 => c.len_utf16(),
        };
    }
    start + line_end
}

fn apply_text_edits(text: &str, edits: &[Value], enc: Enc) -> (String, Vec<Value>) {
    // Ranges refer to the text before any of the edits: apply bottom-up, and
    // report each as an incremental change in that order (positions of a
    // change refer to the text after the previous ones, which bottom-up keeps).
    let mut spans: Vec<(usize, usize, String, Value)> = edits
        .iter()
        .map(|e| {
            let r = &e["range"];
            let s = offset(
                text,
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
                enc,
            );
            let t = offset(
                text,
                r["end"]["line"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
                enc,
            );
            (s, t, e["newText"].as_str().unwrap().to_string(), r.clone())
        })
        .collect();
    spans.sort_by_key(|(s, ..)| std::cmp::Reverse(*s));
    let mut out = text.to_string();
    let mut changes = Vec::new();
    for (s, t, new, range) in spans {
        out.replace_range(s..t, &new);
        changes.push(json!({ "range": range, "text": new }));
    }
    (out, changes)
}

impl Shared {
    fn respond(&self, id: &Value, result: Value) {
        write_message(
            &self.stdin,
            &json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        );
    }

    fn handle_request(&self, msg: Value) {
        let id = msg["id"].clone();
        let method = msg["method"].as_str().unwrap_or_default().to_string();
        self.editor.lock().unwrap().requests.push(msg.clone());
        self.changed.notify_all();
        match method.as_str() {
            "workspace/applyEdit" => self.apply_edit(&id, &msg["params"]["edit"]),
            "window/showMessageRequest" => {
                let answer = self.answer.lock().unwrap().clone();
                match answer {
                    Answer::Pick(title) => self.respond(&id, json!({ "title": title })),
                    Answer::Raw(result) => self.respond(&id, result),
                    Answer::Ignore => {}
                }
            }
            "tandem/approve" => {
                let answer = self.answer.lock().unwrap().clone();
                let params = &msg["params"];
                match answer {
                    Answer::Pick(title) => {
                        let choice = params["choices"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .find(|c| c["title"] == title.as_str())
                            .map(|c| c["answer"].clone())
                            .unwrap_or(json!(title));
                        self.respond(&id, json!({ "id": params["id"], "answer": choice }));
                    }
                    Answer::Raw(result) => self.respond(&id, result),
                    Answer::Ignore => {}
                }
            }
            "tandem/question" => {
                let reply = self.question_reply.lock().unwrap().clone();
                let result = match reply {
                    Some((choice, text)) => {
                        json!({ "id": msg["params"]["id"], "choice": choice, "text": text })
                    }
                    None => Value::Null,
                };
                self.respond(&id, result);
            }
            _ => self.respond(&id, Value::Null),
        }
    }

    /// Apply an edit like an editor: every versioned document must be at the
    /// version the edit names, or nothing is applied.
    fn apply_edit(&self, id: &Value, edit: &Value) {
        let enc = *self.encoding.lock().unwrap();
        let ops = edit["documentChanges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut editor = self.editor.lock().unwrap();
        let stale = ops.iter().find_map(|op| {
            let doc = op.get("textDocument")?;
            let version = doc["version"].as_i64()?;
            let have = editor.docs.get(doc["uri"].as_str()?)?.version as i64;
            (have != version)
                .then(|| format!("stale version: edit for {version}, editor has {have}"))
        });
        if let Some(reason) = stale {
            editor.edits.push((edit.clone(), false));
            drop(editor);
            self.changed.notify_all();
            self.respond(id, json!({ "applied": false, "failureReason": reason }));
            return;
        }
        let mut did_change = Vec::new();
        for op in &ops {
            let path =
                |key: &str| PathBuf::from(op[key].as_str().unwrap().trim_start_matches("file://"));
            match op["kind"].as_str() {
                Some("create") => {
                    let p = path("uri");
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(&p, "").unwrap();
                }
                Some("delete") => {
                    let _ = std::fs::remove_file(path("uri"));
                }
                Some("rename") => {
                    std::fs::rename(path("oldUri"), path("newUri")).unwrap();
                }
                _ => {
                    let u = op["textDocument"]["uri"].as_str().unwrap().to_string();
                    let edits = op["edits"].as_array().unwrap();
                    match editor.docs.get_mut(&u) {
                        Some(doc) => {
                            let (text, changes) = apply_text_edits(&doc.text, edits, enc);
                            doc.text = text;
                            doc.version += 1;
                            did_change.push(json!({
                                "textDocument": { "uri": u, "version": doc.version },
                                "contentChanges": changes,
                            }));
                        }
                        None => {
                            let p = PathBuf::from(u.trim_start_matches("file://"));
                            let old = std::fs::read_to_string(&p).unwrap_or_default();
                            let (text, _) = apply_text_edits(&old, edits, enc);
                            std::fs::write(&p, text).unwrap();
                        }
                    }
                }
            }
        }
        editor.edits.push((edit.clone(), true));
        drop(editor);
        for params in did_change {
            write_message(
                &self.stdin,
                &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": params }),
            );
        }
        self.changed.notify_all();
        self.respond(id, json!({ "applied": true }));
    }
}

impl LspClient {
    /// Start `tandem lsp` in `root` and initialize it. `options` are the
    /// initialization options (settings in config-file shape).
    pub fn start(root: &Path, options: Value, enc: Enc) -> LspClient {
        Self::start_in_home(root, options, enc, tempfile::tempdir().unwrap())
    }

    /// As `start`, announcing what the editor extensions announce beyond
    /// events (`experimental.tandem.approvals`: `tandem/approve`;
    /// `questions`: `tandem/question`).
    pub fn start_like_extensions(root: &Path, options: Value, enc: Enc) -> LspClient {
        let experimental =
            json!({ "tandem": { "events": true, "approvals": true, "questions": true } });
        Self::start_full(
            root,
            options,
            enc,
            tempfile::tempdir().unwrap(),
            experimental,
        )
    }

    /// As `start`, with `home` as the server's home folder (a restarted
    /// server that must find the first one's state).
    pub fn start_in_home(
        root: &Path,
        options: Value,
        enc: Enc,
        home: tempfile::TempDir,
    ) -> LspClient {
        let experimental = json!({ "tandem": { "events": true } });
        Self::start_full(root, options, enc, home, experimental)
    }

    fn start_full(
        root: &Path,
        options: Value,
        enc: Enc,
        home: tempfile::TempDir,
        experimental: Value,
    ) -> LspClient {
        let mut child = tandem_command(home.path())
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tandem lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let shared = Arc::new(Shared {
            editor: Mutex::new(Editor::default()),
            changed: Condvar::new(),
            stdin: Mutex::new(stdin),
            pending: Mutex::new(HashMap::new()),
            encoding: Mutex::new(enc),
            answer: Mutex::new(Answer::Pick("Allow once".into())),
            question_reply: Mutex::new(None),
        });
        let reader = shared.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut r) {
                let is_response = msg.get("method").is_none();
                if is_response {
                    let id = msg["id"].as_i64().unwrap_or(-1);
                    if let Some(tx) = reader.pending.lock().unwrap().remove(&id) {
                        let _ = tx.send(msg);
                    }
                } else if msg.get("id").is_some() {
                    let shared = reader.clone();
                    // Answer on another thread: an approval may wait.
                    std::thread::spawn(move || shared.handle_request(msg));
                } else {
                    reader.editor.lock().unwrap().notifications.push(msg);
                    reader.changed.notify_all();
                }
            }
        });
        let client = LspClient {
            child,
            shared,
            next_id: AtomicI64::new(1),
            root: root.to_path_buf(),
            _home: home,
        };
        let offered = match enc {
            Enc::Utf8 => json!(["utf-8", "utf-16"]),
            Enc::Utf16 => json!(["utf-16"]),
        };
        let init = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{ "uri": uri(root), "name": "root" }],
                "initializationOptions": options,
                "capabilities": {
                    "general": { "positionEncodings": offered },
                    "window": { "workDoneProgress": true, "showMessage": {} },
                    "workspace": {
                        "applyEdit": true,
                        "codeLens": { "refreshSupport": true },
                        "workspaceEdit": {
                            "documentChanges": true,
                            "resourceOperations": ["create", "rename", "delete"]
                        }
                    },
                    "textDocument": { "codeAction": {}, "codeLens": {} },
                    "experimental": experimental
                }
            }),
        );
        let negotiated = init["result"]["capabilities"]["positionEncoding"].clone();
        let expected = match enc {
            Enc::Utf8 => "utf-8",
            Enc::Utf16 => "utf-16",
        };
        assert_eq!(negotiated, json!(expected), "initialize: {init}");
        client.notify("initialized", json!({}));
        client
    }

    /// Answer `tandem/question` with this option and / or these words.
    pub fn set_question_reply(&self, choice: Option<&str>, text: Option<&str>) {
        *self.shared.question_reply.lock().unwrap() =
            Some((choice.map(String::from), text.map(String::from)));
    }

    pub fn set_answer(&self, answer: Answer) {
        *self.shared.answer.lock().unwrap() = answer;
    }

    pub fn request(&self, method: &str, params: Value) -> Value {
        self.request_within(method, params, TIMEOUT)
    }

    pub fn request_within(&self, method: &str, params: Value, within: Duration) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx): (Sender<Value>, Receiver<Value>) = channel();
        self.shared.pending.lock().unwrap().insert(id, tx);
        write_message(
            &self.shared.stdin,
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        );
        rx.recv_timeout(within)
            .unwrap_or_else(|_| panic!("no answer to {method} within {within:?}"))
    }

    pub fn notify(&self, method: &str, params: Value) {
        write_message(
            &self.shared.stdin,
            &json!({ "jsonrpc": "2.0", "method": method, "params": params }),
        );
    }

    /// Send raw bytes (for malformed-message tests).
    pub fn send_raw(&self, bytes: &[u8]) {
        let mut w = self.shared.stdin.lock().unwrap();
        w.write_all(bytes).unwrap();
        w.flush().unwrap();
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn uri(&self, rel: &str) -> String {
        uri(&self.path(rel))
    }

    /// Open a file with its text on disk.
    pub fn open(&self, rel: &str) {
        let text = std::fs::read_to_string(self.path(rel)).unwrap();
        self.open_with(rel, &text);
    }

    pub fn open_with(&self, rel: &str, text: &str) {
        let u = self.uri(rel);
        self.shared.editor.lock().unwrap().docs.insert(
            u.clone(),
            Doc {
                text: text.to_string(),
                version: 1,
            },
        );
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": u, "languageId": "text", "version": 1, "text": text } }),
        );
    }

    /// The user types: replace `range` ((line, char) pairs in the
    /// negotiated encoding) with `text`, and tell the server.
    pub fn type_text(&self, rel: &str, start: (u64, u64), end: (u64, u64), text: &str) {
        let u = self.uri(rel);
        let enc = *self.shared.encoding.lock().unwrap();
        let range = json!({
            "start": { "line": start.0, "character": start.1 },
            "end": { "line": end.0, "character": end.1 },
        });
        let version = {
            let mut editor = self.shared.editor.lock().unwrap();
            let doc = editor.docs.get_mut(&u).expect("document is open");
            let (new, _) = apply_text_edits(
                &doc.text,
                &[json!({ "range": range, "newText": text })],
                enc,
            );
            doc.text = new;
            doc.version += 1;
            doc.version
        };
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": u, "version": version },
                "contentChanges": [{ "range": range, "text": text }],
            }),
        );
    }

    /// Change the editor's copy without telling the server yet (an edit in
    /// flight): the server's view becomes stale.
    pub fn bump_version_silently(&self, rel: &str) {
        let u = self.uri(rel);
        self.shared
            .editor
            .lock()
            .unwrap()
            .docs
            .get_mut(&u)
            .unwrap()
            .version += 1;
    }

    pub fn doc(&self, rel: &str) -> Option<Doc> {
        self.shared
            .editor
            .lock()
            .unwrap()
            .docs
            .get(&self.uri(rel))
            .cloned()
    }

    pub fn command(&self, name: &str, args: Value) -> Value {
        self.request(
            "workspace/executeCommand",
            json!({ "command": name, "arguments": [args] }),
        )
    }

    pub fn code_lenses(&self, rel: &str) -> Vec<Value> {
        let r = self.request(
            "textDocument/codeLens",
            json!({ "textDocument": { "uri": self.uri(rel) } }),
        );
        r["result"].as_array().cloned().unwrap_or_default()
    }

    pub fn code_actions(&self, rel: &str, range: Value, diagnostics: Value) -> Vec<Value> {
        let r = self.request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": self.uri(rel) },
                "range": range,
                "context": { "diagnostics": diagnostics },
            }),
        );
        r["result"].as_array().cloned().unwrap_or_default()
    }

    pub fn notifications(&self, method: &str) -> Vec<Value> {
        let editor = self.shared.editor.lock().unwrap();
        editor
            .notifications
            .iter()
            .filter(|n| n["method"] == method)
            .cloned()
            .collect()
    }

    pub fn server_requests(&self, method: &str) -> Vec<Value> {
        let editor = self.shared.editor.lock().unwrap();
        editor
            .requests
            .iter()
            .filter(|n| n["method"] == method)
            .cloned()
            .collect()
    }

    pub fn edits(&self) -> Vec<(Value, bool)> {
        self.shared.editor.lock().unwrap().edits.clone()
    }

    /// Wait until `check` holds over everything the server has sent.
    pub fn wait_until(&self, what: &str, check: impl Fn(&LspClient) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if check(self) {
                return;
            }
            let now = Instant::now();
            assert!(now < deadline, "timed out waiting for {what}");
            let editor = self.shared.editor.lock().unwrap();
            let _ = self
                .shared
                .changed
                .wait_timeout(editor, (deadline - now).min(Duration::from_millis(50)));
        }
    }

    /// The latest `publishDiagnostics` for `rel`.
    pub fn diagnostics(&self, rel: &str) -> Vec<Value> {
        let u = self.uri(rel);
        self.notifications("textDocument/publishDiagnostics")
            .iter()
            .rev()
            .find(|n| n["params"]["uri"] == u.as_str())
            .and_then(|n| n["params"]["diagnostics"].as_array().cloned())
            .unwrap_or_default()
    }

    /// Wait for run `run` to finish (its `tandem/event` finished event).
    pub fn wait_run_finished(&self, run: u64) -> Value {
        let find = |c: &LspClient| {
            c.notifications("tandem/event")
                .into_iter()
                .find(|n| n["params"]["run"] == run && n["params"]["event"]["type"] == "finished")
        };
        self.wait_until(&format!("run {run} to finish"), |c| find(c).is_some());
        find(self).unwrap()["params"]["event"]["outcome"].clone()
    }

    /// Kill the server with SIGKILL (no chance to clean up); returns its
    /// home folder for a restarted server.
    pub fn kill(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self._home, tempfile::tempdir().unwrap())
    }

    pub fn home(&self) -> &Path {
        self._home.path()
    }

    /// Shut down and exit cleanly; returns the exit status code.
    pub fn shutdown(mut self) -> Option<i32> {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "shutdown: {r}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Initialization options that point the server at the scripted model
/// server with the Anthropic protocol.
pub fn scripted_options(model_url: &str) -> Value {
    json!({
        "model": {
            "provider": "anthropic",
            "model": "test-model",
            "base_url": model_url,
            "api_key": "test-key",
        }
    })
}

/// The `character` of the end of `needle`'s first occurrence on its line.
pub fn column_after(text: &str, needle: &str, enc: Enc) -> (u64, u64) {
    let at = text.find(needle).expect("needle in text") + needle.len();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() as u64;
    let units: usize = text[line_start..at]
        .chars()
        .map(|c| match enc {
            Enc::Utf8 => c.len_utf8(),
            Enc::Utf16 => c.len_utf16(),
        })
        .sum();
    (line, units as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_the_negotiated_units() {
        let text = "a😀b\nc";
        assert_eq!(offset(text, 0, 3, Enc::Utf16), "a😀".len());
        assert_eq!(offset(text, 0, 5, Enc::Utf8), "a😀".len());
        assert_eq!(offset(text, 1, 9, Enc::Utf16), text.len());
    }
}
