//! Step 1: a channel per task is the future, as in the twin
//! (`examples/futures_submit.rs`), now on the lesson's [`ThreadPool`].
//!
//! It works while tasks return. A task that panics leaves no trace for the caller: its
//! sender is dropped while the panic unwinds, so `result()` says only "disconnected",
//! and `is_done()` never turns true. [`super::s2_handle`] fixes that.

use crate::ThreadPool;
use crossbeam_channel::{Receiver, RecvError};

// ANCHOR: s1
/// The caller's side of a submitted task: a channel that will carry one value.
pub struct TaskHandle<T> {
    receiver: Receiver<T>,
}

/// Queues `task` on `pool` and returns at once with its handle.
pub fn submit<F, T>(pool: &ThreadPool, task: F) -> TaskHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (sender, receiver) = crossbeam_channel::bounded(1);
    pool.execute(Box::new(move || {
        let _ = sender.send(task()); // an error means the handle was dropped
    }));
    TaskHandle { receiver }
}

impl<T> TaskHandle<T> {
    /// Python's `done()`: the value is waiting in the channel.
    pub fn is_done(&self) -> bool {
        !self.receiver.is_empty()
    }

    /// Python's `result()`: waits for the value. `Err` means the task ended without
    /// one.
    pub fn result(self) -> Result<T, RecvError> {
        self.receiver.recv()
    }
}
// ANCHOR_END: s1

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::within_guard;
    use crate::task;

    #[test]
    fn submit_returns_the_value() {
        within_guard(|| {
            let pool = ThreadPool::new(2).unwrap();
            let handle = submit(&pool, || task(4.5, 2, 1, 7));
            assert_eq!(handle.result(), Ok(9.0));
        });
    }

    #[test]
    fn results_come_back_in_submission_order() {
        within_guard(|| {
            let pool = ThreadPool::new(3).unwrap();
            let handles: Vec<_> = (0..20u64)
                .map(|i| submit(&pool, move || task(i as f64, 2, 1, i)))
                .collect();
            let results: Vec<f64> =
                handles.into_iter().map(|h| h.result().unwrap()).collect();
            let expected: Vec<f64> = (0..20).map(|i| f64::from(i) * 2.0).collect();
            assert_eq!(results, expected);
        });
    }

    // ANCHOR: s1_flaw
    /// The flaw that step 2 fixes, kept as a test. Step 2 passes the opposite:
    /// `panicking_task_gives_an_error_and_the_pool_goes_on`.
    #[test]
    fn a_panic_loses_its_message_and_never_counts_as_done() {
        within_guard(|| {
            let pool = ThreadPool::new(1).unwrap();
            let bad = submit(&pool, || -> u32 { panic!("boom at step {}", 3) });
            // The next task runs after the panic, on the same (single) worker.
            assert_eq!(submit(&pool, || 7).result(), Ok(7));
            assert!(!bad.is_done(), "finished, but never counted as done");
            assert_eq!(bad.result(), Err(RecvError), "and no word of why");
        });
    }
    // ANCHOR_END: s1_flaw
}
