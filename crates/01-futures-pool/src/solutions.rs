//! The chapter's exercises, solved. Each one is built only from the pool's public API.

use crate::{PoolError, TaskError, TaskHandle, ThreadPool, panic_message};
use crossbeam_channel::{Receiver, Sender, TrySendError};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

// ANCHOR: map
/// Exercise 1, Python's `executor.map(f, items)`: runs `f` on every item in the pool
/// and yields the outcomes in the order of `items`, whatever order they finish in.
///
/// Like Python, it submits every item before it yields anything, so all of them run
/// even if you stop reading early.
pub fn map<I, F, T, U>(
    pool: &ThreadPool,
    f: F,
    items: I,
) -> impl Iterator<Item = Result<U, TaskError>> + use<I, F, T, U>
where
    I: IntoIterator<Item = T>,
    F: Fn(T) -> U + Send + Sync + 'static,
    T: Send + 'static,
    U: Send + 'static,
{
    // One `f` shared by every task: an `Arc` clone per task, not a copy of `f`.
    let f = Arc::new(f);
    let handles: Vec<TaskHandle<U>> = items
        .into_iter()
        .map(|item| {
            let f = Arc::clone(&f);
            pool.submit(move || f(item))
        })
        .collect();
    // Waiting on each handle in turn gives submission order.
    handles.into_iter().map(TaskHandle::result)
}
// ANCHOR_END: map

// ANCHOR: as_completed
/// Exercise 2, Python's `as_completed`: runs every task in the pool and returns a
/// channel that yields `(index, outcome)` as each task finishes, the fastest first.
/// Iterating the receiver ends after the last task.
pub fn as_completed<I, F, T>(
    pool: &ThreadPool,
    tasks: I,
) -> Receiver<(usize, Result<T, TaskError>)>
where
    I: IntoIterator<Item = F>,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    for (index, task) in tasks.into_iter().enumerate() {
        let done_tx = done_tx.clone();
        // The handle is not needed: the outcome travels through our channel instead.
        pool.submit(move || {
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(task)).map_err(|payload| {
                    TaskError::Panicked(panic_message(payload.as_ref()))
                });
            let _ = done_tx.send((index, outcome));
        });
    }
    // Only the tasks hold senders now, so the channel closes when the last one is done.
    done_rx
}
// ANCHOR_END: as_completed

// ANCHOR: bounded
/// Exercise 3: a pool that applies backpressure. At most `queue` tasks wait beyond
/// those running; when that many are in flight, [`BoundedPool::submit`] blocks until
/// one finishes, so a fast producer cannot pile up unbounded work (and memory) in the
/// queue.
pub struct BoundedPool {
    pool: ThreadPool,
    /// A channel used as a counting semaphore: one message per task in flight.
    permits: Sender<()>,
    returns: Receiver<()>,
}

/// Held by a task while it is in flight; dropping it (the task ended, panicked, or was
/// cancelled and discarded) frees the place.
struct Permit(Receiver<()>);

impl Drop for Permit {
    fn drop(&mut self) {
        let _ = self.0.try_recv();
    }
}
// ANCHOR_END: bounded

// ANCHOR: bounded_impl

impl BoundedPool {
    /// `workers` threads and room for `queue` waiting tasks (`queue` may be 0: then a
    /// submit waits for a free worker).
    pub fn new(workers: usize, queue: usize) -> Result<BoundedPool, PoolError> {
        let pool = ThreadPool::new(workers)?;
        let (permits, returns) = crossbeam_channel::bounded(workers + queue);
        Ok(BoundedPool {
            pool,
            permits,
            returns,
        })
    }

    /// Submits `task`, first waiting for a place if the pool is full.
    pub fn submit<F, T>(&self, task: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.permits
            .send(())
            .expect("we hold the receiving end ourselves");
        self.submit_with_permit(task)
    }

    /// Submits `task` if there is room now; otherwise gives it back.
    pub fn try_submit<F, T>(&self, task: F) -> Result<TaskHandle<T>, F>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match self.permits.try_send(()) {
            Ok(()) => Ok(self.submit_with_permit(task)),
            Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {
                Err(task)
            }
        }
    }

    fn submit_with_permit<F, T>(&self, task: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = Permit(self.returns.clone());
        self.pool.submit(move || {
            let _permit = permit; // dropped when the task returns or unwinds
            task()
        })
    }
}
// ANCHOR_END: bounded_impl

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::{HANG_GUARD, within_guard};
    use crossbeam_channel::bounded;
    use std::time::Duration;

    #[test]
    fn map_keeps_submission_order() {
        within_guard(|| {
            let pool = ThreadPool::new(3).unwrap();
            // The first items are the slowest, so they finish last; the order stays.
            let results: Vec<_> = map(
                &pool,
                |ms: u64| {
                    std::thread::sleep(Duration::from_millis(ms));
                    ms * 10
                },
                [6, 4, 2, 0, 1],
            )
            .collect();
            assert_eq!(results, vec![Ok(60), Ok(40), Ok(20), Ok(0), Ok(10)]);
        });
    }

    #[test]
    fn map_reports_a_panicking_item() {
        within_guard(|| {
            let pool = ThreadPool::new(2).unwrap();
            let results: Vec<_> = map(
                &pool,
                |n: i32| {
                    assert!(n != 2, "two is not allowed");
                    n
                },
                1..=3,
            )
            .collect();
            assert_eq!(results[0], Ok(1));
            assert_eq!(
                results[1],
                Err(TaskError::Panicked("two is not allowed".into()))
            );
            assert_eq!(results[2], Ok(3));
        });
    }

    #[test]
    fn as_completed_yields_the_fastest_first() {
        within_guard(|| {
            let pool = ThreadPool::new(2).unwrap();
            let (go_tx, go_rx) = bounded::<()>(1);
            let slow = move || {
                go_rx.recv().unwrap(); // waits until we have seen the fast one
                "slow"
            };
            let fast = || "fast";
            let tasks: Vec<Box<dyn FnOnce() -> &'static str + Send>> =
                vec![Box::new(slow), Box::new(fast)];
            let done = as_completed(&pool, tasks);
            assert_eq!(done.recv_timeout(HANG_GUARD), Ok((1, Ok("fast"))));
            go_tx.send(()).unwrap();
            assert_eq!(done.recv_timeout(HANG_GUARD), Ok((0, Ok("slow"))));
            // Every task has reported: the channel is closed (the pool may still be
            // tidying up).
            assert!(done.recv_timeout(HANG_GUARD).is_err());
        });
    }

    #[test]
    fn as_completed_reports_panics() {
        within_guard(|| {
            let pool = ThreadPool::new(1).unwrap();
            let tasks = (0..3).map(|i| {
                move || {
                    assert!(i != 1, "task {i} failed");
                    i
                }
            });
            let mut outcomes: Vec<_> = as_completed(&pool, tasks).iter().collect();
            outcomes.sort_by_key(|(index, _)| *index);
            assert_eq!(
                outcomes,
                vec![
                    (0, Ok(0)),
                    (1, Err(TaskError::Panicked("task 1 failed".into()))),
                    (2, Ok(2)),
                ]
            );
        });
    }

    #[test]
    fn bounded_pool_refuses_when_full_then_accepts() {
        within_guard(|| {
            // One worker and one place in the queue: two tasks in flight at most.
            let pool = BoundedPool::new(1, 1).unwrap();
            let (started_tx, started_rx) = bounded(1);
            let (go_tx, go_rx) = bounded::<()>(1);
            let running = pool.submit(move || {
                started_tx.send(()).unwrap();
                go_rx.recv().unwrap();
                1
            });
            started_rx.recv_timeout(HANG_GUARD).unwrap();
            let queued = pool.submit(|| 2);
            assert!(pool.try_submit(|| 3).is_err(), "the pool is full");
            go_tx.send(()).unwrap();
            assert_eq!(running.result(), Ok(1));
            assert_eq!(queued.result(), Ok(2));
            // A blocking submit waits for a place; places free up as tasks end, panics
            // included.
            let failing = pool.submit(|| -> i32 { panic!("no place is lost") });
            assert!(failing.result().is_err());
            let results: Vec<_> = (0..10).map(|i| pool.submit(move || i)).collect();
            let results: Vec<_> =
                results.into_iter().map(|h| h.result().unwrap()).collect();
            assert_eq!(results, (0..10).collect::<Vec<_>>());
        });
    }

    #[test]
    fn bounded_pool_frees_the_place_of_a_cancelled_task() {
        within_guard(|| {
            let pool = BoundedPool::new(1, 1).unwrap();
            let (started_tx, started_rx) = bounded(1);
            let (go_tx, go_rx) = bounded::<()>(1);
            let running = pool.submit(move || {
                started_tx.send(()).unwrap();
                go_rx.recv().unwrap();
            });
            started_rx.recv_timeout(HANG_GUARD).unwrap();
            let queued = pool.submit(|| ());
            assert!(queued.cancel());
            go_tx.send(()).unwrap();
            running.result().unwrap();
            // Both places come back: the worker drops the cancelled job and its permit.
            let a = pool.submit(|| 'a');
            let b = pool.submit(|| 'b');
            assert_eq!((a.result(), b.result()), (Ok('a'), Ok('b')));
        });
    }

    #[test]
    fn bounded_pool_rejects_zero_workers() {
        within_guard(|| {
            assert!(matches!(
                BoundedPool::new(0, 4).err(),
                Some(PoolError::NoWorkers)
            ));
        });
    }
}
