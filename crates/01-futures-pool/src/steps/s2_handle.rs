//! Step 2: a handle that does what Python's `Future` does. A panic comes back as
//! [`TaskError::Panicked`] with its message, `result_timeout` gives up after a while,
//! `cancel` stops a task that has not started. The outcome still travels through a
//! channel per task; [`super::s3_slot`] replaces that channel with a slot.

use crate::{CANCELLED, DONE, QUEUED, RUNNING, TaskError, ThreadPool, panic_message};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

// ANCHOR: s2_submit
/// Queues `task` on `pool` and returns at once with its handle.
pub fn submit<F, T>(pool: &ThreadPool, task: F) -> TaskHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (sender, receiver) = crossbeam_channel::bounded(1);
    let state = Arc::new(AtomicU8::new(QUEUED));
    let job_state = Arc::clone(&state);
    pool.execute(Box::new(move || {
        // Whoever moves the task out of QUEUED first, this worker or `cancel`, wins.
        if job_state
            .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return; // cancelled while queued: the task never runs
        }
        // The panic stops here and becomes a value, with its message.
        let outcome = panic::catch_unwind(AssertUnwindSafe(task))
            .map_err(|payload| TaskError::Panicked(panic_message(payload.as_ref())));
        job_state.store(DONE, Ordering::Release);
        let _ = sender.send(outcome); // an error means the handle was dropped
    }));
    TaskHandle { state, receiver }
}
// ANCHOR_END: s2_submit

// ANCHOR: s2_handle
/// The caller's side of a submitted task, like Python's `Future`.
pub struct TaskHandle<T> {
    state: Arc<AtomicU8>,
    receiver: Receiver<Result<T, TaskError>>,
}

impl<T> TaskHandle<T> {
    /// Python's `done()`: the task returned, panicked, or was cancelled.
    pub fn is_done(&self) -> bool {
        matches!(self.state.load(Ordering::Acquire), DONE | CANCELLED)
    }

    /// Python's `cancel()`: succeeds only while the task waits in the queue.
    pub fn cancel(&self) -> bool {
        self.state
            .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Python's `result()`: the value, or why there is none.
    pub fn result(self) -> Result<T, TaskError> {
        if self.state.load(Ordering::Acquire) == CANCELLED {
            return Err(TaskError::Cancelled); // at once: the job may still be queued
        }
        self.receiver.recv().unwrap_or(Err(TaskError::AlreadyTaken))
    }
}
// ANCHOR_END: s2_handle

// ANCHOR: s2_timeout
impl<T> TaskHandle<T> {
    /// Python's `result(timeout=...)`: on `Timeout` the task goes on; ask again later.
    pub fn result_timeout(&mut self, timeout: Duration) -> Result<T, TaskError> {
        if self.state.load(Ordering::Acquire) == CANCELLED {
            return Err(TaskError::Cancelled);
        }
        match self.receiver.recv_timeout(timeout) {
            Ok(outcome) => outcome,
            Err(RecvTimeoutError::Timeout) => Err(TaskError::Timeout),
            // The sender is gone and the channel empty: we took the outcome before.
            Err(RecvTimeoutError::Disconnected) => Err(TaskError::AlreadyTaken),
        }
    }
}
// ANCHOR_END: s2_timeout

#[cfg(test)]
mod tests {
    // The tests of Python's `Future` behaviour: step 3 and the final `TaskHandle` (step
    // 4) pass the very same ones.
    crate::contract::future_contract!(super::submit);
}
