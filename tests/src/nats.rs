//! Real `nats-server` processes for the fleet's tests: one, or a cluster
//! of three with JetStream, on 127.0.0.1 with their stores under a temp
//! folder. Without `nats-server` the tests skip, saying so, unless
//! `TANDEM_REQUIRE_NATS` is set (`.ci/run` installs it and sets it).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `nats-server` can run here; `false` means skip (and says so).
pub fn nats_available() -> bool {
    let ok = Command::new("nats-server")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("TANDEM_REQUIRE_NATS").is_none(),
            "TANDEM_REQUIRE_NATS is set but nats-server is not installed"
        );
        eprintln!("skipped: nats-server is not installed (apt install nats-server)");
    }
    ok
}

/// A free TCP port on 127.0.0.1 (free when asked; servers bind it next).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct NatsServer {
    child: Option<Child>,
    pub port: u16,
    pub log: PathBuf,
}

impl NatsServer {
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stop it as an operator would (SIGTERM), and wait until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: signalling the child we started.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let _ = child.wait();
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn(config: &Path, log: &Path, port: u16) -> NatsServer {
    let child = Command::new("nats-server")
        .arg("-c")
        .arg(config)
        .arg("-l")
        .arg(log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nats-server");
    NatsServer {
        child: Some(child),
        port,
        log: log.to_path_buf(),
    }
}

fn wait_ready(servers: &[&NatsServer], needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    for s in servers {
        while !s.log_text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "nats-server did not get ready: {}",
                s.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One server with JetStream, its store in `dir`.
pub fn single(dir: &Path) -> NatsServer {
    let port = free_port();
    let store = dir.join("js");
    let config = dir.join("nats.conf");
    std::fs::write(
        &config,
        format!(
            "listen: 127.0.0.1:{port}\njetstream {{ store_dir: {:?} }}\n",
            store.display().to_string()
        ),
    )
    .unwrap();
    let server = spawn(&config, &dir.join("nats.log"), port);
    wait_ready(&[&server], "Server is ready");
    server
}

/// `n` servers clustered with JetStream (each its own store under `dir`).
pub fn cluster(dir: &Path, n: usize) -> Vec<NatsServer> {
    let clients: Vec<u16> = (0..n).map(|_| free_port()).collect();
    let routes: Vec<u16> = (0..n).map(|_| free_port()).collect();
    let route_list = routes
        .iter()
        .map(|p| format!("\"nats-route://127.0.0.1:{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let servers: Vec<NatsServer> = (0..n)
        .map(|i| {
            let node = dir.join(format!("n{i}"));
            std::fs::create_dir_all(&node).unwrap();
            let config = node.join("nats.conf");
            std::fs::write(
                &config,
                format!(
                    "server_name: n{i}\nlisten: 127.0.0.1:{}\n\
                     jetstream {{ store_dir: {:?} }}\n\
                     cluster {{ name: tandem, listen: 127.0.0.1:{}, routes: [{route_list}] }}\n",
                    clients[i],
                    node.join("js").display().to_string(),
                    routes[i]
                ),
            )
            .unwrap();
            spawn(&config, &node.join("nats.log"), clients[i])
        })
        .collect();
    wait_ready(&servers.iter().collect::<Vec<_>>(), "Server is ready");
    // JetStream answers once the cluster has chosen a metadata leader.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !servers.iter().any(|s| {
        s.log_text()
            .contains("JetStream cluster new metadata leader")
    }) {
        assert!(
            Instant::now() < deadline,
            "the cluster chose no JetStream leader"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    servers
}

/// One server with JetStream that speaks only TLS, its certificate signed
/// by a fresh CA (made with `openssl`) for 127.0.0.1. Returns the server
/// and the CA file a client must trust.
pub fn single_tls(dir: &Path) -> (NatsServer, PathBuf) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=tandem test CA",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server-key.pem",
        "-out",
        "server.csr",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem",
    ]);
    let port = free_port();
    let config = dir.join("nats.conf");
    let path = |n: &str| dir.join(n).display().to_string();
    std::fs::write(
        &config,
        format!(
            "listen: 127.0.0.1:{port}\njetstream {{ store_dir: {:?} }}\n\
             tls {{ cert_file: {:?}, key_file: {:?} }}\n",
            path("js"),
            path("server.pem"),
            path("server-key.pem")
        ),
    )
    .unwrap();
    let server = spawn(&config, &dir.join("nats.log"), port);
    wait_ready(&[&server], "Server is ready");
    (server, dir.join("ca.pem"))
}

/// One server with two accounts, `ALICE` (users `alice`, `alice-worker`)
/// and `BOB` (user `bob`), each with its own JetStream; passwords are the
/// user names. Clients log in with `nats://user:user@127.0.0.1:PORT`.
pub fn accounts(dir: &Path) -> NatsServer {
    let port = free_port();
    let config = dir.join("nats.conf");
    std::fs::write(
        &config,
        format!(
            "listen: 127.0.0.1:{port}\njetstream {{ store_dir: {:?} }}\n\
             accounts {{\n\
               ALICE: {{ jetstream: enabled, users: [ {{user: \"alice\", password: \"alice\"}}, {{user: \"alice-worker\", password: \"alice-worker\"}} ] }}\n\
               BOB: {{ jetstream: enabled, users: [ {{user: \"bob\", password: \"bob\"}} ] }}\n\
             }}\n",
            dir.join("js").display().to_string()
        ),
    )
    .unwrap();
    let server = spawn(&config, &dir.join("nats.log"), port);
    wait_ready(&[&server], "Server is ready");
    server
}
