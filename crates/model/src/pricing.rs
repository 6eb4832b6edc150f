//! The model table: prices and context windows, from the built-in data file
//! `models.toml`, extended or overridden by the user's `[models."id"]`.

use super::Usage;
use serde::Deserialize;
use std::collections::BTreeMap;

const BUILT_IN: &str = include_str!("models.toml");

/// Prices in USD per million tokens; the window in tokens.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInfo {
    pub input: Option<f64>,
    pub output: Option<f64>,
    pub cache_read: Option<f64>,
    pub cache_write: Option<f64>,
    pub context_window: Option<u64>,
    /// Offer `apply_patch` as a freeform tool with the patch grammar (the
    /// OpenAI Responses API only). Unset entries take it from the longest
    /// key below that sets it; unset everywhere is off.
    pub freeform_apply_patch: Option<bool>,
    /// The model takes images (`false`: text-only). Unset entries take it
    /// from the longest key below that sets it; unset everywhere is yes.
    pub images: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelTable {
    models: BTreeMap<String, ModelInfo>,
}

#[derive(Deserialize)]
struct File {
    models: BTreeMap<String, ModelInfo>,
}

impl ModelTable {
    pub fn built_in() -> Self {
        let file: File = toml::from_str(BUILT_IN).expect("models.toml is valid");
        ModelTable {
            models: file.models,
        }
    }

    /// The built-in table with the user's entries laid over it, field by field.
    pub fn with_overrides(user: &toml::Table) -> Result<Self, String> {
        let mut table = Self::built_in();
        for (id, value) in user {
            let info: ModelInfo = value
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| format!("[models.\"{id}\"]: {}", e.message()))?;
            let entry = table.models.entry(id.clone()).or_default();
            entry.input = info.input.or(entry.input);
            entry.output = info.output.or(entry.output);
            entry.cache_read = info.cache_read.or(entry.cache_read);
            entry.cache_write = info.cache_write.or(entry.cache_write);
            entry.context_window = info.context_window.or(entry.context_window);
            entry.freeform_apply_patch = info.freeform_apply_patch.or(entry.freeform_apply_patch);
            entry.images = info.images.or(entry.images);
        }
        Ok(table)
    }

    /// Exact id, else the longest key that prefixes it.
    pub fn get(&self, model: &str) -> Option<&ModelInfo> {
        let model = model.rsplit('/').next().unwrap_or(model);
        self.models.get(model).or_else(|| {
            self.models
                .iter()
                .filter(|(k, _)| model.starts_with(k.as_str()))
                .max_by_key(|(k, _)| k.len())
                .map(|(_, v)| v)
        })
    }

    /// Dollars for `usage`, when the model's input and output prices are known.
    /// Cache reads and writes fall back to the input price when not listed.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        let m = self.get(model)?;
        let (input, output) = (m.input?, m.output?);
        let per = |tokens: u64, price: f64| tokens as f64 * price / 1e6;
        Some(
            per(usage.input_tokens, input)
                + per(usage.output_tokens, output)
                + per(usage.cache_read_tokens, m.cache_read.unwrap_or(input))
                + per(usage.cache_write_tokens, m.cache_write.unwrap_or(input)),
        )
    }

    pub fn context_window(&self, model: &str) -> Option<u64> {
        self.get(model)?.context_window
    }

    /// Whether the model takes `apply_patch` as a freeform tool: the exact
    /// entry's setting, else that of the longest prefix key that has one
    /// (so `[models."gpt-5"] freeform_apply_patch = false` turns it off for
    /// `gpt-5-mini` too), else off. The built-in table turns it on for the
    /// gpt-5 family, as Codex does. Only the Responses adapter acts on it.
    pub fn freeform_apply_patch(&self, model: &str) -> bool {
        self.inherited(model, |i| i.freeform_apply_patch)
            .unwrap_or(false)
    }

    /// Whether the model takes images: as `freeform_apply_patch` is found,
    /// else yes (most models do; a text-only one is marked `images = false`).
    pub fn images(&self, model: &str) -> bool {
        self.inherited(model, |i| i.images).unwrap_or(true)
    }

    /// A flag from the exact entry, else from the longest prefix key that has it.
    fn inherited(&self, model: &str, flag: impl Fn(&ModelInfo) -> Option<bool>) -> Option<bool> {
        let model = model.rsplit('/').next().unwrap_or(model);
        let mut keys: Vec<(&String, &ModelInfo)> = self
            .models
            .iter()
            .filter(|(k, _)| model.starts_with(k.as_str()))
            .collect();
        keys.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        keys.iter().find_map(|(_, i)| flag(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_lookup_prefers_the_longest_key() {
        let t = ModelTable::built_in();
        assert_eq!(
            t.get("claude-sonnet-4-5-20250929").unwrap().input,
            Some(3.0)
        );
        assert_eq!(t.get("gpt-5-mini-2025-08-07").unwrap().input, Some(0.25));
        assert_eq!(t.get("openrouter/gpt-5").unwrap().input, Some(1.25));
        assert!(t.get("llama3").is_none());
    }

    #[test]
    fn cost_counts_every_kind_of_token() {
        let t = ModelTable::built_in();
        let u = Usage {
            input_tokens: 1_000_000,
            output_tokens: 100_000,
            cache_read_tokens: 2_000_000,
            cache_write_tokens: 0,
        };
        let c = t.cost("claude-sonnet-4-5", &u).unwrap();
        assert!((c - (3.0 + 1.5 + 0.6)).abs() < 1e-9, "{c}");
        assert_eq!(t.cost("unknown-model", &u), None);
    }

    #[test]
    fn freeform_apply_patch_is_on_for_gpt_5_and_overridable() {
        let t = ModelTable::built_in();
        for on in [
            "gpt-5",
            "gpt-5-mini-2025-08-07",
            "gpt-5.1-codex",
            "openrouter/gpt-5",
        ] {
            assert!(t.freeform_apply_patch(on), "{on}");
        }
        for off in [
            "gpt-4.1",
            "o3",
            "claude-sonnet-4-5",
            "qwen3-coder",
            "test-model",
        ] {
            assert!(!t.freeform_apply_patch(off), "{off}");
        }
        let user: toml::Table = toml::from_str(
            "[\"gpt-5\"]\nfreeform_apply_patch = false\n[\"gpt-5-nano\"]\nfreeform_apply_patch = true\n[\"my-model\"]\nfreeform_apply_patch = true\n",
        )
        .unwrap();
        let t = ModelTable::with_overrides(&user).unwrap();
        assert!(!t.freeform_apply_patch("gpt-5"));
        assert!(
            !t.freeform_apply_patch("gpt-5-mini"),
            "the shorter key's setting"
        );
        assert!(t.freeform_apply_patch("gpt-5-nano-2025"));
        assert!(t.freeform_apply_patch("my-model"));
    }

    #[test]
    fn images_are_allowed_unless_a_model_is_marked_text_only() {
        let t = ModelTable::built_in();
        assert!(t.images("claude-sonnet-4-5") && t.images("unknown-model"));
        let user: toml::Table = toml::from_str(
            "[\"my-model\"]\nimages = false\n[\"my-model-vision\"]\nimages = true\n",
        )
        .unwrap();
        let t = ModelTable::with_overrides(&user).unwrap();
        assert!(!t.images("my-model"));
        assert!(!t.images("my-model-2"), "the shorter key's setting");
        assert!(t.images("my-model-vision-1"));
    }

    #[test]
    fn user_entries_add_and_override() {
        let user: toml::Table = toml::from_str(
            "[\"qwen3-coder\"]\ninput = 0.0\noutput = 0.0\ncontext_window = 262144\n[\"gpt-5\"]\noutput = 99.0\n",
        )
        .unwrap();
        let t = ModelTable::with_overrides(&user).unwrap();
        assert_eq!(t.context_window("qwen3-coder"), Some(262_144));
        assert_eq!(t.get("gpt-5").unwrap().output, Some(99.0));
        assert_eq!(t.get("gpt-5").unwrap().input, Some(1.25));
        let bad: toml::Table = toml::from_str("[x]\nprice = 1\n").unwrap();
        assert!(
            ModelTable::with_overrides(&bad)
                .unwrap_err()
                .contains("price")
        );
    }
}
