//! Reading everything a session is configured with from files: the
//! settings layers, Claude Code's settings files (rules, hooks), `.mcp.json`
//! and the folder's trust, into the core's plain `Setup`. Every face loads
//! through here, so a run is configured the same way wherever it starts.

use crate::mcp_files::Scope;
use crate::trust::Trust;
use crate::{
    Layer, Settings, claude, codex, load_settings, project_config_path, read_layer,
    user_config_path,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use tandem_core::hooks::Hooks;
use tandem_core::mcp::{self, Problem, ServerSpec};
use tandem_core::model::ModelTable;
use tandem_core::session::{Setup, Untrusted};

/// The config layers of a workspace, lowest first: the user's file, the
/// project's file, then `above` (editor options, flags) in order.
pub fn layers(root: &Path, above: Vec<Layer>) -> Vec<Layer> {
    let mut layers = Vec::new();
    if let Some(user) = user_config_path() {
        layers.push(Layer::File(user));
    }
    layers.push(Layer::File(project_config_path(root)));
    layers.extend(above);
    layers
}

#[derive(Clone)]
pub struct Loaded {
    /// What the session is configured with.
    pub setup: Setup,
    /// Whether the repository's own hooks and MCP servers are in: the
    /// setup's hooks and servers follow it.
    pub trust: Trust,
}

impl Loaded {
    pub fn settings(&self) -> &Settings {
        &self.setup.settings
    }
}

/// The settings of `root` under `above`. Unless `trust` allows the
/// repository's commands, the project file's `[hooks]`, `[mcp_servers]`
/// and the settings that would widen the sandbox or the approvals
/// (`trust::inventory::WIDENING_SETTINGS`), the Claude files' project hooks
/// and `.mcp.json` are left out here: the one place every face's trust
/// decision takes effect.
pub fn load(root: &Path, above: Vec<Layer>, trust: Trust) -> Result<Loaded, String> {
    let mut layers = layers(root, above);
    let trusted = trust.allows_repo_commands();
    if !trusted {
        let project = project_config_path(root);
        for layer in &mut layers {
            if matches!(layer, Layer::File(p) if *p == project) {
                let mut table = read_layer(layer).map_err(|e| e.to_string())?;
                if let Some(t) = &mut table {
                    t.remove("hooks");
                    t.remove("mcp_servers");
                    crate::trust::inventory::remove_widening(t);
                }
                *layer = Layer::Table(table.unwrap_or_default());
            }
        }
    }
    let mut settings = load_settings(&layers).map_err(|e| e.to_string())?;
    // The repository's set-up script is its code: it runs only in a
    // trusted folder (it is in the trust inventory), and a setting wins.
    if settings.tasks.setup.is_none()
        && trusted
        && root
            .join(tandem_core::tasks::environment::SETUP_SCRIPT)
            .is_file()
    {
        settings.tasks.setup = Some(tandem_core::tasks::environment::script_command());
    }
    let table = ModelTable::with_overrides(&settings.models).map_err(|e| e.to_string())?;

    let home = dirs::home_dir();
    let mut claude = claude::load(root, home.as_deref(), trusted)?;
    apply_claude(&mut settings, &claude);
    let file_rules = std::mem::take(&mut claude.rules);
    let mut hooks = std::mem::take(&mut claude.hooks);
    let mut warnings = hooks.take_warnings();
    warnings.append(&mut claude.warnings);
    if !settings.hooks.is_empty() && !claude.disable_all_hooks {
        let table = serde_json::to_value(&settings.hooks).map_err(|e| format!("hooks: {e}"))?;
        let ours = Hooks::from_claude_settings(&serde_json::json!({ "hooks": table }))
            .map_err(|e| format!("hooks: {e}"))?;
        hooks.extend(ours);
        warnings.extend(hooks.take_warnings());
    }
    hooks.set_env(claude.env.clone().into_iter().collect());
    let codex = codex::load(home.as_deref())?;
    let (mcp_servers, mcp_problems) = mcp_specs(root, trusted, &settings, &claude, codex);
    let save_root = root.to_path_buf();
    let untrusted = trust.skipped().map(|s| Untrusted {
        folder: s.folder,
        reason: s.reason,
        commands: s.commands,
    });
    Ok(Loaded {
        setup: Setup {
            root: root.to_path_buf(),
            settings,
            table,
            file_rules,
            hooks,
            mcp_servers,
            mcp_problems,
            untrusted,
            save_rule: Some(Arc::new(move |rule: &str| {
                claude::save_allow_rule(&save_root, rule)
            })),
            read_roots: claude.additional_dirs.clone(),
            warnings,
        },
        trust,
    })
}

/// The servers of `root/.mcp.json` (only when the folder is `trusted`) and
/// the settings' `[mcp_servers]`, ready to start, and the entries that
/// cannot be.
fn mcp_specs(
    root: &Path,
    trusted: bool,
    settings: &Settings,
    claude: &claude::ClaudeFiles,
    codex: codex::CodexFile,
) -> (Vec<ServerSpec>, Vec<Problem>) {
    // Claude Code's user and local servers (`~/.claude.json`, yours: no
    // folder trust), then Codex's, under Tandem's own of the same name.
    let places = crate::mcp_files::Places {
        root: root.to_path_buf(),
        home: dirs::home_dir(),
    };
    let mut servers = BTreeMap::new();
    let mut problems = Vec::new();
    for scope in [Scope::User, Scope::Local] {
        match places.configs(scope) {
            Ok(found) => servers.extend(found),
            Err(e) => problems.push(Problem {
                server: format!("({} scope)", scope.name()),
                message: e,
            }),
        }
    }
    servers.extend(codex.servers);
    servers.extend(settings.mcp_servers.clone());
    let text = trusted
        .then(|| std::fs::read_to_string(root.join(mcp::PROJECT_FILE)).ok())
        .flatten()
        .map(|t| claude::filter_mcp_json(&t, claude));
    let env = |name: &str| std::env::var(name).ok();
    let (specs, mut more) = mcp::resolve(root, text.as_deref(), &servers, &settings.mcp, &env);
    problems.append(&mut more);
    (specs, problems)
}

/// Claude Code's `defaultMode` and `model` where Tandem's own settings
/// (any layer, flags included) leave them unset: Tandem's settings win.
fn apply_claude(settings: &mut Settings, claude: &claude::ClaudeFiles) {
    if settings.permissions.mode.is_none() {
        settings.permissions.mode = claude.mode;
    }
    // A Claude model id only means something to the Anthropic provider.
    let anthropic = match settings.model.provider.as_deref() {
        Some(p) => p == "anthropic",
        None => {
            settings.model.base_url.is_none()
                && std::env::var("ANTHROPIC_API_KEY").is_ok_and(|k| !k.trim().is_empty())
        }
    };
    if settings.model.model.is_none() && anthropic {
        settings.model.model = claude.model.clone();
    }
}

/// A background task's settings (`tasks::runner::LoadSetup`): its
/// workspace's files under the layer it was started with, as the folder's
/// stored trust allows (a task never asks; what is skipped, its transcript
/// says).
pub fn load_task(root: &Path, saved: &str) -> Result<Setup, String> {
    let table: toml::Table = toml::from_str(saved)
        .map_err(|e| format!("the task's saved settings are unreadable: {e}"))?;
    let trust = Trust::check(root);
    Ok(load(root, vec![Layer::Table(table)], trust)?.setup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repositorys_setup_script_runs_only_in_a_trusted_folder_and_a_setting_wins() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join(".tandem")).unwrap();
        std::fs::write(root.join(".tandem/setup.sh"), "echo hi\n").unwrap();
        let setup = |trust: Trust, above: Vec<Layer>| load(root, above, trust).unwrap().setup;
        let untrusted = Trust {
            folder: root.to_path_buf(),
            inventory: crate::trust::Inventory::of(root, None),
            state: crate::trust::State::Unanswered { changed: false },
        };
        let s = setup(untrusted, Vec::new());
        assert_eq!(s.settings.tasks.setup, None);
        assert!(s.untrusted.unwrap().commands[0].contains(".tandem/setup.sh"));
        // Control: trusted, the script is the set-up.
        let s = setup(Trust::trusted(root), Vec::new());
        assert_eq!(
            s.settings.tasks.setup.as_deref(),
            Some("sh .tandem/setup.sh")
        );
        // The user's own setting wins over the script, `""` included.
        let mine: toml::Table = toml::from_str("[tasks]\nsetup = \"\"\n").unwrap();
        let s = setup(Trust::trusted(root), vec![Layer::Table(mine)]);
        assert_eq!(s.settings.tasks.setup.as_deref(), Some(""));
    }

    #[test]
    fn claude_mode_and_model_fill_in_only_what_tandem_leaves_unset() {
        let claude = claude::ClaudeFiles {
            mode: Some(tandem_core::policy::Mode::ReadOnly),
            model: Some("claude-opus-4-1".into()),
            ..Default::default()
        };
        let mut settings = Settings::default();
        settings.model.provider = Some("anthropic".into());
        apply_claude(&mut settings, &claude);
        assert_eq!(settings.permissions.mode, claude.mode);
        assert_eq!(settings.model.model.as_deref(), Some("claude-opus-4-1"));
        // Tandem's own settings win; another provider ignores Claude's model.
        let mut settings = Settings::default();
        settings.permissions.mode = Some(tandem_core::policy::Mode::Auto);
        settings.model.provider = Some("openai".into());
        apply_claude(&mut settings, &claude);
        assert_eq!(
            settings.permissions.mode,
            Some(tandem_core::policy::Mode::Auto)
        );
        assert_eq!(settings.model.model, None);
    }
}
