//! Step 3: step 2's handle with a slot instead of a channel. The state, the outcome
//! behind a mutex, and the thread waiting for it, if any: for exactly one value, that
//! is all a future needs, and it is far cheaper than creating a channel per task.
//!
//! Cost per task: two small allocations (the boxed job and the slot) and one send on
//! the queue, then three mutex round trips (store the outcome, look for a waiter, take
//! the outcome). The lesson's final [`crate::TaskHandle`] (step 4) removes one
//! allocation and every mutex from that path.

use crate::{CANCELLED, DONE, QUEUED, RUNNING, TaskError, ThreadPool, panic_message};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

// ANCHOR: s3_submit
/// Queues `task` on `pool` and returns at once with its handle: step 2's `submit` with
/// `job_slot.fill(outcome)` where step 2 sent on a channel.
pub fn submit<F, T>(pool: &ThreadPool, task: F) -> TaskHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new(Slot::new());
    let job_slot = Arc::clone(&slot);
    pool.execute(Box::new(move || {
        if job_slot
            .state
            .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return; // cancelled while queued: the task never runs
        }
        // `AssertUnwindSafe` is sound: after a panic the closure is gone and we keep
        // only its message (a `Mutex` it shared is marked poisoned).
        let outcome = panic::catch_unwind(AssertUnwindSafe(task))
            .map_err(|payload| TaskError::Panicked(panic_message(payload.as_ref())));
        job_slot.fill(outcome);
    }));
    TaskHandle { slot }
}
// ANCHOR_END: s3_submit

// ANCHOR: slot
/// Where a task and its handle meet: the task's state, its outcome once there is one,
/// and the thread waiting for it, if any. The worker fills it; the handle takes it.
struct Slot<T> {
    state: AtomicU8,
    outcome: Mutex<Option<Result<T, TaskError>>>,
    waiter: Mutex<Option<Thread>>,
}

impl<T> Slot<T> {
    /// True once the task has finished or was cancelled: nothing more will happen.
    fn is_settled(&self) -> bool {
        matches!(self.state.load(Ordering::Acquire), DONE | CANCELLED)
    }

    /// The worker's side: store the outcome, mark the task done, wake any waiter.
    fn fill(&self, outcome: Result<T, TaskError>) {
        *lock(&self.outcome) = Some(outcome);
        self.state.store(DONE, Ordering::Release);
        if let Some(waiter) = lock(&self.waiter).take() {
            waiter.unpark();
        }
    }
}
// ANCHOR_END: slot

impl<T> Slot<T> {
    fn new() -> Self {
        Slot {
            state: AtomicU8::new(QUEUED),
            outcome: Mutex::new(None),
            waiter: Mutex::new(None),
        }
    }

    /// Takes the outcome out of a settled slot.
    fn take(&self) -> Result<T, TaskError> {
        if self.state.load(Ordering::Acquire) == CANCELLED {
            return Err(TaskError::Cancelled);
        }
        lock(&self.outcome)
            .take()
            .unwrap_or(Err(TaskError::AlreadyTaken))
    }
}

/// Locks one of the slot's mutexes. No code that can panic runs while they are held, so
/// they are never poisoned; if one were, its data would still be whole, so we use it.
fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ANCHOR: slot_wait
/// How many times [`Slot::wait`] looks before it sleeps: the first 64 looks spin on the
/// CPU, the rest yield it to other threads (in case the worker shares our core).
pub(crate) const LOOKS: u32 = 96;

impl<T> Slot<T> {
    /// Waits until the task is settled, or until `deadline`; returns whether it is.
    /// Like the channels of `std` and crossbeam, it looks a few times before it sleeps.
    fn wait(&self, deadline: Option<Instant>) -> bool {
        for look in 0..LOOKS {
            if self.is_settled() {
                return true;
            }
            if look < 64 {
                std::hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
        loop {
            // Register first, then look again: a `fill` that ran before we registered
            // is seen by this look, one that runs after finds us and unparks us.
            *lock(&self.waiter) = Some(thread::current());
            if self.is_settled() {
                return true;
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    thread::park_timeout(deadline - now);
                }
            }
            // `park` may also return without an `unpark`: the loop looks again.
        }
    }
}
// ANCHOR_END: slot_wait

// ANCHOR: s3_handle
/// The caller's side of a submitted task, like Python's `Future`: step 2's methods, on
/// a slot.
pub struct TaskHandle<T> {
    slot: Arc<Slot<T>>,
}

impl<T> TaskHandle<T> {
    /// Python's `done()`: the task returned, panicked, or was cancelled.
    pub fn is_done(&self) -> bool {
        self.slot.is_settled()
    }

    /// Python's `cancel()`: succeeds only while the task waits in the queue.
    pub fn cancel(&self) -> bool {
        self.slot
            .state
            .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Python's `result()`: the value, or why there is none.
    pub fn result(self) -> Result<T, TaskError> {
        self.slot.wait(None);
        self.slot.take()
    }

    /// Python's `result(timeout=...)`: on `Timeout` the task goes on; ask again later.
    pub fn result_timeout(&mut self, timeout: Duration) -> Result<T, TaskError> {
        if !self.slot.wait(Some(Instant::now() + timeout)) {
            return Err(TaskError::Timeout);
        }
        self.slot.take()
    }
}
// ANCHOR_END: s3_handle

#[cfg(test)]
mod tests {
    // The tests of Python's `Future` behaviour, and the wake-up test: step 2 and the
    // final `TaskHandle` (step 4) pass the very same ones.
    crate::contract::future_contract!(super::submit);
}
