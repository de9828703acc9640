//! Where a task and its handle meet: the task's phase, its outcome once there is one,
//! the worker running it, and who to tell when it is settled.

use crate::TaskError;
use crate::bytes::Bytes;
use std::sync::mpsc::Sender;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// In the pool's queue: it may still be cancelled.
    Queued,
    /// Sent to a worker.
    Sent,
    /// Finished, failed or cancelled: the outcome is there (or was taken).
    Settled,
}

struct Inner {
    phase: Phase,
    outcome: Option<Result<Bytes, TaskError>>,
    /// The pid of the worker running the task now, if any.
    running_on: Option<u32>,
    /// Told this index once the task is settled (see [`crate::as_completed`]).
    notify: Option<(Sender<usize>, usize)>,
    /// Threads asleep in [`Slot::wait`]: with none, settling wakes nobody, and makes
    /// no system call.
    waiters: u32,
}

pub(crate) struct Slot {
    inner: Mutex<Inner>,
    settled: Condvar,
}

impl Slot {
    pub(crate) fn new() -> Self {
        Slot {
            inner: Mutex::new(Inner {
                phase: Phase::Queued,
                outcome: None,
                running_on: None,
                notify: None,
                waiters: 0,
            }),
            settled: Condvar::new(),
        }
    }

    /// No code that can panic runs while the lock is held, so it is never poisoned; if
    /// it were, the data would still be whole.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queued -> sent; false if the task was cancelled (or settled) meanwhile.
    pub(crate) fn mark_sent(&self) -> bool {
        let mut inner = self.lock();
        if inner.phase != Phase::Queued {
            return false;
        }
        inner.phase = Phase::Sent;
        true
    }

    /// Back in the queue: its worker died before it started it (or it is retried).
    pub(crate) fn mark_queued(&self) {
        let mut inner = self.lock();
        inner.phase = Phase::Queued;
        inner.running_on = None;
    }

    pub(crate) fn set_running_on(&self, pid: u32) {
        self.lock().running_on = Some(pid);
    }

    pub(crate) fn running_on(&self) -> Option<u32> {
        let inner = self.lock();
        inner.running_on.filter(|_| inner.phase == Phase::Sent)
    }

    // ANCHOR: settle
    /// Stores the outcome, unless the task is settled already, and wakes its waiters.
    pub(crate) fn settle(&self, outcome: Result<Bytes, TaskError>) {
        if self.settle_quietly(outcome) {
            self.wake();
        }
    }

    /// Stores the outcome like [`Slot::settle`], but leaves its waiters asleep: returns
    /// true if there are any, for the caller to [`Slot::wake`] them soon.
    pub(crate) fn settle_quietly(&self, outcome: Result<Bytes, TaskError>) -> bool {
        let mut inner = self.lock();
        if inner.phase == Phase::Settled {
            return false;
        }
        Self::settle_locked(&mut inner, outcome);
        inner.waiters > 0
    }

    /// Wakes the threads waiting for the task (see [`Slot::settle_quietly`]).
    pub(crate) fn wake(&self) {
        self.settled.notify_all();
    }
    // ANCHOR_END: settle

    fn settle_locked(inner: &mut Inner, outcome: Result<Bytes, TaskError>) {
        inner.phase = Phase::Settled;
        inner.running_on = None;
        inner.outcome = Some(outcome);
        if let Some((tell, index)) = inner.notify.take() {
            let _ = tell.send(index); // fails only if nobody listens any more
        }
    }

    /// Cancels a task still queued; returns whether it did. Under the slot's lock, so
    /// the pool cannot send it meanwhile (`mark_sent` takes the same lock).
    pub(crate) fn cancel(&self) -> bool {
        let mut inner = self.lock();
        if inner.phase != Phase::Queued {
            return false;
        }
        Self::settle_locked(&mut inner, Err(TaskError::Cancelled));
        let waiters = inner.waiters > 0;
        drop(inner);
        if waiters {
            self.wake();
        }
        true
    }

    pub(crate) fn is_settled(&self) -> bool {
        self.lock().phase == Phase::Settled
    }

    /// Sends `index` on `tell` once the task is settled (at once if it is).
    pub(crate) fn notify(&self, tell: Sender<usize>, index: usize) {
        let mut inner = self.lock();
        if inner.phase == Phase::Settled {
            let _ = tell.send(index);
        } else {
            inner.notify = Some((tell, index));
        }
    }

    /// Waits until the task is settled, or `deadline`; returns whether it is.
    pub(crate) fn wait(&self, deadline: Option<Instant>) -> bool {
        let mut inner = self.lock();
        while inner.phase != Phase::Settled {
            let now = Instant::now();
            if deadline.is_some_and(|deadline| now >= deadline) {
                return false;
            }
            inner.waiters += 1; // so that settling wakes us
            inner = match deadline {
                None => self
                    .settled
                    .wait(inner)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let (inner, _) = (self.settled)
                        .wait_timeout(inner, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner);
                    inner
                }
            };
            inner.waiters -= 1;
        }
        true
    }

    /// Takes the outcome of a settled task.
    pub(crate) fn take(&self) -> Result<Bytes, TaskError> {
        self.lock()
            .outcome
            .take()
            .unwrap_or(Err(TaskError::AlreadyTaken))
    }
}
