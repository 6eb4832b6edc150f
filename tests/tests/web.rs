//! The web through `tandem exec`: `web_fetch` of pages on a local web site
//! (127.0.0.1, `tandem_tests::web_site`) reaches the model as Markdown with
//! its redirects listed, size-capped, asked per domain with Claude Code's
//! `WebFetch(domain:…)` rules (a redirect to a denied domain is refused
//! before it is requested); and the providers' hosted web search, whose
//! blocks go back to the model as they came and whose pages join the run's
//! sources.

use serde_json::{Value, json};
use std::process::Output;
use tandem_tests::scripted::{Protocol, RecordedRequest, Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, exec_scripted, fixture};
use tandem_tests::web_site::{Route, WebSite};
use tandem_tests::wire::tool_results;

const PAGE: &str = "<!doctype html><html><head><title>Notes</title>\
    <script>var tracking = 1;</script><style>body{color:red}</style></head>\
    <body><h1>Release notes</h1><p>Version <b>2.1</b> adds <a href=\"/docs\">docs</a>.</p>\
    <ul><li>faster</li><li>smaller</li></ul></body></html>";

fn site() -> WebSite {
    WebSite::start(vec![
        ("/old", Route::redirect(301, "/notes")),
        ("/notes", Route::html(PAGE)),
        // An allowed page that bounces to another name of this host.
        (
            "/bounce",
            Route::redirect(302, "http://localhost:{port}/secret"),
        ),
        ("/secret", Route::text("text/plain", "SECRET-PAYLOAD")),
        ("/loop", Route::redirect(302, "/loop")),
        ("/gone", Route::Status(410)),
        ("/image", Route::text("image/png", b"\x89PNG\r\n".to_vec())),
        (
            "/long",
            Route::text(
                "text/plain",
                format!(
                    "{}The answer is forty-two.\n",
                    "filler line\n".repeat(5_000)
                ),
            ),
        ),
        (
            "/big",
            Route::text("text/plain", "0123456789abcdef\n".repeat(200_000)),
        ),
    ])
}

struct Run {
    out: Output,
    requests: Vec<RecordedRequest>,
}

impl Run {
    /// The tool result the model got for the one call.
    fn result(&self) -> String {
        assert!(self.out.status.success(), "{}", describe(&self.out));
        tool_results(&self.requests[1]).join("\n")
    }

    fn report(&self) -> Value {
        String::from_utf8_lossy(&self.out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v["type"] == "result")
            .unwrap_or_else(|| panic!("no result line: {}", describe(&self.out)))
    }

    fn events(&self) -> Vec<Value> {
        String::from_utf8_lossy(&self.out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .collect()
    }
}

/// `tandem exec --json` where the model fetches `url`, then stops.
fn fetch(url: &str, flags: &[&str]) -> Run {
    fetch_with(json!({ "url": url }), flags)
}

/// The same with the call's whole input.
fn fetch_with(input: Value, flags: &[&str]) -> Run {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("web_fetch", input))
            .turn(Turn::say("done")),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["fetch it", "--json"];
    args.extend_from_slice(flags);
    let out = exec_scripted(home.path(), repo.path(), "anthropic", &model.url(), &args);
    Run {
        out,
        requests: model.requests(),
    }
}

#[test]
fn a_page_reaches_the_model_as_markdown_with_its_redirect_and_is_cited() {
    let site = site();
    let run = fetch(
        &site.url("/old"),
        &["--allow", "WebFetch(domain:127.0.0.1)"],
    );
    let result = run.result();
    assert!(result.contains("# Release notes"), "{result}");
    assert!(
        result.contains("Version **2.1** adds [docs](/docs)."),
        "{result}"
    );
    assert!(result.contains("faster"), "{result}");
    assert!(
        !result.contains("tracking") && !result.contains("color:red"),
        "{result}"
    );
    let hop = format!(
        "Redirected: 301 {} → {}",
        site.url("/old"),
        site.url("/notes")
    );
    assert!(result.contains(&hop), "{result}");
    assert!(
        result.contains(&format!("URL: {}", site.url("/notes"))),
        "{result}"
    );
    assert_eq!(site.requested(), ["/old", "/notes"]);
    // The page the agent read is in the run's sources.
    let sources = &run.report()["sources"];
    assert_eq!(sources[0]["kind"], "web", "{sources}");
    assert_eq!(sources[0]["name"], site.url("/notes"), "{sources}");
}

#[test]
fn fetching_asks_per_domain_and_deny_rules_refuse() {
    let site = site();
    // Nobody to ask and no rule: not fetched.
    let asked = fetch(&site.url("/notes"), &[]).result();
    assert!(asked.contains("nobody can be asked"), "{asked}");
    // A deny rule for the domain wins even in auto mode.
    let denied = fetch(
        &site.url("/notes"),
        &[
            "--mode",
            "auto",
            "-c",
            "permissions.deny=[\"WebFetch(domain:127.0.0.1)\"]",
        ],
    )
    .result();
    assert!(denied.contains("not allowed here"), "{denied}");
    assert!(site.requested().is_empty(), "{:?}", site.requested());
    // Control: a rule for another domain does not refuse this one.
    let other = fetch(
        &site.url("/notes"),
        &[
            "--mode",
            "auto",
            "-c",
            "permissions.deny=[\"WebFetch(domain:example.com)\"]",
        ],
    )
    .result();
    assert!(other.contains("# Release notes"), "{other}");
}

/// Attacker: an allowed page redirects to a denied domain (here another
/// name of the same host). The hop is judged like a call of its own and
/// refused before anything is requested there; the control, without the
/// deny rule, shows the redirect would otherwise reach the secret.
#[test]
fn a_redirect_to_a_denied_domain_is_refused() {
    let site = site();
    let flags = [
        "--mode",
        "auto",
        "-c",
        "permissions.deny=[\"WebFetch(domain:localhost)\"]",
    ];
    let refused = fetch(&site.url("/bounce"), &flags).result();
    assert!(!refused.contains("SECRET-PAYLOAD"), "{refused}");
    assert!(
        refused.contains("which was not fetched") && refused.contains("not allowed here"),
        "{refused}"
    );
    assert_eq!(
        site.requested(),
        ["/bounce"],
        "the secret was never asked for"
    );

    let control = fetch(&site.url("/bounce"), &["--mode", "auto"]).result();
    assert!(control.contains("SECRET-PAYLOAD"), "{control}");
    let hop = format!(
        "Redirected: 302 {} → http://localhost:{}/secret",
        site.url("/bounce"),
        site.port()
    );
    assert!(control.contains(&hop), "{control}");

    // An ask rule for the other domain asks, and nobody can answer here.
    let ask = fetch(
        &site.url("/bounce"),
        &[
            "--mode",
            "auto",
            "-c",
            "permissions.ask=[\"WebFetch(domain:localhost)\"]",
        ],
    )
    .result();
    assert!(
        !ask.contains("SECRET-PAYLOAD") && ask.contains("nobody can be asked"),
        "{ask}"
    );
}

#[test]
fn big_bodies_are_capped_and_bad_answers_are_clear_errors() {
    let site = site();
    let auto = ["--mode", "auto"];
    let big = fetch(&site.url("/big"), &auto).result();
    assert!(
        big.contains("[download stopped at 2097152 bytes"),
        "{}",
        &big[..300]
    );
    assert!(big.contains("[cut: showing"), "{}", &big[big.len() - 300..]);
    assert!(big.len() < 40_000, "{} bytes reached the model", big.len());

    // What the call looks for is found beyond the cut; without it, not.
    let long = |input: Value| fetch_with(input, &auto).result();
    let asked = long(json!({"url": site.url("/long"), "prompt": "what is the answer?"}));
    assert!(asked.contains("[cut: showing"), "{}", &asked[..200]);
    assert!(
        asked.ends_with("The answer is forty-two."),
        "{}",
        &asked[asked.len() - 300..]
    );
    let plain = long(json!({"url": site.url("/long")}));
    assert!(
        !plain.contains("forty-two"),
        "{}",
        &plain[plain.len() - 300..]
    );

    let looped = fetch(&site.url("/loop"), &auto).result();
    assert!(looped.contains("more than 5 redirects"), "{looped}");
    let gone = fetch(&site.url("/gone"), &auto).result();
    assert!(gone.contains("410 Gone"), "{gone}");
    let image = fetch(&site.url("/image"), &auto).result();
    assert!(image.contains("is not text (image/png)"), "{image}");
    let scheme = fetch("file:///etc/passwd", &auto).result();
    assert!(scheme.contains("only http and https"), "{scheme}");
    let closed = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        fetch(&format!("http://127.0.0.1:{port}/"), &auto).result()
    };
    assert!(closed.contains("could not fetch"), "{closed}");
}

/// A background task reaches the network only where its commands may
/// (`sandbox.network`): otherwise it gets neither `web_fetch` nor the
/// hosted search, whatever `agent.web_search` says; the control lets the
/// network in and both are offered.
#[test]
fn background_tasks_get_the_web_only_with_network() {
    for network in [false, true] {
        let model = ScriptedServer::start(Script::new().turn(Turn::say("done")));
        let repo = fixture("greeter");
        let home = tempfile::tempdir().unwrap();
        let task = |args: &[&str]| {
            tandem_tests::tandem::tandem_command(home.path())
                .arg("task")
                .arg("-C")
                .arg(repo.path())
                .args(args)
                .output()
                .unwrap()
        };
        let url = model.url();
        let net = format!("sandbox.network={network}");
        let out = task(&[
            "start",
            "look around",
            "--provider",
            "anthropic",
            "-m",
            "test-model",
            "--base-url",
            &url,
            "-c",
            "model.api_key=\"k\"",
            "-c",
            "sandbox.backend=\"copy\"",
            "-c",
            "agent.web_search=true",
            "-c",
            &net,
        ]);
        assert!(out.status.success(), "{}", describe(&out));
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let out = task(&["wait", &id]);
        assert!(out.status.success(), "{}", describe(&out));
        let requests = model.requests();
        assert!(!requests.is_empty(), "the task made no model call");
        let tools = requests[0].json["tools"].to_string();
        assert_eq!(
            tools.contains("\"web_fetch\""),
            network,
            "network {network}: {tools}"
        );
        assert_eq!(
            tools.contains("web_search_20250305"),
            network,
            "network {network}: {tools}"
        );
    }
}

/// One conversation on `provider`'s wire: a hosted search and a `read`
/// in the first turn, then an answer; `agent.web_search` on.
fn search(provider: &str, on: bool) -> Run {
    let model = ScriptedServer::start(
        Script::new()
            .turn(
                Turn::new()
                    .web_search(
                        "htmd crate",
                        &[
                            ("https://docs.rs/htmd", "htmd - Rust"),
                            ("https://github.com/letmutex/htmd", "letmutex/htmd"),
                        ],
                    )
                    .tool_use("read", json!({"path": "README.md"})),
            )
            .turn(Turn::say("htmd converts HTML to Markdown")),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let setting = format!("agent.web_search={on}");
    let out = exec_scripted(
        home.path(),
        repo.path(),
        provider,
        &model.url(),
        &["look it up", "--json", "-c", &setting],
    );
    assert!(out.status.success(), "{}", describe(&out));
    Run {
        out,
        requests: model.requests(),
    }
}

fn hosted_blocks(request: &RecordedRequest) -> Vec<Value> {
    let j = &request.json;
    match request.protocol {
        Protocol::Anthropic => j["messages"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
            .filter(|b| {
                matches!(
                    b["type"].as_str(),
                    Some("server_tool_use" | "web_search_tool_result")
                )
            })
            .collect(),
        _ => j["input"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["type"] == "web_search_call")
            .cloned()
            .collect(),
    }
}

#[test]
fn hosted_web_search_is_offered_carried_back_and_cited() {
    for (provider, tool_type) in [
        ("anthropic", "web_search_20250305"),
        ("openai", "web_search"),
    ] {
        let run = search(provider, true);
        let offered: Vec<&Value> = run.requests[0].json["tools"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["type"] == tool_type)
            .collect();
        assert_eq!(
            offered.len(),
            1,
            "{provider}: {}",
            run.requests[0].json["tools"]
        );
        // The search's blocks go back in the next request as they came.
        let back = hosted_blocks(&run.requests[1]);
        match provider {
            "anthropic" => {
                assert_eq!(back.len(), 2, "{back:?}");
                assert_eq!(back[0]["input"], json!({"query": "htmd crate"}));
                assert_eq!(back[1]["tool_use_id"], back[0]["id"]);
                assert_eq!(
                    back[1]["content"][0]["encrypted_content"],
                    "scripted:https://docs.rs/htmd"
                );
            }
            _ => {
                assert_eq!(back.len(), 1, "{back:?}");
                assert_eq!(back[0]["action"]["query"], "htmd crate");
                assert_eq!(
                    back[0]["action"]["sources"][1]["url"],
                    "https://github.com/letmutex/htmd"
                );
                let include = &run.requests[0].json["include"];
                assert!(
                    include
                        .to_string()
                        .contains("web_search_call.action.sources"),
                    "{include}"
                );
            }
        }
        // The faces see the search as a `web_search` call with its query
        // and its pages, and the pages join the run's sources.
        let events = run.events();
        let started = events
            .iter()
            .find(|e| e["type"] == "tool_call_started" && e["name"] == "web_search")
            .unwrap_or_else(|| panic!("{provider}: no search event: {events:?}"));
        assert_eq!(started["input"]["query"], "htmd crate");
        let finished = events
            .iter()
            .find(|e| e["type"] == "tool_call_finished" && e["name"] == "web_search")
            .unwrap();
        assert!(
            finished["output"]
                .as_str()
                .unwrap()
                .contains("https://docs.rs/htmd")
        );
        let sources = run.report()["sources"].clone();
        let urls: Vec<&str> = sources
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "web_search")
            .filter_map(|s| s["name"].as_str())
            .collect();
        assert_eq!(
            urls,
            ["https://docs.rs/htmd", "https://github.com/letmutex/htmd"],
            "{provider}"
        );
        // Control: off by default, nothing is offered.
        let off = search(provider, false);
        let tools = off.requests[0].json["tools"].to_string();
        assert!(
            !tools.contains(tool_type)
                || provider == "openai" && !tools.contains("\"type\":\"web_search\""),
            "{tools}"
        );
    }
}

/// Anthropic pauses a long turn of its server tools (`pause_turn`): the
/// turn is sent back as it is, ending with the assistant's search blocks,
/// and goes on to the answer.
#[test]
fn a_turn_anthropic_paused_during_a_search_goes_on() {
    let mut paused = Turn::new()
        .web_search("htmd", &[("https://docs.rs/htmd", "htmd")])
        .text("Still looking.");
    paused.stop_reason = Some("pause_turn".into());
    let model = ScriptedServer::start(Script::new().turn(paused).turn(Turn::say("Found it.")));
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let out = exec_scripted(
        home.path(),
        repo.path(),
        "anthropic",
        &model.url(),
        &["look it up", "--json", "-c", "agent.web_search=true"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let requests = model.requests();
    assert_eq!(requests.len(), 2, "{}", describe(&out));
    let messages = requests[1].json["messages"].as_array().unwrap();
    let last = messages.last().unwrap();
    assert_eq!(last["role"], "assistant", "{last}");
    assert_eq!(last["content"][0]["type"], "server_tool_use", "{last}");
    let run = Run { out, requests };
    assert_eq!(run.report()["message"], "Found it.");
}

/// Chat Completions has no hosted search: the setting is said to do
/// nothing there, and no tool is offered.
#[test]
fn chat_completions_gets_no_hosted_search_and_says_so() {
    let run = search("openai-chat", true);
    let tools = run.requests[0].json["tools"].to_string();
    assert!(!tools.contains("web_search"), "{tools}");
    let warned = run.events().iter().any(|e| {
        e["type"] == "warning" && e["message"].as_str().unwrap_or("").contains("web_search")
    });
    assert!(warned, "{}", describe(&run.out));
}
