//! Named loopback ports for the overlay sandbox (a local database, say):
//! the sandbox has its own network namespace, so a port on the host's
//! 127.0.0.1 is bridged through a Unix socket in the task's folder, which a
//! file path reaches across namespaces. Outside, the server accepts on the
//! socket and connects to the host port; inside, the sandbox helper listens
//! on 127.0.0.1:PORT and connects to the socket.

use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub fn socket_path(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!("port-{port}.sock"))
}

/// Copy bytes both ways until either side closes.
fn splice(
    a: impl io::Read + io::Write + Send + 'static + TryCloneShutdown,
    b: impl io::Read + io::Write + Send + 'static + TryCloneShutdown,
) {
    let (Ok(mut a2), Ok(mut b2)) = (a.try_clone_box(), b.try_clone_box()) else {
        return;
    };
    let (mut a, mut b) = (a, b);
    std::thread::spawn(move || {
        let _ = io::copy(&mut a, &mut b2);
        b2.shutdown_write();
    });
    std::thread::spawn(move || {
        let _ = io::copy(&mut b, &mut a2);
        a2.shutdown_write();
    });
}

pub trait TryCloneShutdown: Sized {
    fn try_clone_box(&self) -> io::Result<Self>;
    fn shutdown_write(&self);
}

impl TryCloneShutdown for TcpStream {
    fn try_clone_box(&self) -> io::Result<Self> {
        self.try_clone()
    }
    fn shutdown_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

impl TryCloneShutdown for UnixStream {
    fn try_clone_box(&self) -> io::Result<Self> {
        self.try_clone()
    }
    fn shutdown_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

/// The outside end: serve `port` on a socket in `dir` until `stop` is set.
pub fn serve_outside(dir: &Path, port: u16, stop: Arc<AtomicBool>) -> io::Result<()> {
    let path = socket_path(dir, port);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    listener.set_nonblocking(true)?;
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((inside, _)) => {
                    let _ = inside.set_nonblocking(false);
                    if let Ok(host) = TcpStream::connect(("127.0.0.1", port)) {
                        splice(inside, host);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(_) => break,
            }
        }
        let _ = std::fs::remove_file(&path);
    });
    Ok(())
}

/// The inside end, run by the sandbox helper in a process of its own
/// inside the namespaces (a process that has unshared its PID namespace may
/// not start threads; its children may). Never returns.
pub fn serve_inside(dir: &Path, listeners: Vec<(u16, TcpListener)>) -> ! {
    for (port, listener) in listeners {
        let path = socket_path(dir, port);
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                if let Ok(outside) = UnixStream::connect(&path) {
                    splice(conn, outside);
                }
            }
        });
    }
    loop {
        std::thread::park();
    }
}
