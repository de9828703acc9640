//! Solutions to the chapter's exercises.

use crate::{Panicked, ReturnValueThread, panic_message};
use std::error::Error;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

// ANCHOR: sum_in_threads
/// Exercise 1: runs `f` on every value, each on its own thread, and adds up the
/// results.
///
/// All threads are started before the first `join`: joining inside the loop that starts
/// them would wait for each one before starting the next, which is no concurrency at
/// all. Every started thread is joined, even after a panic, so none is left running
/// unobserved (only if the OS refuses a new thread does `?` return early, leaving the
/// ones already started to finish on their own).
pub fn sum_in_threads<F>(
    values: &[f64],
    f: F,
) -> Result<f64, Box<dyn Error + Send + Sync>>
where
    F: Fn(f64) -> f64 + Clone + Send + 'static,
{
    let mut threads = Vec::with_capacity(values.len());
    for (i, &value) in values.iter().enumerate() {
        let f = f.clone();
        threads.push(ReturnValueThread::start(&format!("sum-{i}"), move || {
            f(value)
        })?);
    }
    let results: Vec<Result<f64, Panicked>> =
        threads.into_iter().map(|t| t.join()).collect();
    // `Result` implements `Sum`: the total of the values, or the first error.
    Ok(results.into_iter().sum::<Result<f64, Panicked>>()?)
}
// ANCHOR_END: sum_in_threads

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

/// Exercise 2: runs `f` on a new thread and waits at most `timeout` for its value.
///
/// `JoinHandle::join` has no timeout, but a channel's receiver does: the thread sends
/// its value, and `recv_timeout` waits for it. If the thread panics, its sender is
/// dropped while unwinding, so the receiver learns it at once (`Disconnected`) instead
/// of waiting out the timeout; `join` then gives the panic's message. On a timeout the
/// thread keeps running, detached: Rust cannot kill a thread (lesson 8 shows how to ask
/// one to stop).
pub fn join_timeout<T, F>(f: F, timeout: Duration) -> Result<T, NotDone>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (sender, receiver) = mpsc::channel();
    let handle = thread::spawn(move || {
        // The receiver may be gone after a timeout: then nobody wants the value.
        let _ = sender.send(f());
    });
    match receiver.recv_timeout(timeout) {
        Ok(value) => Ok(value),
        Err(RecvTimeoutError::Timeout) => Err(NotDone::TimedOut),
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(payload) => Err(NotDone::Panicked(panic_message(&*payload))),
            Ok(()) => unreachable!("the thread sends before it returns"),
        },
    }
}
// ANCHOR_END: join_timeout

// ANCHOR: sum_in_parts
/// Exercise 3: adds up `data` on `parts` scoped threads, each summing one chunk.
///
/// `thread::scope` guarantees every thread ends before `scope` returns, so the threads
/// may borrow `data`: no `Arc`, no copy of the slice.
pub fn sum_in_parts(data: &[f64], parts: usize) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let chunk_len = data.len().div_ceil(parts.max(1));
    thread::scope(|s| {
        let handles: Vec<_> = data
            .chunks(chunk_len)
            .map(|chunk| s.spawn(move || chunk.iter().sum::<f64>()))
            .collect();
        // A panic in a chunk's thread is re-raised here, in the caller's thread.
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
            })
            .sum()
    })
}
// ANCHOR_END: sum_in_parts

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Work, task};

    #[test]
    fn sums_the_results_of_many_threads() {
        let work = Work {
            steps: 2,
            max_sleep_ms: 1,
            seed: 7,
            fail_at: None,
        };
        let total = sum_in_threads(&[1.0, 2.0, 3.0], move |v| task(v, &work));
        assert_eq!(total.unwrap(), 12.0);
        assert_eq!(sum_in_threads(&[], |v| v).unwrap(), 0.0);
    }

    #[test]
    fn a_panicking_thread_makes_the_sum_an_error() {
        let total = sum_in_threads(&[1.0, 2.0, 3.0], |v| {
            if v == 2.0 {
                panic!("no twos");
            }
            v
        });
        let err = total.unwrap_err();
        assert_eq!(err.to_string(), "thread 'sum-1' panicked: no twos");
        assert!(
            err.downcast_ref::<Panicked>().is_some(),
            "the error keeps its type"
        );
    }

    #[test]
    fn join_timeout_gives_a_quick_value() {
        // 10 s is only a hang guard: the closure returns at once.
        assert_eq!(join_timeout(|| 7, Duration::from_secs(10)), Ok(7));
    }

    #[test]
    fn join_timeout_times_out_on_a_thread_that_cannot_finish_yet() {
        let (release, wait) = mpsc::channel::<()>();
        // The closure blocks until we send, so the timeout is certain to pass first.
        let outcome =
            join_timeout(move || wait.recv().is_ok(), Duration::from_millis(20));
        assert_eq!(outcome, Err(NotDone::TimedOut));
        release.send(()).unwrap(); // let the detached thread end
    }

    #[test]
    fn join_timeout_reports_a_panic_without_waiting_out_the_timeout() {
        let outcome: Result<(), _> =
            join_timeout(|| panic!("boom"), Duration::from_secs(10));
        assert_eq!(outcome, Err(NotDone::Panicked("boom".into())));
    }

    #[test]
    fn sum_in_parts_matches_a_plain_sum() {
        let data: Vec<f64> = (1..=100).map(f64::from).collect();
        for parts in [0, 1, 2, 3, 7, 100, 1000] {
            assert_eq!(sum_in_parts(&data, parts), 5050.0, "parts = {parts}");
        }
        assert_eq!(sum_in_parts(&[], 4), 0.0);
    }
}
