//! The editor clients held to the protocol: every `tandem/…` method,
//! `tandem.…` command and event `type` the VS Code extension
//! (`editors/vscode/src/**/*.ts`) and the Neovim client
//! (`editors/nvim/{lua,plugin}/**/*.lua`) spell must be one `names.rs`
//! defines. The clients repeat the names by hand; this is what catches a
//! rename on one side only. Names a client defines for itself are not
//! protocol: VS Code's palette commands (`tandem.ui.*`, and whatever its
//! `package.json` contributes) and settings (`tandem.path`), Lua module
//! names (`tandem.client`).

use super::{EVENT_TYPES, methods, names};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What kind of name a literal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Method,
    Command,
    /// A literal ending in `.`, completed at run time (`"tandem." .. verb .. "All"`).
    CommandPrefix,
    EventType,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    kind: Kind,
    name: String,
    line: usize,
}

const QUOTES: [char; 3] = ['"', '\'', '`'];

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// The quoted literal whose text starts at byte `start`, if the character
/// before it is a quote and the name (chars allowed by `ok`) is closed by
/// the same quote.
fn quoted(text: &str, start: usize, ok: impl Fn(char) -> bool) -> Option<&str> {
    let quote = text[..start].chars().next_back()?;
    if !QUOTES.contains(&quote) {
        return None;
    }
    let rest = &text[start..];
    let end = rest.find(|c: char| !ok(c)).unwrap_or(rest.len());
    rest[end..].starts_with(quote).then(|| &rest[..end])
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every protocol-looking name in one source file.
fn scan(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("tandem/") {
        if let Some(name) = quoted(text, at, |c| name_char(c) || c == '/') {
            found.push(Found {
                kind: Kind::Method,
                name: name.to_string(),
                line: line_of(text, at),
            });
        }
    }
    for (at, _) in text.match_indices("tandem.") {
        if let Some(name) = quoted(text, at, |c| name_char(c) || c == '.') {
            let kind = if name.ends_with('.') {
                Kind::CommandPrefix
            } else {
                Kind::Command
            };
            found.push(Found {
                kind,
                name: name.to_string(),
                line: line_of(text, at),
            });
        }
    }
    for (name, at) in type_comparisons(text).into_iter().chain(switch_cases(text)) {
        found.push(Found {
            kind: Kind::EventType,
            name,
            line: line_of(text, at),
        });
    }
    found.sort();
    found.dedup();
    found
}

/// The literal right after `at` (spaces skipped): `"name"` → ("name", its offset).
fn literal_after(text: &str, at: usize) -> Option<(String, usize)> {
    let rest = &text[at..];
    let skipped = rest.len() - rest.trim_start().len();
    let start = at + skipped + 1;
    let name = quoted(text, start.min(text.len()), name_char)?;
    Some((name.to_string(), start))
}

/// `x.type == "name"` (Lua, TS), `===`, `~=`, `!=`, `!==`.
fn type_comparisons(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (at, m) in text.match_indices(".type") {
        let after = at + m.len();
        let rest = text[after..].trim_start();
        let op = ["===", "!==", "==", "~=", "!="]
            .into_iter()
            .find(|op| rest.starts_with(op));
        if let Some(op) = op {
            let op_end = text.len() - rest.len() + op.len();
            out.extend(literal_after(text, op_end));
        }
    }
    out
}

/// `case "name":` inside a `switch (x.type) { … }` (TS).
fn switch_cases(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("switch") {
        let rest = &text[at..];
        let (Some(open), Some(close)) = (rest.find('('), rest.find(')')) else {
            continue;
        };
        if open > close || !rest[open + 1..close].trim().ends_with(".type") {
            continue;
        }
        let Some(brace) = rest[close..].find('{') else {
            continue;
        };
        let body_start = at + close + brace;
        let mut depth = 0usize;
        let mut body_end = text.len();
        for (i, c) in text[body_start..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        body_end = body_start + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let body = &text[..body_end];
        for (case, m) in text[body_start..body_end].match_indices("case") {
            out.extend(literal_after(body, body_start + case + m.len()));
        }
    }
    out
}

/// The names a scan found that the protocol does not define, as
/// `file:line: kind name` lines; `local` are the client's own names.
fn undefined(file: &str, found: &[Found], local: &BTreeSet<String>) -> Vec<String> {
    let commands: BTreeSet<&str> = names::all_commands().collect();
    found
        .iter()
        .filter(|f| match f.kind {
            Kind::Method => !methods::ALL.contains(&f.name.as_str()),
            Kind::Command => {
                !commands.contains(f.name.as_str())
                    && !local.contains(&f.name)
                    && !f.name.starts_with("tandem.ui.")
            }
            Kind::CommandPrefix => {
                !commands.iter().any(|c| c.starts_with(&f.name))
                    && !local.iter().any(|c| c.starts_with(&f.name))
            }
            Kind::EventType => !EVENT_TYPES.contains(&f.name.as_str()),
        })
        .map(|f| format!("{file}:{}: {:?} {:?}", f.line, f.kind, f.name))
        .collect()
}

/// The repository root: the first folder up from this crate holding `editors/`.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|d| d.join("editors/vscode/package.json").is_file())
        .expect("the repository's editors/ folder above this crate")
        .to_path_buf()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// VS Code's own names: contributed commands, settings keys and views
/// (with the `<view>.focus` command VS Code makes for each).
fn vscode_local(package_json: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(package_json).unwrap();
    let package: serde_json::Value = serde_json::from_str(&text).unwrap();
    let contributes = &package["contributes"];
    let mut local = BTreeSet::new();
    for command in contributes["commands"].as_array().into_iter().flatten() {
        local.extend(command["command"].as_str().map(String::from));
    }
    let configuration = match &contributes["configuration"] {
        serde_json::Value::Array(sections) => sections.clone(),
        section => vec![section.clone()],
    };
    for section in configuration {
        if let Some(properties) = section["properties"].as_object() {
            local.extend(properties.keys().cloned());
        }
    }
    for views in contributes["views"]
        .as_object()
        .into_iter()
        .flat_map(|v| v.values())
    {
        for view in views.as_array().into_iter().flatten() {
            if let Some(id) = view["id"].as_str() {
                local.insert(id.to_string());
                local.insert(format!("{id}.focus"));
            }
        }
    }
    local
}

/// Neovim's own names: `tandem.<module>` for each file under `lua/tandem`.
fn lua_modules(lua: &Path) -> BTreeSet<String> {
    let mut found = Vec::new();
    files(&lua.join("tandem"), "lua", &mut found);
    found
        .iter()
        .filter_map(|f| {
            let relative = f.strip_prefix(lua).ok()?.with_extension("");
            let dotted = relative.to_str()?.replace('/', ".");
            Some(dotted.trim_end_matches(".init").to_string())
        })
        .collect()
}

#[test]
fn the_clients_use_only_names_the_protocol_defines() {
    let root = repository();
    let vscode = root.join("editors/vscode");
    let nvim = root.join("editors/nvim");
    let mut sources = Vec::new();
    files(&vscode.join("src"), "ts", &mut sources);
    let vscode_files = sources.len();
    files(&nvim.join("lua"), "lua", &mut sources);
    files(&nvim.join("plugin"), "lua", &mut sources);
    let local: BTreeSet<String> = vscode_local(&vscode.join("package.json"))
        .into_iter()
        .chain(lua_modules(&nvim.join("lua")))
        .collect();

    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, file) in sources.iter().enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        let found = scan(&text);
        let shown = file.strip_prefix(&root).unwrap().display().to_string();
        problems.extend(undefined(&shown, &found, &local));
        let client = if i < vscode_files { "vscode" } else { "nvim" };
        seen.extend(found.into_iter().map(|f| (client, f.kind, f.name)));
    }
    assert!(
        problems.is_empty(),
        "the clients use names the protocol does not define:\n{}",
        problems.join("\n")
    );
    // The scan saw what the clients are known to use, in both clients: a
    // scanner that finds nothing would pass the check above.
    for expected in [
        ("vscode", Kind::Method, methods::EVENT),
        ("vscode", Kind::Command, names::commands::TASK_START),
        ("vscode", Kind::EventType, "tool_call_started"),
        ("nvim", Kind::Method, methods::HUNKS),
        ("nvim", Kind::Command, names::commands::STEER),
        ("nvim", Kind::EventType, "finished"),
    ] {
        let (client, kind, name) = expected;
        assert!(
            seen.contains(&(client, kind, name.to_string())),
            "the scan of {client} did not find {kind:?} {name:?}"
        );
    }
}

/// The control: made-up names in both languages are caught, real ones and
/// the clients' own names are not.
#[test]
fn made_up_names_are_caught() {
    let ts = r#"
        client.onNotification("tandem/event", (p) => show(p.event));
        await client.sendRequest("tandem/bogus", {});
        vscode.commands.executeCommand("tandem.acceptAll");
        vscode.commands.executeCommand("tandem.acceptEverything");
        vscode.commands.registerCommand("tandem.ui.review", review);
        const path = config.get<string>("tandem.path");
        // don't be fooled by an apostrophe: "tandem/alsoBogus"
        switch (e.type) {
          case "text_delta":
            break;
          case "no_such_event": {
            break;
          }
        }
        if (e.type === "usage") {}
        if (e.type !== "renamed_event") {}
    "#;
    let lua = r#"
        local client = require("tandem.client")
        vim.lsp.handlers["tandem/taskChanged"] = on_changed
        client.execute(0, "tandem.steer", {})
        client.execute(0, "tandem.stear", {})
        local command = "tandem." .. verb .. "All"
        local other = "tandem.nothing." .. verb
        if ev.type == "no_such_event" then end
        if ev.type ~= "message" then end
    "#;
    let local: BTreeSet<String> = ["tandem.path".to_string(), "tandem.client".to_string()].into();
    let mut problems = undefined("sample.ts", &scan(ts), &local);
    problems.extend(undefined("sample.lua", &scan(lua), &local));
    let caught: BTreeSet<&str> = problems
        .iter()
        .map(|p| p.rsplit(' ').next().unwrap().trim_matches('"'))
        .collect();
    let expected: BTreeSet<&str> = [
        "tandem/bogus",
        "tandem/alsoBogus",
        "tandem.acceptEverything",
        "no_such_event",
        "renamed_event",
        "tandem.stear",
        "tandem.nothing.",
    ]
    .into();
    assert_eq!(caught, expected, "{problems:#?}");
    // Both files' `no_such_event`, with where each is.
    assert!(
        problems.iter().any(|p| p.starts_with("sample.ts:12:")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("sample.lua:8:")),
        "{problems:#?}"
    );
}
