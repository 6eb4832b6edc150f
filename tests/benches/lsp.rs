//! Benchmark: the language server's responsiveness, through the real
//! release binary over stdio.
//!
//! 1. `textDocument/codeAction` latency (p50, p99) while four runs stream
//!    model output and events, against the same requests with no run going
//!    (the baseline, measured in this process).
//! 2. Incremental `didChange` on a 5 MB document, each followed by a request
//!    so the server must have applied it, against the same edits sent as
//!    whole-document changes (what a server without incremental sync gets).
//!
//! 3. A big proposal: `codeLens` on one proposed file, and a keystroke in
//!    it (with the request after it), when the proposal holds 60 files of
//!    2,000 lines, against the same with only that file proposed.
//!
//! Run: `cargo bench -p tandem-tests --bench lsp`

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tandem_tests::lsp_client::{Enc, LspClient, scripted_options};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::fixture;

const ACTIONS: usize = 400;
const EDITS: usize = 100;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    (percentile(&samples, 0.5), percentile(&samples, 0.99))
}

fn code_actions(lsp: &LspClient, n: usize) -> Vec<Duration> {
    let diagnostic = json!({
        "range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 10}},
        "severity": 1, "source": "bench", "message": "something is wrong"
    });
    (0..n)
        .map(|i| {
            let line = (i % 5) as u64;
            let range = json!({"start": {"line": line, "character": 0}, "end": {"line": line, "character": 8}});
            let t = Instant::now();
            let actions = lsp.code_actions("src/greet.py", range, json!([diagnostic]));
            let took = t.elapsed();
            assert!(!actions.is_empty());
            took
        })
        .collect()
}

fn streaming_script() -> Script {
    let mut script = Script::new();
    for i in 0..4 {
        // Many short text blocks, each streamed in pieces with a delay:
        // several seconds of steady deltas and `tandem/event`s per run.
        let mut streaming = Turn::new().token_delay_ms(5);
        for j in 0..400 {
            streaming = streaming.text(&format!("run {i} thinks aloud, step {j}. "));
        }
        script = script.conversation(
            &format!("bench-run-{i}"),
            vec![
                Turn::new().tool_use(
                    "write",
                    json!({"path": format!("notes/{i}.txt"), "content": "note\n".repeat(20)}),
                ),
                streaming,
            ],
        );
    }
    script
}

fn bench_code_actions() {
    let model = ScriptedServer::start(streaming_script());
    let repo = fixture("greeter");
    let lsp = LspClient::start(repo.path(), scripted_options(&model.url()), Enc::Utf16);
    lsp.open("src/greet.py");
    code_actions(&lsp, 50); // warm up
    let (idle50, idle99) = stats(code_actions(&lsp, ACTIONS));

    let runs: Vec<u64> = (0..4)
        .map(|i| {
            let r = lsp.command("tandem.run", json!({"prompt": format!("bench-run-{i}")}));
            r["result"]["run"].as_u64().unwrap()
        })
        .collect();
    lsp.wait_until("all four runs streaming", |c| {
        let events = c.notifications("tandem/event");
        runs.iter().all(|r| {
            events
                .iter()
                .any(|e| e["params"]["run"] == *r && e["params"]["event"]["type"] == "text_delta")
        })
    });
    let (busy50, busy99) = stats(code_actions(&lsp, ACTIONS));
    let streamed = lsp.notifications("tandem/event").len();
    let still_running = runs
        .iter()
        .filter(|r| {
            !lsp.notifications("tandem/event")
                .iter()
                .any(|e| e["params"]["run"] == **r && e["params"]["event"]["type"] == "finished")
        })
        .count();
    println!("codeAction latency, {ACTIONS} requests each:");
    println!("  idle:                 p50 {idle50:>10.2?}  p99 {idle99:>10.2?}");
    println!("  4 runs streaming:     p50 {busy50:>10.2?}  p99 {busy99:>10.2?}");
    println!(
        "  ratio busy/idle:      p50 {:.2}x  p99 {:.2}x  ({streamed} events streamed, {still_running} of 4 runs still going at the end)",
        busy50.as_secs_f64() / idle50.as_secs_f64(),
        busy99.as_secs_f64() / idle99.as_secs_f64()
    );
    lsp.command("tandem.cancel", json!({}));
}

fn bench_did_change() {
    let dir = tempfile::tempdir().unwrap();
    let line = "let value = compute(\"some text\", 42); // ünïcode 😀\n";
    let text = line.repeat(5 * 1024 * 1024 / line.len());
    std::fs::write(dir.path().join("big.rs"), &text).unwrap();
    let lsp = LspClient::start(dir.path(), json!({}), Enc::Utf16);
    lsp.open("big.rs");
    let lines = text.lines().count() as u64;
    let uri = lsp.uri("big.rs");
    let sync = |lsp: &LspClient| {
        // A request after the change: answered once the change is applied.
        lsp.code_lenses("big.rs");
    };
    sync(&lsp);

    // The floor: the request alone.
    let floor: Vec<Duration> = (0..EDITS)
        .map(|_| {
            let t = Instant::now();
            sync(&lsp);
            t.elapsed()
        })
        .collect();
    // Changes are sent as the editor would, without the client keeping its
    // own copy up to date (that copy is not what is measured).
    let mut version = 1;
    let mut incremental = Vec::new();
    for i in 0..EDITS as u64 {
        let at = (i * 7919) % lines;
        version += 1;
        let range =
            json!({"start": {"line": at, "character": 12}, "end": {"line": at, "character": 12}});
        let t = Instant::now();
        lsp.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": range, "text": "x"}],
            }),
        );
        sync(&lsp);
        incremental.push(t.elapsed());
    }
    let mut full = Vec::new();
    for _ in 0..(EDITS / 5) {
        version += 1;
        let t = Instant::now();
        lsp.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text}],
            }),
        );
        sync(&lsp);
        full.push(t.elapsed());
    }
    let (s50, s99) = stats(floor);
    let (i50, i99) = stats(incremental);
    let (f50, f99) = stats(full);
    println!(
        "didChange on a {:.1} MB document (change + a request after it):",
        text.len() as f64 / 1e6
    );
    println!("  request alone:        p50 {s50:>10.2?}  p99 {s99:>10.2?}");
    println!("  incremental (1 char): p50 {i50:>10.2?}  p99 {i99:>10.2?}");
    println!("  whole document:       p50 {f50:>10.2?}  p99 {f99:>10.2?}");
    println!(
        "  ratio whole/incremental: p50 {:.1}x",
        f50.as_secs_f64() / i50.as_secs_f64()
    );
    let _: Value = lsp.request("shutdown", Value::Null);
}

const BIG_LINES: usize = 2_000;

fn big_file(i: usize) -> String {
    (0..BIG_LINES)
        .map(|l| format!("file {i} line {l}: some settings = {}\n", l * 7 % 101))
        .collect()
}

/// The file with five lines changed, spread through it.
fn big_file_proposed(i: usize) -> String {
    big_file(i)
        .lines()
        .enumerate()
        .map(|(l, text)| {
            if l % (BIG_LINES / 5) == 7 {
                format!("{text} // changed\n")
            } else {
                format!("{text}\n")
            }
        })
        .collect()
}

/// codeLens on `f0.txt`, then keystrokes in it each followed by codeLens,
/// with `files` files in the proposal.
fn big_proposal(files: usize) -> (Vec<Duration>, Vec<Duration>) {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..files {
        std::fs::write(dir.path().join(format!("f{i}.txt")), big_file(i)).unwrap();
    }
    let mut writes = Turn::new();
    for i in 0..files {
        writes = writes.tool_use(
            "write",
            json!({"path": format!("f{i}.txt"), "content": big_file_proposed(i)}),
        );
    }
    let model = ScriptedServer::start(Script::new().turn(writes).turn(Turn::say("done")));
    let lsp = LspClient::start(dir.path(), scripted_options(&model.url()), Enc::Utf16);
    let run = lsp.command("tandem.run", json!({"prompt": "change them all"}))["result"]["run"]
        .as_u64()
        .unwrap();
    let outcome = lsp.wait_run_finished(run);
    let errors: Vec<Value> = lsp
        .notifications("tandem/event")
        .into_iter()
        .filter(|n| n["params"]["event"]["type"] == "error")
        .collect();
    assert_eq!(outcome, "done", "{errors:?}");
    lsp.open("f0.txt");
    let lenses = || {
        let t = Instant::now();
        let n = lsp.code_lenses("f0.txt").len();
        assert!(n > 5, "{n} lenses");
        t.elapsed()
    };
    lenses(); // warm up
    let lens: Vec<Duration> = (0..EDITS).map(|_| lenses()).collect();
    let uri = lsp.uri("f0.txt");
    let typing: Vec<Duration> = (0..EDITS)
        .map(|k| {
            // Typing at the end of line 3, away from the hunks.
            let at = json!({"line": 3, "character": 30 + k});
            let t = Instant::now();
            lsp.notify(
                "textDocument/didChange",
                json!({
                    "textDocument": {"uri": uri, "version": 2 + k},
                    "contentChanges": [{"range": {"start": at, "end": at}, "text": "x"}],
                }),
            );
            lsp.code_lenses("f0.txt");
            t.elapsed()
        })
        .collect();
    let _: Value = lsp.request("shutdown", Value::Null);
    (lens, typing)
}

fn bench_big_proposal() {
    let (one_lens, one_typing) = big_proposal(1);
    let (many_lens, many_typing) = big_proposal(60);
    let (l1, _) = stats(one_lens);
    let (t1, _) = stats(one_typing);
    let (l60, l60_99) = stats(many_lens);
    let (t60, t60_99) = stats(many_typing);
    println!("A proposal of 60 files x {BIG_LINES} lines, against 1 such file:");
    println!("  codeLens, 1 file:      p50 {l1:>10.2?}");
    println!("  codeLens, 60 files:    p50 {l60:>10.2?}  p99 {l60_99:>10.2?}");
    println!("  keystroke, 1 file:     p50 {t1:>10.2?}");
    println!("  keystroke, 60 files:   p50 {t60:>10.2?}  p99 {t60_99:>10.2?}");
    println!(
        "  ratio 60/1:            codeLens p50 {:.2}x  keystroke p50 {:.2}x",
        l60.as_secs_f64() / l1.as_secs_f64(),
        t60.as_secs_f64() / t1.as_secs_f64()
    );
}

fn main() {
    if std::env::var_os("ONLY_BIG").is_none() {
        bench_code_actions();
        bench_did_change();
    }
    bench_big_proposal();
}
