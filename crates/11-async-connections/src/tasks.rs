//! One tokio task per connection: the lesson's final client. It is step 2
//! ([`crate::steps::s2_timeout`]) with a [`Stop`] raced against every connection
//! (step 3), room made for every socket before the runtime's threads start (step 4,
//! on Linux), and a counter of answers for the progress line.

use crate::{Outcome, Plan, Report, Stop, parse_answer, request_line};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::timeout;

/// The reading half of a connection, buffered so that answers are read line by line.
pub type Reader = BufReader<OwnedReadHalf>;

/// Connects to `addr` and splits the connection into its two halves.
pub async fn connect(addr: SocketAddr) -> io::Result<(Reader, OwnedWriteHalf)> {
    let (reader, writer) = TcpStream::connect(addr).await?.into_split();
    Ok((BufReader::new(reader), writer))
}

// ANCHOR: round_trip
/// One request and its answer on an open connection.
pub async fn round_trip(
    reader: &mut Reader,
    writer: &mut OwnedWriteHalf,
    delay: Duration,
    value: f64,
) -> io::Result<f64> {
    let request = request_line(delay, value);
    writer.write_all(request.as_bytes()).await?; // (1) until the socket takes it
    let mut answer = String::new();
    reader.read_line(&mut answer).await?; // (2) until the answer arrives
    parse_answer(&answer)
}
// ANCHOR_END: round_trip

// ANCHOR: run
/// Runs `plan` against the server at `addr` with one task per connection, on a
/// multi-threaded runtime of its own (one thread per core). `answered` counts the
/// answers as they come; `stop` ends every connection early.
pub fn run(
    addr: SocketAddr,
    plan: Plan,
    answered: Arc<AtomicU64>,
    stop: Stop,
) -> io::Result<Report> {
    // ANCHOR: room
    // Step 4: room for every socket, before the runtime starts its threads. Only a
    // speed-up: if it fails, the sockets still open, more slowly.
    #[cfg(target_os = "linux")]
    let _ = crate::limits::reserve_open_files(plan.connections);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // ANCHOR_END: room
    let start = Instant::now();
    let outcomes = runtime.block_on(async {
        let tasks: Vec<_> = (0..plan.connections)
            .map(|index| {
                let (answered, stop) = (Arc::clone(&answered), stop.clone());
                tokio::spawn(connection(addr, plan, index, answered, stop))
            })
            .collect();
        let mut outcomes = Vec::with_capacity(tasks.len());
        for task in tasks {
            // A task that panicked is an error here, not a crash of the whole run.
            outcomes.push(task.await.unwrap_or_else(|err| Outcome::Failed {
                answers: 0,
                error: err.to_string(),
            }));
        }
        outcomes
    });
    Ok(Report {
        outcomes,
        elapsed: start.elapsed(),
    })
}
// ANCHOR_END: run

// ANCHOR: connection
/// One connection, raced against a stop request. Whichever finishes first wins; the
/// other is dropped, and dropping a future cancels it where it waits: at an `.await`.
async fn connection(
    addr: SocketAddr,
    plan: Plan,
    index: usize,
    answered: Arc<AtomicU64>,
    stop: Stop,
) -> Outcome {
    tokio::select! {
        outcome = talk(addr, plan, index, &answered) => outcome,
        () = stop.requested() => Outcome::Stopped,
    }
}
// ANCHOR_END: connection

/// Step 2's connection (every call under a timeout), counting answers as they come.
async fn talk(
    addr: SocketAddr,
    plan: Plan,
    index: usize,
    answered: &AtomicU64,
) -> Outcome {
    let (mut reader, mut writer) = match timeout(plan.timeout, connect(addr)).await {
        Ok(Ok(halves)) => halves,
        Ok(Err(err)) => return Outcome::from_error(&err, 0),
        Err(_elapsed) => return Outcome::TimedOut { answers: 0 },
    };
    let (mut answers, mut last) = (0, f64::NAN);
    for delay in plan.delays(index) {
        let call = round_trip(&mut reader, &mut writer, delay, plan.value);
        match timeout(plan.timeout, call).await {
            Ok(Ok(value)) => last = value,
            Ok(Err(err)) => return Outcome::from_error(&err, answers),
            Err(_elapsed) => return Outcome::TimedOut { answers },
        }
        answers += 1;
        answered.fetch_add(1, Ordering::Relaxed);
    }
    Outcome::Answered { value: last }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Behaviour, Delay, SlowServer};

    pub(crate) fn plan(connections: usize, steps: u32, timeout: Duration) -> Plan {
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
        let report =
            run(server.addr(), plan, Arc::clone(&answered), Stop::new()).unwrap();
        assert_eq!(report.outcomes.len(), 50);
        assert_eq!(report.value(), Some(9.0), "{report:?}");
        assert_eq!(answered.load(Ordering::Relaxed), plan.requests());
    }

    #[test]
    fn a_server_that_never_answers_times_every_connection_out() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let plan = plan(20, 3, Duration::from_millis(200));
        let report = run(server.addr(), plan, counter(), Stop::new()).unwrap();
        assert_eq!(report.timed_out(), 20, "{report:?}");
        assert!(
            report
                .outcomes
                .iter()
                .all(|o| *o == Outcome::TimedOut { answers: 0 })
        );
    }

    #[test]
    fn a_stop_ends_every_connection_long_before_its_timeout() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let plan = plan(20, 3, Duration::from_secs(600));
        let stop = Stop::new();
        let stopper = stop.clone();
        let asker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            stopper.request();
        });
        let report = run(server.addr(), plan, counter(), stop).unwrap();
        asker.join().unwrap();
        assert!(report.outcomes.iter().all(|o| *o == Outcome::Stopped));
        assert!(report.elapsed < Duration::from_secs(10), "{report:?}");
    }

    #[test]
    fn a_server_that_goes_away_is_an_error_not_a_hang() {
        let server = SlowServer::start(Behaviour::Silent).unwrap();
        let addr = server.addr();
        let plan = plan(10, 2, Duration::from_secs(600));
        let client =
            std::thread::spawn(move || run(addr, plan, counter(), Stop::new()));
        std::thread::sleep(Duration::from_millis(200));
        server.stop(); // every connection closes, or is refused if it came late
        let report = client.join().unwrap().unwrap();
        assert_eq!(report.count(|o| matches!(o, Outcome::Failed { .. })), 10);
    }
}
