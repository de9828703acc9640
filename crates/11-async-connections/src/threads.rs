//! One thread per connection, with blocking `std::net` sockets: the way to compare
//! tokio with. Every call has a timeout (the socket's own), and a [`Stop`] is seen
//! between calls.

use crate::{Outcome, Plan, Report, Stop, parse_answer, request_line};
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// One request and its answer on an open connection; the thread waits in each call.
pub fn round_trip(
    reader: &mut BufReader<&TcpStream>,
    mut writer: &TcpStream,
    delay: Duration,
    value: f64,
) -> io::Result<f64> {
    writer.write_all(request_line(delay, value).as_bytes())?;
    let mut answer = String::new();
    reader.read_line(&mut answer)?;
    parse_answer(&answer)
}

// ANCHOR: run
/// Runs `plan` against the server at `addr` with one thread per connection. A thread
/// the system refuses to start (too many threads) fails its connection and every one
/// after it; the threads already running finish.
pub fn run(
    addr: SocketAddr,
    plan: Plan,
    answered: Arc<AtomicU64>,
    stop: Stop,
) -> Report {
    // Room for every socket before the threads start (step 4 of the task client).
    #[cfg(target_os = "linux")]
    let _ = crate::limits::reserve_open_files(plan.connections);
    let start = Instant::now();
    let outcomes = thread::scope(|scope| {
        let (answered, stop) = (&answered, &stop);
        let mut threads = Vec::with_capacity(plan.connections);
        let mut refused = None;
        for index in 0..plan.connections {
            let spawned = thread::Builder::new().spawn_scoped(scope, move || {
                connection(addr, plan, index, answered, stop)
            });
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(err) => {
                    refused = Some(format!("cannot start a thread: {err}"));
                    break;
                }
            }
        }
        let mut outcomes: Vec<Outcome> = threads
            .into_iter()
            .map(|thread| {
                thread.join().unwrap_or_else(|_| Outcome::Failed {
                    answers: 0,
                    error: "the thread panicked".into(),
                })
            })
            .collect();
        if let Some(error) = refused {
            outcomes.resize(plan.connections, Outcome::Failed { answers: 0, error });
        }
        outcomes
    });
    Report {
        outcomes,
        elapsed: start.elapsed(),
    }
}
// ANCHOR_END: run

// ANCHOR: connection
/// One connection. A thread cannot be cancelled from outside: it gives up only when
/// a call returns, so every call gets the socket's own timeout, and the stop request
/// is looked at between calls.
fn connection(
    addr: SocketAddr,
    plan: Plan,
    index: usize,
    answered: &AtomicU64,
    stop: &Stop,
) -> Outcome {
    let socket = match TcpStream::connect_timeout(&addr, plan.timeout) {
        Ok(socket) => socket,
        Err(err) => return Outcome::from_error(&err, 0),
    };
    let timeouts = socket
        .set_read_timeout(Some(plan.timeout))
        .and_then(|()| socket.set_write_timeout(Some(plan.timeout)));
    if let Err(err) = timeouts {
        return Outcome::from_error(&err, 0);
    }
    let mut reader = BufReader::new(&socket);
    let (mut answers, mut last) = (0, f64::NAN);
    for delay in plan.delays(index) {
        if stop.is_requested() {
            return Outcome::Stopped;
        }
        match round_trip(&mut reader, &socket, delay, plan.value) {
            Ok(value) => last = value,
            Err(err) => return Outcome::from_error(&err, answers),
        }
        answers += 1;
        answered.fetch_add(1, Ordering::Relaxed);
    }
    Outcome::Answered { value: last }
}
// ANCHOR_END: connection

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Behaviour, Delay, SlowServer};

    fn plan(connections: usize, steps: u32, timeout: Duration) -> Plan {
        Plan {
            connections,
            steps,
            value: 4.5,
            delay: Delay::UpTo(Duration::from_millis(5)),
            seed: 7,
            timeout,
        }
    }

    fn counter() -> Arc<AtomicU64> {
        Arc::new(AtomicU64::new(0))
    }

    #[test]
    fn every_connection_gets_every_answer() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        let plan = plan(50, 4, Duration::from_secs(10));
        let answered = counter();
        let report = run(server.addr(), plan, Arc::clone(&answered), Stop::new());
        assert_eq!(report.outcomes.len(), 50);
        assert_eq!(report.value(), Some(9.0), "{report:?}");
        assert_eq!(answered.load(Ordering::Relaxed), plan.requests());
    }

    #[test]
    fn a_server_that_never_answers_times_every_connection_out() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let plan = plan(20, 3, Duration::from_millis(200));
        let report = run(server.addr(), plan, counter(), Stop::new());
        assert!(
            report
                .outcomes
                .iter()
                .all(|o| *o == Outcome::TimedOut { answers: 0 }),
            "{report:?}"
        );
    }

    #[test]
    fn a_stop_is_seen_between_calls() {
        let server = SlowServer::start(Behaviour::Answer).unwrap();
        // 10 000 requests each: far more than can finish before the stop.
        let plan = plan(8, 10_000, Duration::from_secs(10));
        let (answered, stop) = (counter(), Stop::new());
        let (seen, stopper) = (Arc::clone(&answered), stop.clone());
        let asker = std::thread::spawn(move || {
            while seen.load(Ordering::Relaxed) == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
            stopper.request();
        });
        let report = run(server.addr(), plan, answered, stop);
        asker.join().unwrap();
        assert!(report.outcomes.iter().all(|o| *o == Outcome::Stopped));
    }

    #[test]
    fn a_server_that_goes_away_is_an_error_not_a_hang() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let addr = server.addr();
        let plan = plan(10, 2, Duration::from_secs(600));
        let client =
            std::thread::spawn(move || run(addr, plan, counter(), Stop::new()));
        std::thread::sleep(Duration::from_millis(200));
        server.stop();
        let report = client.join().unwrap();
        assert_eq!(report.count(|o| matches!(o, Outcome::Failed { .. })), 10);
    }
}
