//! The row of lesson 11: many slow connections at once, to lesson 11's slow server on
//! 127.0.0.1, which waits [`DELAY`] before each answer. The server runs in the harness
//! (so that the Python clients use it too); each client runs in a fresh process of its
//! own, so that its peak memory is its own.
//!
//! What concurrency costs is the time beyond [`DELAY`]: every request waits that long
//! whatever the client does, so the rest is the client (and the server) at work.

use async_connections::{Behaviour, Delay, Plan, SlowServer, Stop, peak_memory};
use std::io;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// How long the server waits before each answer.
pub const DELAY: Duration = Duration::from_millis(50);

/// The longest a connection or a request may take before the client gives up.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Starts lesson 11's server for `connections` clients at once: the open-files limit is
/// raised first (each connection is a socket at both ends, and children inherit it).
pub fn start_server(connections: usize) -> io::Result<SlowServer> {
    let wanted = 2 * connections as u64 + 64;
    let limit = async_connections::limits::raise_open_files(wanted)?;
    if limit < wanted {
        return Err(io::Error::other(format!(
            "{connections} connections need {wanted} open files; the limit is {limit} \
             (raise it with `ulimit -n {wanted}`)"
        )));
    }
    // The server's sockets are open files of this process: make room for them now,
    // or the first client to run (always the Rust one) waits while this process's
    // table of open files grows (lesson 11, step 4). Without it, that client is slower.
    #[cfg(target_os = "linux")]
    let _ = async_connections::limits::reserve_open_files(connections + 64);
    SlowServer::start(Behaviour::Answer)
}

// ANCHOR: plan
/// `connections` connections at once, one request each: "wait 50 ms, then double
/// 4.5".
pub fn plan(connections: usize) -> Plan {
    Plan {
        connections,
        steps: 1,
        value: 4.5,
        delay: Delay::Exactly(DELAY),
        seed: 0,
        timeout: TIMEOUT,
    }
}

/// The client process (`--child connections tasks|threads ADDR N`): runs the plan one
/// way and returns its wall time and this process's peak memory in bytes.
pub fn client(
    way: &str,
    addr: SocketAddr,
    connections: usize,
) -> io::Result<(Duration, u64)> {
    let (answered, stop) = (Arc::new(AtomicU64::new(0)), Stop::new());
    let report = match way {
        "tasks" => {
            async_connections::tasks::run(addr, plan(connections), answered, stop)?
        }
        "threads" => {
            async_connections::threads::run(addr, plan(connections), answered, stop)
        }
        _ => return Err(io::Error::new(io::ErrorKind::InvalidInput, "no such way")),
    };
    if report.value() != Some(9.0) {
        return Err(io::Error::other(format!(
            "{} of {connections} connections answered; first error: {}",
            report.answered(),
            report.first_error().unwrap_or("(none: a timeout)")
        )));
    }
    Ok((report.elapsed, peak_memory().unwrap_or(0)))
}
// ANCHOR_END: plan

/// What one way cost: time beyond [`DELAY`] in ms, and peak memory in MB (MiB).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    pub beyond_ms: f64,
    pub peak_mb: f64,
}

/// Runs the client `way` against the server at `addr` in a fresh process.
pub fn in_child(way: &str, addr: SocketAddr, connections: usize) -> io::Result<Cost> {
    let out = crate::child::self_command()?
        .args(["--child", "connections", way, &addr.to_string()])
        .arg(connections.to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "the {way} client ended with {}",
            out.status
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<f64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match numbers[..] {
        [elapsed_ms, peak_bytes] => Ok(Cost {
            beyond_ms: elapsed_ms - DELAY.as_secs_f64() * 1e3,
            peak_mb: peak_bytes / (1024.0 * 1024.0),
        }),
        _ => Err(io::Error::other(format!(
            "the {way} client printed {text:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_connections_each_way_get_their_answers() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        for way in ["tasks", "threads"] {
            let (elapsed, peak) = client(way, server.addr(), 5).unwrap();
            assert!(elapsed >= DELAY, "{way}: {elapsed:?}");
            assert!(peak > 0, "{way}");
        }
        assert!(client("carrier-pigeons", server.addr(), 1).is_err());
    }
}
