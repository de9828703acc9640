//! Many slow connections: one thread per connection against one tokio task per
//! connection.
//!
//! The tutorial's note says that asyncio suits "slow I/O over many connections". This
//! lesson puts that to work over loopback (127.0.0.1 only):
//!
//! - [`SlowServer`]: a small TCP server, started on a free port, that answers each
//!   request after the delay the request asks for (or, for tests, never answers);
//! - [`threads::run`]: N connections, one thread each (blocking `std::net`);
//! - [`tasks::run`]: N connections, one tokio task each;
//! - [`steps`]: the task client as it grows: gather, then a timeout on every call;
//! - [`blocking`]: CPU work inside async, on tokio's blocking pool;
//! - [`peak_memory`]: what each way cost in memory.
//!
//! Both clients follow a [`Plan`] and give a [`Report`]: one [`Outcome`] per
//! connection. A [`Stop`] asks either of them to give up early.
//!
//! A task must be `Send` to be spawned on tokio's multi-threaded runtime, and what it
//! holds across an `.await` is part of it: an `Rc` held across one is refused ("future
//! cannot be sent between threads safely"; rustc prints no error code for it, so the
//! `compile_fail` blocks name none):
//!
//! ```compile_fail
#![doc = include_str!("refused.rs")]
//! ```
//!
//! So is a `std::sync::MutexGuard` held across one:
//!
//! ```compile_fail
#![doc = include_str!("refused_guard.rs")]
//! ```
//!
//! The fix: wait first, then lock, with no `.await` while the guard lives:
//!
//! ```
#![doc = include_str!("fixed_guard.rs")]
//! ```

pub mod blocking;
#[cfg(unix)]
pub mod child;
#[cfg(unix)]
pub mod limits;
pub mod server;
pub mod steps;
pub mod tasks;
pub mod threads;

pub use server::{Behaviour, SlowServer};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io;
use std::time::Duration;
use tokio::sync::watch;

/// The longest delay the server agrees to wait before an answer.
pub const MAX_DELAY: Duration = Duration::from_secs(10);

/// The longest request line the server reads, newline included.
pub const MAX_LINE: u64 = 64;

// ANCHOR: protocol
/// A request: how long the server should wait before it answers, in milliseconds, and
/// a value, e.g. `"50 4.5\n"`. The answer is the value doubled: `"9\n"`.
pub fn request_line(delay: Duration, value: f64) -> String {
    format!("{} {value}\n", delay.as_millis())
}
// ANCHOR_END: protocol

/// The server's reading of a request line: the delay (at most [`MAX_DELAY`]) and the
/// value, or `None` if the line is not a request.
pub fn parse_request(line: &str) -> Option<(Duration, f64)> {
    let mut fields = line.split_whitespace();
    let delay_ms: u64 = fields.next()?.parse().ok()?;
    let value: f64 = fields.next()?.parse().ok()?;
    if fields.next().is_some() {
        return None;
    }
    Some((Duration::from_millis(delay_ms).min(MAX_DELAY), value))
}

/// The server's answer to a request for `value`.
pub fn answer_line(value: f64) -> String {
    format!("{}\n", value * 2.0)
}

/// The client's reading of an answer line. An empty line means the server closed the
/// connection before it answered.
pub fn parse_answer(line: &str) -> io::Result<f64> {
    if line.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection without an answer",
        ));
    }
    line.trim()
        .parse()
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("{line:?}")))
}

/// What a run of clients does: `connections` connections at once, each sending
/// `steps` requests one after the other, each request asking for a `delay`, and
/// giving up on a call that takes longer than `timeout`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// How many connections are open at once.
    pub connections: usize,
    /// Requests per connection, one after the other.
    pub steps: u32,
    /// The value every request carries; every answer is its double.
    pub value: f64,
    /// The delay each request asks the server for.
    pub delay: Delay,
    /// Where random delays come from: the same seed gives the same delays, so both
    /// ways of running a plan wait exactly as long.
    pub seed: u64,
    /// How long one call (connecting, or one request and its answer) may take.
    pub timeout: Duration,
}

impl Plan {
    /// The delays connection `index` asks for, one per step: the same for every way of
    /// running the plan.
    pub fn delays(&self, index: usize) -> impl Iterator<Item = Duration> + use<> {
        let mut rng = StdRng::seed_from_u64(self.seed ^ (index as u64).rotate_left(32));
        let delay = self.delay;
        (0..self.steps).map(move |_| match delay {
            Delay::UpTo(max) => {
                Duration::from_millis(rng.random_range(0..=max.as_millis() as u64))
            }
            Delay::Exactly(delay) => delay,
        })
    }

    /// How many answers the whole plan expects.
    pub fn requests(&self) -> u64 {
        self.connections as u64 * u64::from(self.steps)
    }
}

/// The delay a request asks the server for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delay {
    /// A random delay from zero to this, different for every request.
    UpTo(Duration),
    /// This delay for every request.
    Exactly(Duration),
}

/// How one connection ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Every request was answered; this is the last answer.
    Answered { value: f64 },
    /// A call took longer than the plan's timeout, after `answers` answers.
    TimedOut { answers: u32 },
    /// A call failed (refused, reset, no thread to run it...), after `answers` answers.
    Failed { answers: u32, error: String },
    /// A [`Stop`] ended it before its last answer.
    Stopped,
}

impl Outcome {
    /// The outcome of a call that failed with `error` after `answers` answers. A socket
    /// timeout counts as a timeout: on Unix a read that times out fails with
    /// `WouldBlock`, on Windows with `TimedOut`.
    pub fn from_error(error: &io::Error, answers: u32) -> Self {
        match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                Outcome::TimedOut { answers }
            }
            _ => Outcome::Failed {
                answers,
                error: error.to_string(),
            },
        }
    }
}

/// What a run of clients gives back: one outcome per connection, in connection order.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    /// From the first connection started to the last one ended.
    pub elapsed: Duration,
}

impl Report {
    /// How many connections ended as `matches` says.
    pub fn count(&self, matches: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|o| matches(o)).count()
    }

    /// Connections that got every answer.
    pub fn answered(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Answered { .. }))
    }

    /// Connections that gave up on a call that took too long.
    pub fn timed_out(&self) -> usize {
        self.count(|o| matches!(o, Outcome::TimedOut { .. }))
    }

    /// The first failure's message, if a call failed.
    pub fn first_error(&self) -> Option<&str> {
        self.outcomes.iter().find_map(|o| match o {
            Outcome::Failed { error, .. } => Some(error.as_str()),
            _ => None,
        })
    }

    /// The answer, if every connection got all of its answers and they agree.
    pub fn value(&self) -> Option<f64> {
        let mut values = self.outcomes.iter().map(|o| match o {
            Outcome::Answered { value } => Some(*value),
            _ => None,
        });
        let first = values.next()??;
        values.all(|v| v == Some(first)).then_some(first)
    }
}

// ANCHOR: stop
/// A request to stop, shared by everyone who holds a clone: threads ask
/// [`Stop::is_requested`] between calls; tasks await [`Stop::requested`], which a
/// `select!` can race against the call itself.
#[derive(Clone, Debug)]
pub struct Stop {
    flag: std::sync::Arc<watch::Sender<bool>>,
}

impl Stop {
    pub fn new() -> Self {
        Stop {
            flag: std::sync::Arc::new(watch::Sender::new(false)),
        }
    }

    /// Asks every holder to stop.
    pub fn request(&self) {
        self.flag.send_replace(true);
    }

    pub fn is_requested(&self) -> bool {
        *self.flag.borrow()
    }

    /// Completes once a stop has been requested (at once if it already was).
    pub async fn requested(&self) {
        let mut seen = self.flag.subscribe();
        // `wait_for` fails only once the sender is gone, and `self` holds it.
        let _ = seen.wait_for(|&stop| stop).await;
    }
}
// ANCHOR_END: stop

impl Default for Stop {
    fn default() -> Self {
        Self::new()
    }
}

/// The most memory this process has held in RAM at once so far (its peak resident set
/// size), in bytes, or `None` where the lesson cannot ask (Windows).
///
/// It is `ru_maxrss` from `getrusage`: Linux counts it in KiB (the same figure as
/// `VmHWM` in `/proc/self/status`), macOS in bytes. It only ever grows, so to know
/// what one way of doing something costs, do it in a fresh process (the walkthrough
/// does).
pub fn peak_memory() -> Option<u64> {
    #[cfg(unix)]
    {
        // SAFETY: getrusage writes into the zeroed struct we own.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
                return None;
            }
            usage
        };
        let unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
        u64::try_from(usage.ru_maxrss).ok().map(|n| n * unit)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_answers_round_trip() {
        let line = request_line(Duration::from_millis(50), 4.5);
        assert_eq!(line, "50 4.5\n");
        assert_eq!(parse_request(&line), Some((Duration::from_millis(50), 4.5)));
        assert_eq!(answer_line(4.5), "9\n");
        assert_eq!(parse_answer("9\n").unwrap(), 9.0);
    }

    #[test]
    fn the_server_caps_the_delay_and_refuses_junk() {
        assert_eq!(parse_request("999999999 1"), Some((MAX_DELAY, 1.0)));
        for junk in ["", "50", "x 1", "50 y", "50 1 2", "-5 1"] {
            assert_eq!(parse_request(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn an_empty_answer_is_end_of_file() {
        let err = parse_answer("").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(
            parse_answer("nine\n").unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[test]
    fn delays_repeat_for_a_seed_and_stay_in_range() {
        let plan = Plan {
            connections: 3,
            steps: 20,
            value: 1.0,
            delay: Delay::UpTo(Duration::from_millis(7)),
            seed: 42,
            timeout: Duration::from_secs(1),
        };
        let first: Vec<_> = plan.delays(1).collect();
        assert_eq!(first, plan.delays(1).collect::<Vec<_>>());
        assert_ne!(first, plan.delays(2).collect::<Vec<_>>());
        assert_eq!(first.len(), 20);
        assert!(first.iter().all(|d| *d <= Duration::from_millis(7)));
        assert_eq!(plan.requests(), 60);
        let fixed = Plan {
            delay: Delay::Exactly(Duration::from_millis(50)),
            ..plan
        };
        assert!(fixed.delays(0).all(|d| d == Duration::from_millis(50)));
    }

    #[test]
    fn a_report_agrees_on_a_value_only_when_all_answered() {
        let answered = Outcome::Answered { value: 9.0 };
        let mut report = Report {
            outcomes: vec![answered.clone(), answered],
            elapsed: Duration::ZERO,
        };
        assert_eq!(report.value(), Some(9.0));
        report.outcomes.push(Outcome::TimedOut { answers: 2 });
        assert_eq!(report.value(), None);
        assert_eq!((report.answered(), report.timed_out()), (2, 1));
        report
            .outcomes
            .push(Outcome::from_error(&io::Error::other("boom"), 0));
        assert_eq!(report.first_error(), Some("boom"));
    }

    #[test]
    fn socket_timeouts_count_as_timeouts() {
        for kind in [io::ErrorKind::WouldBlock, io::ErrorKind::TimedOut] {
            assert_eq!(
                Outcome::from_error(&kind.into(), 3),
                Outcome::TimedOut { answers: 3 }
            );
        }
    }

    #[test]
    fn a_stop_is_seen_by_every_clone() {
        let stop = Stop::new();
        let clone = stop.clone();
        assert!(!clone.is_requested());
        stop.request();
        assert!(clone.is_requested());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(clone.requested()); // completes at once
    }

    #[test]
    fn peak_memory_is_known_on_unix() {
        if cfg!(unix) {
            let bytes = peak_memory().expect("getrusage answers");
            // More than a megabyte, less than the machine: the unit is right.
            assert!(bytes > 1 << 20 && bytes < 1 << 40, "{bytes}");
        }
    }
}
