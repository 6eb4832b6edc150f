//! The `LanguageServer` implementation: `initialize`, document sync, code
//! lenses, code actions, commands and the custom requests. Handlers do their
//! state changes synchronously before any await, so notifications (which
//! tower-lsp-server may run concurrently) take effect in the order sent.

use super::actions;
use super::backend::{Backend, ClientCaps};
use super::catch_panic::CatchPanic;
use super::commands::{self, COMMANDS};
use super::documents::file_path;
use super::framing;
use super::position::Encoding;
use super::proposal::code_lenses;
use super::settings::editor_layer;
use serde::Deserialize;
use serde_json::Value;
use std::path::PathBuf;
use tandem_protocol::methods;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{LanguageServer, LspService, Server};

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = &params.capabilities;
        let encoding = Encoding::negotiate(
            caps.general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        let client_caps = client_caps(caps);
        let root = workspace_root(&params);
        let mut settings_error = None;
        self.negotiated(encoding, client_caps);
        if let Some(options) = &params.initialization_options {
            match editor_layer(options) {
                Ok(table) => self.settings().set_editor(table),
                Err(e) => settings_error = Some(e),
            }
        }
        if let Err(e) = self.open_workspace(&root) {
            return Err(tower_lsp_server::jsonrpc::Error::invalid_params(format!(
                "cannot open the workspace {}: {e}",
                root.display()
            )));
        }
        if let Some(e) = settings_error {
            self.tell(MessageType::ERROR, format!("Tandem: bad settings: {e}"))
                .await;
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "tandem".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::REFACTOR_REWRITE,
                            CodeActionKind::SOURCE,
                        ]),
                        resolve_provider: Some(false),
                        work_done_progress_options: Default::default(),
                    },
                )),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: COMMANDS
                        .iter()
                        .chain(super::tasks::COMMANDS)
                        .map(|c| c.to_string())
                        .collect(),
                    work_done_progress_options: Default::default(),
                }),
                ..Default::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.check_settings_files().await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.check_settings_file(&params.text_document.uri).await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.runs().cancel(None);
        self.mcp.shutdown().await;
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.docs.open(doc.uri.clone(), &doc.text, doc.version);
        self.redraw_if_proposed(&doc.uri).await;
        self.check_settings_file(&doc.uri).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let enc = self.encoding();
        let doc = params.text_document;
        self.docs
            .change(&doc.uri, doc.version, params.content_changes, enc);
        self.redraw_if_proposed(&doc.uri).await;
        self.check_settings_file(&doc.uri).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.docs.close(&uri);
        self.redraw_if_proposed(&uri).await;
        self.check_settings_file(&uri).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let settings = params.settings.get("tandem").unwrap_or(&params.settings);
        if settings.is_null() {
            return;
        }
        match editor_layer(settings) {
            Ok(table) => self.settings().set_editor(table),
            Err(e) => {
                self.tell(
                    MessageType::ERROR,
                    format!("Tandem: bad editor settings ({e}); keeping the previous ones"),
                )
                .await
            }
        }
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let uri = params.text_document.uri;
        let Some(path) = self.relative(&uri) else {
            return Ok(None);
        };
        let enc = self.encoding();
        let lenses = self
            .reviews_of(&uri)
            .iter()
            .flat_map(|(group, review)| {
                let reviewed = self.marks().reviewed(group, &path);
                code_lenses(&uri, group, review, reviewed, enc)
            })
            .collect();
        Ok(Some(lenses))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let range = params.range;
        let diagnostics = params.context.diagnostics;
        let path = self.relative(&uri);
        if let Some(path) = &path {
            self.problems.seen(path.clone(), &diagnostics);
        }
        let line_text = self.docs.line(&uri, range.start.line);
        let mut out = Vec::new();
        if path.is_some() {
            for (group, review) in self.reviews_of(&uri) {
                let Some(ws) = self.group(&group) else {
                    continue;
                };
                out.extend(actions::review_actions(
                    &uri,
                    &group,
                    range,
                    &diagnostics,
                    &review,
                    ws.proposal_files(),
                    &ws.runs_code_paths(),
                    self.encoding(),
                ));
            }
        }
        out.extend(actions::run_actions(
            &uri,
            range,
            &diagnostics,
            line_text.as_deref(),
        ));
        if let Some(only) = &params.context.only {
            out.retain(|a| {
                a.kind
                    .as_ref()
                    .is_some_and(|k| only.iter().any(|o| k.as_str().starts_with(o.as_str())))
            });
        }
        Ok(Some(actions::into_response(out)))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        commands::execute(self, &params.command, params.arguments)
            .await
            .map(Some)
    }
}

#[derive(Deserialize)]
struct UriParams {
    uri: Uri,
    /// Which proposal (`tandem/proposedContent`); the first that has it if
    /// missing.
    #[serde(default)]
    group: Option<super::groups::GroupId>,
}

impl Backend {
    async fn redraw_if_proposed(&self, uri: &Uri) {
        if let Some(path) = self.relative(uri).filter(|p| self.in_proposal(p)) {
            self.publish_review_of(&path).await;
        }
    }

    /// `tandem/proposedContent`: the full proposed text of a file.
    async fn proposed_content(&self, params: UriParams) -> Result<Value> {
        Ok(commands::proposed_content(
            self,
            &params.uri,
            params.group.as_ref(),
        ))
    }

    /// `tandem/review`: every proposal under review, file by file.
    async fn review_list(&self, _params: Value) -> Result<Value> {
        Ok(super::review_list::list(self))
    }

    /// `tandem/tasks`: every background task of the workspace.
    async fn tasks(&self, _params: Value) -> Result<Value> {
        super::tasks::list(self)
    }

    /// `tandem/diagnostics`: a client's diagnostics of a file from its
    /// other language servers.
    async fn editor_diagnostics(&self, params: super::problems::DiagnosticsParams) {
        if let Some(path) = self.relative(&params.uri) {
            self.problems.set(path, &params.diagnostics);
        }
    }

    /// `tandem/hunks`: a file's hunks in the user's text, for inline diffs.
    async fn hunks(&self, params: UriParams) -> Result<Value> {
        Ok(commands::hunks(self, &params.uri))
    }

    /// A message the framing guard could not pass on: say so in the log.
    async fn malformed(&self, params: Value) {
        let problem = params["problem"].as_str().unwrap_or("a malformed message");
        tracing::warn!("ignored {problem}");
        self.client
            .log_message(MessageType::ERROR, format!("Tandem ignored {problem}"))
            .await;
    }

    /// `window/workDoneProgress/cancel`: the cancel button of a run.
    async fn progress_cancel(&self, params: WorkDoneProgressCancelParams) {
        self.runs().cancel_progress(&params.token);
    }
}

/// What the client can do, from its `initialize` capabilities.
fn client_caps(caps: &ClientCapabilities) -> ClientCaps {
    ClientCaps {
        work_done_progress: caps
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        code_lens_refresh: caps
            .workspace
            .as_ref()
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false),
        events: caps
            .experimental
            .as_ref()
            .and_then(|e| e.pointer("/tandem/events"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        approvals: caps
            .experimental
            .as_ref()
            .and_then(|e| e.pointer("/tandem/approvals"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        questions: caps
            .experimental
            .as_ref()
            .and_then(|e| e.pointer("/tandem/questions"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

/// The workspace folder, else the root URI, else the current folder.
fn workspace_root(params: &InitializeParams) -> PathBuf {
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .and_then(|f| file_path(&f.uri));
    #[allow(deprecated)]
    let root_uri = params.root_uri.as_ref().and_then(file_path);
    folder
        .or(root_uri)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Serve LSP over stdin and stdout until the client exits.
pub async fn serve_stdio() {
    let builder = LspService::build(Backend::new)
        .custom_method(methods::PROPOSED_CONTENT, Backend::proposed_content)
        .custom_method(methods::TASKS, Backend::tasks)
        .custom_method(methods::DIAGNOSTICS, Backend::editor_diagnostics)
        .custom_method(methods::HUNKS, Backend::hunks)
        .custom_method(methods::REVIEW, Backend::review_list)
        .custom_method("window/workDoneProgress/cancel", Backend::progress_cancel)
        .custom_method(framing::MALFORMED, Backend::malformed);
    #[cfg(debug_assertions)]
    let builder = builder.custom_method(methods::DEBUG_PANIC, super::catch_panic::debug_panic);
    let (service, socket) = builder.finish();
    let client = service.inner().client.clone();
    let (guarded, input) = tokio::io::duplex(64 * 1024);
    tokio::spawn(framing::guard(tokio::io::stdin(), guarded));
    Server::new(input, tokio::io::stdout(), socket)
        .serve(CatchPanic::new(service, client))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tandems_own_requests_are_used_only_when_announced() {
        let none = client_caps(&ClientCapabilities::default());
        assert!(!none.events && !none.approvals && !none.work_done_progress);
        let caps: ClientCapabilities = serde_json::from_value(serde_json::json!({
            "window": { "workDoneProgress": true },
            "experimental": { "tandem": { "approvals": true } }
        }))
        .unwrap();
        let caps = client_caps(&caps);
        assert!(caps.approvals && caps.work_done_progress);
        assert!(!caps.events && !caps.code_lens_refresh);
    }
}
