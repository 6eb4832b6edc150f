//! The built-in tool set of a session. Adding a tool is its file (and its
//! `mod` line in `mod.rs`) plus one line here: everything else (rules,
//! hooks, agent files, the faces) asks the tool what it is.

use super::apply_patch::ApplyPatch;
use super::{Registry, Tool};
use super::{
    edit::Edit, glob::Glob, grep::Grep, list::List, read::Read, shell::Shell, todo::Todo,
    write::Write,
};
use std::sync::{Arc, LazyLock};

/// The built-in tools in the order they are registered (which is the order
/// a Claude name that several answer to lists them in).
pub fn builtins() -> &'static [Arc<dyn Tool>] {
    static TOOLS: LazyLock<Vec<Arc<dyn Tool>>> = LazyLock::new(|| {
        vec![
            Arc::new(Read),
            Arc::new(List),
            Arc::new(Glob),
            Arc::new(Grep),
            Arc::new(Edit),
            Arc::new(super::multi_edit::MultiEdit),
            Arc::new(ApplyPatch),
            Arc::new(Write),
            Arc::new(Shell),
            Arc::new(Todo),
            Arc::new(super::web_fetch::WebFetch),
        ]
    });
    &TOOLS
}

/// One built-in tool by its own name.
pub fn builtin(name: &str) -> Option<&'static Arc<dyn Tool>> {
    builtins().iter().find(|t| t.name() == name)
}

pub fn builtin_tools() -> Registry {
    let mut r = Registry::new();
    for tool in builtins() {
        r.add(tool.clone());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Bytes of the tool specs before the schemas were derived (9 tools,
    /// hand-written schemas), and what `multi_edit` and `web_fetch` add.
    const BEFORE: usize = 5719;
    const MULTI_EDIT: usize = 564;
    const WEB_FETCH: usize = 330;

    fn spec_bytes(tools: &[&Arc<dyn Tool>]) -> usize {
        let mut r = Registry::new();
        for t in tools {
            r.add((*t).clone());
        }
        serde_json::to_string(&r.specs()).unwrap().len()
    }

    /// The specs go to the model on every request (the fixed head of the
    /// prompt): deriving schemas must not make them grow.
    #[test]
    fn the_fixed_head_does_not_grow() {
        let all: Vec<&Arc<dyn Tool>> = builtins().iter().collect();
        let without = |names: &[&str]| -> Vec<&Arc<dyn Tool>> {
            all.iter()
                .copied()
                .filter(|t| !names.contains(&t.name()))
                .collect()
        };
        let now = spec_bytes(&all);
        let old = spec_bytes(&without(&["multi_edit", "web_fetch"]));
        let no_fetch = spec_bytes(&without(&["web_fetch"]));
        println!("tool specs: {now} bytes, {old} without multi_edit and web_fetch");
        assert!(old <= BEFORE, "{old} > {BEFORE}");
        assert!(
            no_fetch - old <= MULTI_EDIT,
            "multi_edit adds {}",
            no_fetch - old
        );
        assert!(
            now - no_fetch <= WEB_FETCH,
            "web_fetch adds {}",
            now - no_fetch
        );
    }

    fn request(model: &str) -> crate::model::ModelRequest {
        let freeform = crate::model::ModelTable::built_in().freeform_apply_patch(model);
        crate::model::ModelRequest {
            model: model.into(),
            system: String::new(),
            messages: vec![crate::model::Message::user_text("go")],
            tools: builtin_tools().specs_for(freeform),
            max_tokens: 1000,
            thinking_budget: None,
            web_search: false,
        }
    }

    fn tool<'a>(body: &'a Value, name: &str) -> &'a Value {
        body["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name || t["function"]["name"] == name)
            .unwrap()
    }

    /// On the Responses API a gpt-5 model gets `apply_patch` as a custom
    /// tool with the patch grammar (as Codex offers it); another model gets
    /// the function; Anthropic and Chat Completions always the function.
    #[test]
    fn apply_patch_is_freeform_for_gpt_5_on_responses_only() {
        use crate::model::{anthropic, openai_chat, openai_responses};
        let body = |text: String| -> Value { serde_json::from_str(&text).unwrap() };
        let gpt5 = body(openai_responses::body(&request("gpt-5")));
        let patch = tool(&gpt5, "apply_patch");
        assert_eq!(patch["type"], "custom");
        assert_eq!(patch["format"]["type"], "grammar");
        assert_eq!(patch["format"]["syntax"], "lark");
        assert_eq!(
            patch["format"]["definition"],
            super::super::apply_patch::GRAMMAR
        );
        assert!(patch.get("parameters").is_none());
        assert_eq!(tool(&gpt5, "edit")["type"], "function", "only apply_patch");
        let other = body(openai_responses::body(&request("gpt-4.1")));
        assert_eq!(tool(&other, "apply_patch")["type"], "function");
        for text in [
            anthropic::body(&request("gpt-5")),
            openai_chat::body(&request("gpt-5")),
        ] {
            assert!(!text.contains("\"custom\""), "{text}");
            assert!(!text.contains("Begin Patch\\\" LF"), "no grammar: {text}");
            let j = body(text);
            let patch = tool(&j, "apply_patch");
            let schema = patch
                .get("input_schema")
                .or(patch["function"].get("parameters"));
            assert_eq!(schema.unwrap()["required"][0], "patch");
        }
        // What the grammar costs a gpt-5 request on Responses.
        let function = openai_responses::body(&crate::model::ModelRequest {
            tools: builtin_tools().specs(),
            ..request("gpt-5")
        });
        let custom = openai_responses::body(&request("gpt-5"));
        println!(
            "Responses request for gpt-5: {} bytes with apply_patch as a custom tool, {} as a function ({:+} bytes; the grammar is {} bytes)",
            custom.len(),
            function.len(),
            custom.len() as i64 - function.len() as i64,
            super::super::apply_patch::GRAMMAR.len()
        );
    }

    fn sorted_required(mut schema: Value) -> Value {
        if let Some(Value::Array(r)) = schema.get_mut("required") {
            r.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
        schema
    }

    /// The derived schemas say exactly what the hand-written ones said.
    #[test]
    fn derived_schemas_match_the_hand_written_ones() {
        let hand = [
            (
                "edit",
                json!({
                    "type": "object",
                    "properties": {
                        "path": {"type": "string"},
                        "old_string": {"type": "string", "description": "Exact text to replace"},
                        "new_string": {"type": "string", "description": "Text to put in its place"},
                        "replace_all": {"type": "boolean", "description": "Replace every occurrence (default false)"}
                    },
                    "required": ["path", "old_string", "new_string"],
                    "additionalProperties": false
                }),
            ),
            (
                "read",
                json!({
                    "type": "object",
                    "properties": {
                        "path": {"type": "string", "description": "File path, relative to the workspace root"},
                        "offset": {"type": "integer", "minimum": 1, "description": "First line to read (1-based)"},
                        "limit": {"type": "integer", "minimum": 1, "description": "Number of lines to read (default 2000)"}
                    },
                    "required": ["path"],
                    "additionalProperties": false
                }),
            ),
            (
                "write",
                json!({
                    "type": "object",
                    "properties": {
                        "path": {"type": "string"},
                        "content": {"type": "string", "description": "The complete new content"}
                    },
                    "required": ["path", "content"],
                    "additionalProperties": false
                }),
            ),
            (
                "list",
                json!({
                    "type": "object",
                    "properties": {
                        "path": {"type": "string", "description": "Folder, relative to the workspace root (default: the root)"},
                        "depth": {"type": "integer", "minimum": 1, "description": "Levels to show (default 2)"}
                    },
                    "additionalProperties": false
                }),
            ),
            (
                "glob",
                json!({
                    "type": "object",
                    "properties": {
                        "pattern": {"type": "string", "description": "Glob pattern; `**` matches any number of folders"},
                        "path": {"type": "string", "description": "Folder to search in (default: the root)"}
                    },
                    "required": ["pattern"],
                    "additionalProperties": false
                }),
            ),
            (
                "shell",
                json!({
                    "type": "object",
                    "properties": {
                        "command": {"type": "string"},
                        "timeout_secs": {"type": "integer", "minimum": 1, "description": "Kill after this many seconds (default and maximum: the session's limit)"},
                        "workdir": {"type": "string", "description": "Folder to run in, relative to the workspace root"}
                    },
                    "required": ["command"],
                    "additionalProperties": false
                }),
            ),
            (
                "grep",
                json!({
                    "type": "object",
                    "properties": {
                        "pattern": {"type": "string", "description": "Regular expression"},
                        "path": {"type": "string", "description": "File or folder to search (default: the root)"},
                        "glob": {"type": "string", "description": "Only files matching this glob, e.g. `*.py` or `src/**/*.rs`"},
                        "case_insensitive": {"type": "boolean"},
                        "output_mode": {"type": "string", "enum": ["files_with_matches", "content", "count"]},
                        "context": {"type": "integer", "minimum": 0, "description": "Lines of context around matches (content mode)"},
                        "max_results": {"type": "integer", "minimum": 1, "description": "Most lines or files to return (default 200)"}
                    },
                    "required": ["pattern"],
                    "additionalProperties": false
                }),
            ),
        ];
        for (name, schema) in hand {
            assert_eq!(
                sorted_required(builtin(name).unwrap().schema()),
                sorted_required(schema),
                "{name}"
            );
        }
    }

    #[test]
    fn claude_names_find_the_tools_that_answer_to_them() {
        let answering = |claude: &str| -> Vec<&str> {
            builtins()
                .iter()
                .filter(|t| t.answers_to().contains(&claude))
                .map(|t| t.name())
                .collect()
        };
        assert_eq!(answering("Bash"), ["shell"]);
        assert_eq!(answering("Edit"), ["edit", "apply_patch"]);
        assert_eq!(
            answering("MultiEdit"),
            ["edit", "multi_edit", "apply_patch"]
        );
        assert_eq!(answering("LS"), ["list"]);
        assert_eq!(answering("WebFetch"), ["web_fetch"]);
    }
}
