//! Folder trust in the editor: the first run in a folder whose own hooks
//! and MCP servers were never answered for asks once through
//! `window/showMessageRequest` (Trust / Don't trust), listing what would
//! run; the answer goes to the same store `tandem trust` writes. A prompt
//! dismissed without an answer trusts nothing and asks again next time.

use super::backend::Backend;
use std::path::Path;
use std::time::Duration;
use tandem_config::trust::Trust;
use tandem_core::sync::Mutex;
use tower_lsp_server::ls_types::{MessageActionItem, MessageType};

pub const TRUST: &str = "Trust";
pub const DONT_TRUST: &str = "Don't trust";

/// One question at a time: runs started together must not each ask.
static ASKING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
/// The skipped commands the user was last told about: told again only when
/// they change, so every run does not raise the same message.
static TOLD: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The trust of `root` for a run, asking when there is no answer yet.
pub async fn decide(backend: &Backend, root: &Path, timeout: Duration) -> Trust {
    let _one = ASKING.lock().await;
    // Checked under the lock: another run may just have had its answer.
    let mut trust = Trust::check(root);
    if trust.needs_answer() {
        let actions = [TRUST, DONT_TRUST]
            .iter()
            .map(|t| MessageActionItem {
                title: t.to_string(),
                properties: Default::default(),
            })
            .collect();
        let ask = backend.client.show_message_request(
            MessageType::WARNING,
            format!("Tandem: {}", trust.question()),
            Some(actions),
        );
        let answer = match tokio::time::timeout(timeout, ask).await {
            Ok(Ok(Some(item))) if item.title == TRUST => Some(true),
            Ok(Ok(Some(item))) if item.title == DONT_TRUST => Some(false),
            _ => None,
        };
        if let Some(yes) = answer
            && let Err(e) = trust.answer(yes)
        {
            backend
                .tell(
                    MessageType::WARNING,
                    format!("Tandem: could not remember the trust answer: {e}"),
                )
                .await;
        }
    }
    let skipped = trust.skipped();
    let fresh = skipped.as_ref().is_some_and(|s| {
        let mut told = TOLD.lock();
        let fresh = *told != s.commands;
        told.clone_from(&s.commands);
        fresh
    });
    if let Some(skipped) = skipped.filter(|_| fresh) {
        backend
            .tell(MessageType::WARNING, format!("Tandem: {}", skipped.line()))
            .await;
    }
    trust
}
