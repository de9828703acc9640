//! The slow server: a TCP server on 127.0.0.1 that answers each request after the
//! delay the request asks for, like a web API that takes its time. It runs on a tokio
//! runtime of its own, in a thread of its own, so that clients of any kind (threads,
//! tasks, Python programs) can use it, and it stops when it is dropped.

use crate::{MAX_LINE, answer_line, parse_request};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::thread;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::time::timeout;

/// How many connections may wait to be accepted (the kernel may allow fewer: Linux caps
/// it at `net.core.somaxconn`, 4096 by default). Thousands of clients connect at once.
const BACKLOG: u32 = 4096;

/// How long a connection may stay silent before the server closes it: nothing a client
/// does keeps a connection open forever.
const IDLE: Duration = Duration::from_secs(30);

/// How the server treats a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Answer after the delay the request asks for (at most [`crate::MAX_DELAY`]).
    Answer,
    /// Read requests and never answer: what a hung server looks like to a client.
    Silent,
}

/// A running slow server. Dropping it (or [`SlowServer::stop`]) stops it and closes
/// every connection it holds.
pub struct SlowServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl SlowServer {
    /// Starts a server on 127.0.0.1, on a free port the system picks (port 0).
    pub fn start(behaviour: Behaviour) -> io::Result<SlowServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("slow-server")
            .enable_all()
            .build()?;
        let listener = {
            let _inside = runtime.enter(); // a listener belongs to a runtime
            let socket = TcpSocket::new_v4()?;
            socket.bind((Ipv4Addr::LOCALHOST, 0).into())?;
            socket.listen(BACKLOG)?
        };
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("slow-server".into())
            .spawn(move || run_until_stopped(runtime, listener, behaviour, stopped))?;
        Ok(SlowServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Where to connect: 127.0.0.1 and the port the system picked.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection, and waits for the server's thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SlowServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// The server's thread: accepts connections until `stopped`, then drops the runtime,
/// which drops every connection's task where it waits (at an `.await`), and each
/// task's socket closes with it.
fn run_until_stopped(
    runtime: tokio::runtime::Runtime,
    listener: TcpListener,
    behaviour: Behaviour,
    stopped: oneshot::Receiver<()>,
) {
    runtime.block_on(async {
        tokio::select! {
            () = accept(listener, behaviour) => {}
            _ = stopped => {}
        }
    });
    drop(runtime);
}

/// Accepts connections for ever, one task each.
async fn accept(listener: TcpListener, behaviour: Behaviour) {
    loop {
        match listener.accept().await {
            Ok((socket, _)) => {
                tokio::spawn(serve(socket, behaviour));
            }
            // Out of open files, most likely: wait a moment rather than spin, and go
            // on once connections have closed.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

// ANCHOR: serve
/// One connection: requests one after the other, each answered after its delay.
async fn serve(socket: TcpStream, behaviour: Behaviour) -> io::Result<()> {
    let (reader, mut writer) = socket.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    loop {
        line.clear();
        // One short line, and no endless wait for it: a client cannot make the server
        // hold memory or a connection for ever.
        let mut one_line = (&mut reader).take(MAX_LINE);
        match timeout(IDLE, one_line.read_line(&mut line)).await {
            Ok(Ok(0)) | Err(_) => return Ok(()), // the client is done, or idle
            Ok(result) => result?,
        };
        // A line cut short by the limit has no newline: it is no request either.
        let request = line.strip_suffix('\n').and_then(parse_request);
        let Some((delay, value)) = request else {
            return writer.write_all(b"error: not a request\n").await;
        };
        if behaviour == Behaviour::Silent {
            continue; // a hung server: it read the request and never answers
        }
        tokio::time::sleep(delay).await; // this task waits; the thread serves others
        writer.write_all(answer_line(value).as_bytes()).await?;
    }
}
// ANCHOR_END: serve

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MAX_DELAY, request_line};
    use std::io::{BufRead, Read, Write};
    use std::net::TcpStream;
    use std::time::Instant;

    fn connect(server: &SlowServer) -> std::net::TcpStream {
        let socket = TcpStream::connect(server.addr()).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        socket
    }

    #[test]
    fn it_listens_on_loopback_only() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        assert!(server.addr().ip().is_loopback());
        assert_ne!(server.addr().port(), 0);
    }

    #[test]
    fn it_answers_each_request_after_its_delay() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        let mut socket = connect(&server);
        let mut reader = std::io::BufReader::new(socket.try_clone().unwrap());
        for (delay_ms, value) in [(30, 4.5), (0, -1.0), (10, 0.25)] {
            let start = Instant::now();
            let delay = Duration::from_millis(delay_ms);
            socket
                .write_all(request_line(delay, value).as_bytes())
                .unwrap();
            let mut answer = String::new();
            reader.read_line(&mut answer).unwrap();
            assert_eq!(answer, answer_line(value));
            assert!(start.elapsed() >= delay); // never early; late is the machine's
        }
    }

    #[test]
    fn junk_gets_one_error_line_and_the_connection_closes() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        let mut socket = connect(&server);
        socket.write_all(b"hello\n").unwrap();
        let mut all = String::new();
        socket.read_to_string(&mut all).unwrap();
        assert_eq!(all, "error: not a request\n");
    }

    #[test]
    fn a_line_longer_than_the_limit_is_not_a_request() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        let mut socket = connect(&server);
        let long = format!("1 {}\n", "9".repeat(MAX_LINE as usize));
        socket.write_all(long.as_bytes()).unwrap();
        let mut answer = String::new();
        std::io::BufReader::new(&socket)
            .read_line(&mut answer)
            .unwrap();
        assert_eq!(answer, "error: not a request\n");
    }

    #[test]
    fn a_silent_server_reads_but_never_answers() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let mut socket = connect(&server);
        socket
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        socket.write_all(b"0 1\n").unwrap();
        let mut byte = [0u8];
        let err = socket.read(&mut byte).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
            "{err}"
        );
    }

    #[test]
    fn stopping_closes_every_connection() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let mut sockets: Vec<_> = (0..5).map(|_| connect(&server)).collect();
        for socket in &mut sockets {
            socket.write_all(b"0 1\n").unwrap();
        }
        server.stop();
        for mut socket in sockets {
            let mut rest = Vec::new();
            // End-of-file (or a reset): not the 10 s read timeout.
            let start = Instant::now();
            let _ = socket.read_to_end(&mut rest);
            assert!(start.elapsed() < Duration::from_secs(5));
            assert!(rest.is_empty());
        }
    }

    #[test]
    fn the_delay_asked_for_is_capped() {
        assert_eq!(parse_request("3600000 1").unwrap().0, MAX_DELAY);
    }
}
