//! Real MCP servers for end-to-end tests: the npm packages pinned in
//! `tests/mcp-servers/package-lock.json`, installed by the tests themselves
//! (`npm ci`, once per lock file version, under a file lock so test
//! processes running side by side do not race), plus `flaky-server.mjs`.

use std::io::Write;
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `tests/mcp-servers`, with its `node_modules` installed.
pub fn servers_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mcp-servers");
        install(&dir);
        dir
    })
    .clone()
}

/// `npm ci` unless `node_modules` already holds this lock file's packages.
fn install(dir: &Path) {
    let lock_path = std::env::temp_dir().join("tandem-tests-mcp-servers.lock");
    let lock = std::fs::File::create(&lock_path).expect("create the npm install lock file");
    // SAFETY: flock on a file descriptor we own; released when `lock` drops.
    let locked = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(locked, 0, "cannot lock {}", lock_path.display());

    let wanted = std::fs::read(dir.join("package-lock.json")).expect("package-lock.json");
    let stamp = dir.join("node_modules").join(".tandem-installed");
    if std::fs::read(&stamp).is_ok_and(|s| s == wanted) {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run npm (Node.js and npm are needed for the MCP tests)");
    assert!(
        out.status.success(),
        "npm ci in {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&stamp, wanted).expect("write the install stamp");
}

/// The entry script of an installed package's binary, e.g.
/// `node_modules/@modelcontextprotocol/server-everything/dist/index.js`.
pub fn package_script(package: &str, script: &str) -> PathBuf {
    let path = servers_dir()
        .join("node_modules")
        .join(package)
        .join(script);
    assert!(path.exists(), "{} is missing", path.display());
    path
}

/// `@modelcontextprotocol/server-everything`'s entry script.
pub fn everything() -> PathBuf {
    package_script("@modelcontextprotocol/server-everything", "dist/index.js")
}

/// `@modelcontextprotocol/server-filesystem`'s entry script.
pub fn filesystem() -> PathBuf {
    package_script("@modelcontextprotocol/server-filesystem", "dist/index.js")
}

/// The misbehaving test server (see `flaky-server.mjs`).
pub fn flaky() -> PathBuf {
    servers_dir().join("flaky-server.mjs")
}

/// A server started by a test, killed when dropped.
pub struct HttpServer {
    child: Child,
    pub port: u16,
}

impl HttpServer {
    /// server-everything in streamable HTTP mode on a free loopback port;
    /// returns once it accepts connections.
    pub fn everything() -> HttpServer {
        let port = free_port();
        let child = Command::new("node")
            .arg(everything())
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start server-everything");
        let server = HttpServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "server-everything did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Write `.mcp.json` with `servers` (the `mcpServers` object) into `repo`.
pub fn write_mcp_json(repo: &Path, servers: serde_json::Value) {
    let mut file = std::fs::File::create(repo.join(".mcp.json")).unwrap();
    let text = serde_json::to_string_pretty(&serde_json::json!({ "mcpServers": servers }));
    writeln!(file, "{}", text.unwrap()).unwrap();
}
