//! The crate graph of ARCHITECTURE.md is the graph of the workspace: every
//! dependency between the workspace's crates (from `cargo metadata`) must
//! be an edge the document's "Crates" table lists, and every listed edge
//! must exist, so the document stays the true map. Outside crates that
//! belong to one face (LSP, the terminal) may appear only where its second
//! table says.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The backticked names of a table cell; `—` is none.
fn names(cell: &str) -> BTreeSet<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The rows of the first table after `heading` whose first cell names a
/// crate: first cell → names in the second.
fn table_after(doc: &str, heading: &str) -> Graph {
    let at = doc
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?} in the doc"));
    let mut rows = Graph::new();
    let mut seen = false;
    for line in doc[at + heading.len()..].lines() {
        if !line.starts_with('|') {
            if seen {
                break;
            }
            continue;
        }
        seen = true;
        let cells: Vec<&str> = line.split('|').collect();
        let first = names(cells[1]);
        if let (Some(name), Some(second)) = (first.iter().next(), cells.get(2)) {
            rows.insert(name.clone(), names(second));
        }
    }
    rows
}

/// Every workspace crate → its normal dependencies (internal and outside).
fn metadata() -> (BTreeSet<String>, Graph) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let members: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    let mut deps = Graph::new();
    for p in packages {
        let normal = p["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect();
        deps.insert(p["name"].as_str().unwrap().to_string(), normal);
    }
    (members, deps)
}

/// What differs between the documented edges and the real ones, as lines
/// a reader can act on.
fn differences(documented: &Graph, members: &BTreeSet<String>, deps: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for name in members {
        let Some(allowed) = documented.get(name) else {
            out.push(format!(
                "{name} is a workspace crate the Crates table does not list"
            ));
            continue;
        };
        let real: BTreeSet<String> = deps[name].intersection(members).cloned().collect();
        for dep in real.difference(allowed) {
            out.push(format!(
                "{name} → {dep}: an edge ARCHITECTURE.md does not allow"
            ));
        }
        for dep in allowed.difference(&real) {
            out.push(format!(
                "{name} → {dep}: listed in ARCHITECTURE.md but not in the code"
            ));
        }
    }
    for name in documented.keys().filter(|n| !members.contains(*n)) {
        out.push(format!(
            "{name} is listed in ARCHITECTURE.md but is not a workspace crate"
        ));
    }
    out
}

/// Outside crates used where the confinement table does not allow them.
fn misplaced(confined: &Graph, deps: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (outside, only_in) in confined {
        for (name, used) in deps {
            if used.contains(outside) && !only_in.contains(name) {
                out.push(format!(
                    "{name} depends on {outside}, which belongs to {only_in:?}"
                ));
            }
        }
    }
    out
}

fn doc() -> String {
    std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md")
}

#[test]
fn the_workspace_graph_is_the_documented_one() {
    let doc = doc();
    let documented = table_after(&doc, "| crate | depends on |");
    let (members, deps) = metadata();
    assert!(
        members.len() >= 10,
        "the workspace has its crates: {members:?}"
    );
    let wrong = differences(&documented, &members, &deps);
    assert!(wrong.is_empty(), "crate graph:\n{}", wrong.join("\n"));
}

#[test]
fn face_only_crates_stay_in_their_face() {
    let doc = doc();
    let confined = table_after(&doc, "| outside crate | only in |");
    assert!(confined.contains_key("tower-lsp-server"), "{confined:?}");
    let (_, deps) = metadata();
    let wrong = misplaced(&confined, &deps);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The control: the same check run on the real graph with one edge added
/// (the core reaching up to the language server) reports exactly it.
#[test]
fn a_new_edge_is_reported() {
    let doc = doc();
    let documented = table_after(&doc, "| crate | depends on |");
    let confined = table_after(&doc, "| outside crate | only in |");
    let (members, mut deps) = metadata();
    let core = deps.get_mut("tandem-core").expect("tandem-core");
    core.insert("tandem-lsp".into());
    core.insert("tower-lsp-server".into());
    assert_eq!(
        differences(&documented, &members, &deps),
        vec!["tandem-core → tandem-lsp: an edge ARCHITECTURE.md does not allow".to_string()]
    );
    assert_eq!(
        misplaced(&confined, &deps),
        vec![
            "tandem-core depends on tower-lsp-server, which belongs to {\"tandem-lsp\"}"
                .to_string()
        ]
    );
}
