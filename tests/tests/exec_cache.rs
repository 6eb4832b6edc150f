//! Anthropic prompt caching: every request carries cache breakpoints, and
//! each request's bytes start with the previous request's (cache markers
//! aside, which move to the newest turn), so the cached prefix keeps hitting.

use serde_json::json;
use tandem_tests::scripted::{Protocol, Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::base_url;

/// The body without `"cache_control":{...}` members.
fn strip_cache_markers(body: &str) -> String {
    let key = "\"cache_control\":";
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find(key) {
        let (before, after) = rest.split_at(i);
        let mut depth = 0;
        let mut end = key.len();
        for (j, c) in after[key.len()..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = key.len() + j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        let mut after = &after[end..];
        let mut before = before;
        if let Some(a) = after.strip_prefix(',') {
            after = a;
        } else if let Some(b) = before.strip_suffix(',') {
            before = b;
        }
        out.push_str(before);
        rest = after;
    }
    out.push_str(rest);
    out
}

#[test]
fn anthropic_requests_share_a_growing_cached_prefix() {
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
            .turn(Turn::new().tool_use("read", json!({"path": "src/names.py"})))
            .turn(Turn::new().tool_use("list", json!({})))
            .turn(Turn::new().text("Read everything.")),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args(["exec", "Read the code"])
        .args(["--provider", "anthropic", "--model", "claude-sonnet-4-5"])
        .args(["--base-url", &base_url("anthropic", &server.url())])
        .args(["-c", "model.api_key=\"k\""])
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for (i, r) in requests.iter().enumerate() {
        assert_eq!(r.protocol, Protocol::Anthropic);
        let j = &r.json;
        let system = j["system"].as_array().expect("system as blocks");
        assert!(
            system.last().unwrap().get("cache_control").is_some(),
            "request {i}: system not cached"
        );
        let tools = j["tools"].as_array().unwrap();
        assert!(
            tools.last().unwrap().get("cache_control").is_some(),
            "request {i}: tools not cached"
        );
        let last = j["messages"].as_array().unwrap().last().unwrap();
        let last_block = last["content"].as_array().unwrap().last().unwrap();
        assert!(
            last_block.get("cache_control").is_some(),
            "request {i}: newest turn not cached"
        );
        let markers = r.body.matches("\"cache_control\"").count();
        assert!(
            markers <= 4,
            "request {i}: {markers} breakpoints, the API allows 4"
        );
    }
    for pair in requests.windows(2) {
        let prev = strip_cache_markers(&pair[0].body);
        let next = strip_cache_markers(&pair[1].body);
        let prefix = prev.strip_suffix("]}").expect("messages is the last key");
        assert!(
            next.starts_with(prefix),
            "request bytes diverge at byte {}",
            prev.bytes()
                .zip(next.bytes())
                .take_while(|(a, b)| a == b)
                .count()
        );
    }
    // The server saw the shared prefix and reported cache reads; they reach
    // the usage line.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.contains("cache read")).unwrap();
    assert!(
        !line.contains("(0 cache read"),
        "no cache reads reported: {line}"
    );
}
