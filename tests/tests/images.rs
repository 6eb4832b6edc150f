//! Images in, through the real `tandem exec`, on each of the three wire
//! APIs: `-i FILE` in the first user message, a `read` of a PNG as the
//! tool's image (scaled when over 1568 px), and an MCP tool's image
//! (server-everything's `get-tiny-image`, a real server from npm) as an
//! image block, each where that API takes it: inside the tool result on
//! Anthropic and Responses, in the next user message on Chat Completions.
//! A model the table marks text-only gets a note instead, and `-i` is
//! refused for it; a bad `-i` file exits 2 before any model call.

use base64::Engine;
use serde_json::json;
use std::path::Path;
use tandem_tests::mcp_servers::{HttpServer, everything, write_mcp_json};
use tandem_tests::scripted::{Protocol, Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, exec_scripted, fixture};
use tandem_tests::wire::{PROVIDERS, SentImage, images, tool_results};

fn image_fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/images")
        .join(name)
}

fn base64_of(path: &Path) -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).unwrap())
}

/// Width and height from a PNG's header.
fn png_size(image: &SentImage) -> (u32, u32) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&image.base64)
        .unwrap();
    assert_eq!(&bytes[1..4], b"PNG", "not a PNG: {:?}", &bytes[..8]);
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Where a tool result's image must be on this wire: inside the result,
/// except on Chat Completions, whose tool messages take text only.
fn in_tool_result(protocol: Protocol) -> bool {
    protocol != Protocol::Chat
}

#[test]
fn an_image_given_with_dash_i_reaches_the_model_on_every_wire() {
    let dot = image_fixture("red-dot.png");
    for (provider, _) in PROVIDERS {
        let server = ScriptedServer::start(Script::new().turn(Turn::say("A red dot.")));
        let repo = fixture("greeter");
        let home = tempfile::tempdir().unwrap();
        let dot_arg = dot.display().to_string();
        let args = ["What is in this picture?", "-i", &dot_arg];
        let out = exec_scripted(home.path(), repo.path(), provider, &server.url(), &args);
        assert!(out.status.success(), "{provider}: {}", describe(&out));
        let requests = server.requests();
        let sent = images(&requests[0]);
        assert_eq!(
            sent,
            vec![SentImage {
                media_type: "image/png".into(),
                base64: base64_of(&dot),
                in_tool_result: false,
            }],
            "{provider}"
        );
    }
}

#[test]
fn a_read_of_a_png_is_an_image_scaled_to_the_cap_on_every_wire() {
    let repo = fixture("greeter");
    std::fs::copy(
        image_fixture("wide-banner.png"),
        repo.path().join("banner.png"),
    )
    .unwrap();
    for (provider, protocol) in PROVIDERS {
        let server = ScriptedServer::start(
            Script::new()
                .turn(Turn::new().tool_use("read", json!({"path": "banner.png"})))
                .turn(Turn::say("A blue banner.")),
        );
        let home = tempfile::tempdir().unwrap();
        let out = exec_scripted(
            home.path(),
            repo.path(),
            provider,
            &server.url(),
            &["describe banner.png"],
        );
        assert!(out.status.success(), "{provider}: {}", describe(&out));
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{provider}");
        let sent = images(&requests[1]);
        assert_eq!(sent.len(), 1, "{provider}: {sent:?}");
        assert_eq!(sent[0].media_type, "image/png", "{provider}");
        assert_eq!(
            sent[0].in_tool_result,
            in_tool_result(protocol),
            "{provider}"
        );
        // 3136 × 784 comes down to 1568 px on the long edge, ratio kept.
        assert_eq!(png_size(&sent[0]), (1568, 392), "{provider}");
        // The result's text says what the file was.
        let text = tool_results(&requests[1]).join("\n");
        assert!(text.contains("banner.png"), "{provider}: {text}");
    }
}

#[test]
fn an_mcp_tools_image_reaches_the_model_as_an_image_on_every_wire_stdio_and_http() {
    let http = HttpServer::everything();
    let stdio = json!({ "command": "node", "args": [everything().display().to_string(), "stdio"] });
    let over_http = json!({ "type": "http", "url": http.url() });
    for (transport, server) in [("stdio", stdio), ("http", over_http)] {
        for (provider, protocol) in PROVIDERS {
            let repo = fixture("greeter");
            write_mcp_json(repo.path(), json!({ "everything": server }));
            let model = ScriptedServer::start(
                Script::new()
                    .turn(Turn::new().tool_use("mcp__everything__get-tiny-image", json!({})))
                    .turn(Turn::say("A tiny image.")),
            );
            let home = tempfile::tempdir().unwrap();
            let args = [
                "show me the tiny image",
                "--trust",
                "--allow",
                "mcp__everything__get-tiny-image",
            ];
            let out = exec_scripted(home.path(), repo.path(), provider, &model.url(), &args);
            assert!(
                out.status.success(),
                "{transport} {provider}: {}",
                describe(&out)
            );
            let requests = model.requests();
            assert_eq!(
                requests.len(),
                2,
                "{transport} {provider}: {}",
                describe(&out)
            );
            let sent = images(&requests[1]);
            assert_eq!(sent.len(), 1, "{transport} {provider}: {sent:?}");
            assert_eq!(sent[0].media_type, "image/png", "{transport} {provider}");
            assert_eq!(
                sent[0].in_tool_result,
                in_tool_result(protocol),
                "{transport} {provider}"
            );
            assert!(png_size(&sent[0]).0 > 0, "{transport} {provider}");
            let text = tool_results(&requests[1]).join("\n");
            assert!(
                !text.contains("not shown"),
                "{transport} {provider}: the image went as text: {text}"
            );
        }
    }
}

/// A model marked `images = false` in the user's model table.
const TEXT_ONLY: &str = "models.test-model.images=false";

#[test]
fn a_text_only_model_gets_a_note_for_a_read_image_and_dash_i_is_refused() {
    let repo = fixture("greeter");
    std::fs::copy(image_fixture("red-dot.png"), repo.path().join("dot.png")).unwrap();
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "dot.png"})))
            .turn(Turn::say("I cannot see it.")),
    );
    let home = tempfile::tempdir().unwrap();
    let out = exec_scripted(
        home.path(),
        repo.path(),
        "openai-chat",
        &server.url(),
        &["look at dot.png", "-c", TEXT_ONLY],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let requests = server.requests();
    assert_eq!(
        images(&requests[1]),
        vec![],
        "no image for a text-only model"
    );
    let all = serde_json::to_string(&requests[1].json).unwrap();
    assert!(all.contains("this model takes no images"), "{all}");

    // The control: the same run without the mark sends the image.
    let server = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "dot.png"})))
            .turn(Turn::say("A dot.")),
    );
    let out = exec_scripted(
        home.path(),
        repo.path(),
        "openai-chat",
        &server.url(),
        &["look at dot.png"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(images(&server.requests()[1]).len(), 1);

    // `-i` for a text-only model: refused before any model call.
    let server = ScriptedServer::start(Script::new().turn(Turn::say("unused")));
    let dot = repo.path().join("dot.png").display().to_string();
    let out = exec_scripted(
        home.path(),
        repo.path(),
        "openai-chat",
        &server.url(),
        &["what is this", "-i", &dot, "-c", TEXT_ONLY],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("takes no images"), "{stderr}");
    assert!(server.requests().is_empty());
}

#[test]
fn a_bad_dash_i_file_exits_2_before_any_model_call() {
    let repo = fixture("greeter");
    std::fs::write(repo.path().join("notes.png"), "not a picture at all").unwrap();
    for (file, says) in [("missing.png", "missing.png"), ("notes.png", "notes.png")] {
        let server = ScriptedServer::start(Script::new().turn(Turn::say("unused")));
        let home = tempfile::tempdir().unwrap();
        let path = repo.path().join(file).display().to_string();
        let out = exec_scripted(
            home.path(),
            repo.path(),
            "anthropic",
            &server.url(),
            &["what is this", "-i", &path],
        );
        assert_eq!(out.status.code(), Some(2), "{file}: {}", describe(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{file}: {stderr}");
        assert!(server.requests().is_empty(), "{file}: the model was called");
    }
}

#[test]
fn the_editor_sends_an_image_with_the_prompt_and_refuses_a_file_that_is_not_one() {
    use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
    let server = ScriptedServer::start(Script::new().turn(Turn::say("A red dot.")));
    let repo = fixture("greeter");
    std::fs::copy(image_fixture("red-dot.png"), repo.path().join("dot.png")).unwrap();
    std::fs::write(repo.path().join("notes.png"), "not a picture").unwrap();
    let lsp = LspClient::start(repo.path(), scripted_options(&server.url()), Enc::Utf16);
    // What VS Code's "Ask Tandem about this image" sends: the file's path.
    let dot = repo.path().join("dot.png").display().to_string();
    let r = lsp.command(
        "tandem.run",
        json!({ "prompt": "what is this?", "images": [dot] }),
    );
    let run = r["result"]["run"].as_u64().unwrap_or_else(|| panic!("{r}"));
    lsp.wait_run_finished(run);
    let sent = images(&server.requests()[0]);
    assert_eq!(
        sent,
        vec![SentImage {
            media_type: "image/png".into(),
            base64: base64_of(&image_fixture("red-dot.png")),
            in_tool_result: false,
        }]
    );
    // A path in the workspace works too; a file that is no image is an
    // error of the command, and no run starts.
    let r = lsp.command(
        "tandem.run",
        json!({ "prompt": "and this?", "images": ["notes.png"] }),
    );
    let error = r["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"));
    assert!(
        error.contains("notes.png") && error.contains("not a PNG"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1);
}
