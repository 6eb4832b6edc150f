//! A small real web site on 127.0.0.1 for `web_fetch` tests: HTTP/1.1 over
//! a `TcpListener`, one thread per connection, canned routes (pages and
//! redirects), and a log of every path requested, so a test can tell a
//! page was never reached.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// What one path answers.
#[derive(Clone)]
pub enum Route {
    /// 200 with this content type and body.
    Page { content_type: String, body: Vec<u8> },
    /// A redirect (`status`: 301, 302, 307…) to `location`, which may
    /// name `{port}` for the site's own port.
    Redirect { status: u16, location: String },
    /// An error status with a short text body.
    Status(u16),
}

impl Route {
    pub fn html(body: &str) -> Route {
        Route::Page {
            content_type: "text/html; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn text(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route::Page {
            content_type: content_type.into(),
            body: body.into(),
        }
    }

    pub fn redirect(status: u16, location: &str) -> Route {
        Route::Redirect {
            status,
            location: location.into(),
        }
    }
}

pub struct WebSite {
    port: u16,
    requested: Arc<Mutex<Vec<String>>>,
}

impl WebSite {
    /// Serve `routes` (path → route); other paths answer 404.
    pub fn start(routes: Vec<(&str, Route)>) -> WebSite {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the web site");
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<BTreeMap<String, Route>> = Arc::new(
            routes
                .into_iter()
                .map(|(p, r)| (p.to_string(), r))
                .collect(),
        );
        let requested = Arc::new(Mutex::new(Vec::new()));
        let log = requested.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (routes, log) = (routes.clone(), log.clone());
                std::thread::spawn(move || serve(stream, port, &routes, &log));
            }
        });
        WebSite { port, requested }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every path requested so far, in order.
    pub fn requested(&self) -> Vec<String> {
        self.requested.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, port: u16, routes: &BTreeMap<String, Route>, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    // The headers, up to the blank line; a GET has no body.
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => {}
        }
    }
    log.lock().unwrap().push(path.clone());
    let (status, headers, body): (u16, Vec<(String, String)>, Vec<u8>) = match routes.get(&path) {
        Some(Route::Page { content_type, body }) => (
            200,
            vec![("Content-Type".into(), content_type.clone())],
            body.clone(),
        ),
        Some(Route::Redirect { status, location }) => (
            *status,
            vec![(
                "Location".into(),
                location.replace("{port}", &port.to_string()),
            )],
            Vec::new(),
        ),
        Some(Route::Status(status)) => (*status, Vec::new(), b"no".to_vec()),
        None => (404, Vec::new(), b"not found".to_vec()),
    };
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    // The client may stop reading a long body; a broken pipe is expected.
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&body);
}
