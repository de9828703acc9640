//! Exercise 2: a join with a timeout.
//!
//! Rust's `JoinHandle` has no `join` with a timeout (Python's `Thread.join(timeout)`
//! has one, and then you ask `is_alive()`). Build one from a channel: run a closure on
//! a thread and wait at most a given time for its value, telling a timeout from a
//! panic. A panic must be reported at once, not after the timeout.

use return_value_thread::panic_message;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

// ANCHOR: join_timeout
/// Why [`join_timeout`] came back without a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotDone {
    /// The time ran out; the thread is still running (nothing can stop it from
    /// outside).
    TimedOut,
    /// The thread panicked, with this message.
    Panicked(String),
}

/// Runs `f` on a new thread and waits at most `timeout` for its value.
pub fn join_timeout<T, F>(f: F, timeout: Duration) -> Result<T, NotDone>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    // TODO: make a channel; the thread sends `f()`'s value, and the caller waits with
    // `recv_timeout`. What does the receiver see when the thread panics before it
    // sends? Then `join` gives the panic's payload (`panic_message` reads it).
    // SOLUTION
    let (sender, receiver) = mpsc::channel();
    let handle = thread::spawn(move || {
        // The receiver may be gone after a timeout: then nobody wants the value.
        let _ = sender.send(f());
    });
    match receiver.recv_timeout(timeout) {
        Ok(value) => Ok(value),
        // The thread keeps running, detached: Rust cannot kill a thread (lesson 8
        // shows how to ask one to stop).
        Err(RecvTimeoutError::Timeout) => Err(NotDone::TimedOut),
        // A panic drops the sender while unwinding: the receiver learns it at once.
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(payload) => Err(NotDone::Panicked(panic_message(&*payload))),
            Ok(()) => unreachable!("the thread sends before it returns"),
        },
    }
    // END SOLUTION
}
// ANCHOR_END: join_timeout

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    #[test]
    fn a_quick_value_comes_back() {
        assert_eq!(join_timeout(|| 7, HANG_GUARD), Ok(7));
        assert_eq!(
            join_timeout(|| "text".to_string(), HANG_GUARD),
            Ok("text".into())
        );
    }

    #[test]
    fn a_thread_that_cannot_finish_yet_times_out() {
        let (release, wait) = mpsc::channel::<()>();
        // The closure blocks until we send, so the timeout is certain to pass first.
        let outcome =
            join_timeout(move || wait.recv().is_ok(), Duration::from_millis(20));
        assert_eq!(outcome, Err(NotDone::TimedOut));
        let _ = release.send(()); // let the detached thread end
    }

    #[test]
    fn a_panic_is_reported_without_waiting_out_the_timeout() {
        let started = Instant::now();
        let outcome: Result<(), _> = join_timeout(|| panic!("boom"), HANG_GUARD);
        assert_eq!(outcome, Err(NotDone::Panicked("boom".into())));
        // A wait that ends only when the time is out cannot come back sooner.
        assert!(
            started.elapsed() < HANG_GUARD,
            "the panic waited for the timeout"
        );
        let formatted: Result<u8, _> =
            join_timeout(|| panic!("step {} of {}", 3, 5), HANG_GUARD);
        assert_eq!(formatted, Err(NotDone::Panicked("step 3 of 5".into())));
    }
}
