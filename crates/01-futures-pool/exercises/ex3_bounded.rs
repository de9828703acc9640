// Exercise: replace each `todo!()` with your code, then run
// `just exercise futures-pool 3` (`just hint futures-pool 3` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 3: backpressure. `submit` never blocks, so a fast producer can queue
//! millions of tasks. Build a `BoundedPool` whose `submit` waits while `workers + queue`
//! tasks are in flight, and a `try_submit` that hands the task back instead. A task that
//! panics or is cancelled must free its place.

use crossbeam_channel::{Receiver, Sender};
use futures_pool::{PoolError, TaskHandle, ThreadPool};

// ANCHOR: bounded
/// A pool with room for `workers + queue` tasks in flight.
pub struct BoundedPool {
    // TODO: what else does the pool need to count the tasks in flight? (A bounded
    // channel of `()` makes a counting semaphore.)
    pool: ThreadPool,
}

// ANCHOR_END: bounded

// ANCHOR: bounded_impl
impl BoundedPool {
    /// `workers` threads, and room for `queue` tasks waiting beyond them.
    pub fn new(workers: usize, queue: usize) -> Result<BoundedPool, PoolError> {
        todo!()
    }

    /// Submits `task`, first waiting for a place if the pool is full.
    pub fn submit<T: Send + 'static>(
        &self,
        task: impl FnOnce() -> T + Send + 'static,
    ) -> TaskHandle<T> {
        todo!()
    }

    /// Submits `task` if there is room now; otherwise gives it back.
    pub fn try_submit<T, F>(&self, task: F) -> Result<TaskHandle<T>, F>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        todo!()
    }
}
// ANCHOR_END: bounded_impl

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    /// Submits a task that holds its worker until `go` is sent; returns once it runs.
    fn blocker(pool: &BoundedPool) -> (TaskHandle<i32>, Sender<()>) {
        let (started_tx, started_rx) = crossbeam_channel::bounded(1);
        let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(1);
        let running = pool.submit(move || {
            started_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            1
        });
        started_rx
            .recv_timeout(HANG_GUARD)
            .expect("the task starts");
        (running, go_tx)
    }

    #[test]
    fn a_full_pool_refuses_then_accepts() {
        // One worker and one place in the queue: two tasks in flight at most.
        let pool = BoundedPool::new(1, 1).unwrap();
        let (running, go) = blocker(&pool);
        let queued = pool.submit(|| 2);
        assert!(pool.try_submit(|| 3).is_err(), "the pool is full");
        go.send(()).unwrap();
        assert_eq!(running.result(), Ok(1));
        assert_eq!(queued.result(), Ok(2));
        let results: Vec<_> = (0..10).map(|i| pool.submit(move || i)).collect();
        let results: Vec<_> =
            results.into_iter().map(|h| h.result().unwrap()).collect();
        assert_eq!(results, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_panicking_task_frees_its_place() {
        let pool = BoundedPool::new(1, 0).unwrap();
        let failing = pool.submit(|| -> i32 { panic!("no place is lost") });
        assert!(failing.result().is_err());
        assert!(pool.try_submit(|| 1).is_ok(), "the place came back");
    }

    #[test]
    fn a_cancelled_task_frees_its_place() {
        let pool = BoundedPool::new(1, 1).unwrap();
        let (running, go) = blocker(&pool);
        let queued = pool.submit(|| 2);
        assert!(queued.cancel());
        go.send(()).unwrap();
        running.result().unwrap();
        // Both places come back: the worker drops the cancelled job and its permit.
        let a = pool.submit(|| 'a');
        let b = pool.submit(|| 'b');
        assert_eq!((a.result(), b.result()), (Ok('a'), Ok('b')));
    }

    #[test]
    fn zero_workers_is_an_error() {
        assert!(matches!(
            BoundedPool::new(0, 4).err(),
            Some(PoolError::NoWorkers)
        ));
    }
}
