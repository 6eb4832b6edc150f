//! The settings a run starts from: the editor's (initialization options
//! and configuration changes, in config-file shape) and the last settings
//! that loaded, which carry a run through a settings file the user broke.
//! One lock, held only inside these methods. Which settings a run uses
//! when loading fails is `choose`, a plain function.

use std::time::Duration;
use tandem_config::setup::Loaded;
use tandem_config::trust::Trust;
use tandem_core::sync::Mutex;

/// The approval timeout before any settings loaded (seconds).
const DEFAULT_APPROVAL_TIMEOUT: u64 = 120;

#[derive(Default)]
struct Inner {
    editor: toml::Table,
    last_good: Option<Loaded>,
}

#[derive(Default)]
pub struct Settings {
    inner: Mutex<Inner>,
}

/// The settings a run goes on with.
#[derive(Debug, PartialEq)]
pub enum Settled<L> {
    /// They loaded.
    Fresh(L),
    /// They did not (`error`): the last ones that did.
    LastGood { last: L, error: String },
}

/// Which settings a run uses, given what loading gave: the fresh ones;
/// else the last that loaded, unless those held the folder's own commands
/// (`repo_commands`) and the folder is not trusted now; else the error.
pub fn choose<L>(
    load: Result<L, String>,
    last: Option<L>,
    repo_commands: impl Fn(&L) -> bool,
    trusted_now: bool,
) -> Result<Settled<L>, String> {
    match (load, last) {
        (Ok(fresh), _) => Ok(Settled::Fresh(fresh)),
        (Err(error), Some(last)) if trusted_now || !repo_commands(&last) => {
            Ok(Settled::LastGood { last, error })
        }
        (Err(error), _) => Err(error),
    }
}

impl Settings {
    /// The editor's settings layer.
    pub fn editor(&self) -> toml::Table {
        self.inner.lock().editor.clone()
    }

    /// The editor's settings as a config file's text (what a task records).
    pub fn editor_toml(&self) -> String {
        toml::to_string(&self.inner.lock().editor).unwrap_or_default()
    }

    pub fn set_editor(&self, table: toml::Table) {
        self.inner.lock().editor = table;
    }

    /// How long an approval (or the trust question) waits: the last
    /// settings that loaded say, else two minutes.
    pub fn approval_timeout(&self) -> Duration {
        let secs = self
            .inner
            .lock()
            .last_good
            .as_ref()
            .and_then(|l| l.settings().agent.approval_timeout_secs);
        Duration::from_secs(secs.unwrap_or(DEFAULT_APPROVAL_TIMEOUT))
    }

    /// The settings a run under `trust` uses after loading gave `load`
    /// (see `choose`); settings that loaded become the last good ones.
    pub fn settle(
        &self,
        load: Result<Loaded, String>,
        trust: &Trust,
    ) -> Result<Settled<Loaded>, String> {
        let mut inner = self.inner.lock();
        let last = if load.is_err() {
            inner.last_good.clone()
        } else {
            None
        };
        let chosen = choose(
            load,
            last,
            |l| l.trust.allows_repo_commands(),
            trust.allows_repo_commands(),
        );
        if let Ok(Settled::Fresh(loaded)) = &chosen {
            inner.last_good = Some(loaded.clone());
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings stand-ins: a name and whether they hold the folder's commands.
    type Fake = (&'static str, bool);

    fn pick(
        load: Result<Fake, &str>,
        last: Option<Fake>,
        trusted_now: bool,
    ) -> Result<Settled<Fake>, String> {
        choose(load.map_err(str::to_string), last, |l| l.1, trusted_now)
    }

    #[test]
    fn settings_that_load_are_used() {
        let fresh = pick(Ok(("new", false)), Some(("old", false)), false);
        assert_eq!(fresh, Ok(Settled::Fresh(("new", false))));
    }

    #[test]
    fn a_broken_file_falls_back_to_the_last_settings_that_loaded() {
        let chosen = pick(Err("bad toml"), Some(("old", false)), false);
        assert_eq!(
            chosen,
            Ok(Settled::LastGood {
                last: ("old", false),
                error: "bad toml".into()
            })
        );
        let trusted = pick(Err("bad toml"), Some(("old", true)), true);
        assert!(matches!(trusted, Ok(Settled::LastGood { .. })));
    }

    #[test]
    fn without_earlier_settings_the_error_stops_the_run() {
        assert_eq!(pick(Err("bad toml"), None, true), Err("bad toml".into()));
    }

    #[test]
    fn settings_holding_the_folders_commands_are_not_used_once_it_is_untrusted() {
        assert_eq!(
            pick(Err("bad toml"), Some(("old", true)), false),
            Err("bad toml".into())
        );
    }

    #[test]
    fn the_approval_timeout_is_two_minutes_before_any_settings_loaded() {
        let settings = Settings::default();
        assert_eq!(settings.approval_timeout(), Duration::from_secs(120));
        let mut table = toml::Table::new();
        table.insert("model".into(), toml::Value::Table(toml::Table::new()));
        settings.set_editor(table.clone());
        assert_eq!(settings.editor(), table);
        assert!(settings.editor_toml().contains("[model]"));
    }
}
