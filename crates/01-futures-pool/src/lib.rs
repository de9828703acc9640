//! Lesson `futures-pool`: Python's `ThreadPoolExecutor` in Rust: a fixed set of worker
//! threads, a queue of jobs, and a handle per job that behaves like a `Future`.
//!
//! - [`core_count`]: how many threads this process may run at once.
//! - [`ThreadPool`]: `new(n)`, [`ThreadPool::per_core`], `submit(closure)`,
//!   `shutdown()`; dropping it waits for every queued and running task, like leaving a
//!   `with` block.
//! - [`TaskHandle`]: `is_done()`, `result()`, `result_timeout(d)`, `cancel()`.
//! - [`quiet_worker_panics`]: keeps a task's panic from printing a crash report, since
//!   the handle reports it.
//! - [`task`]: the tutorial's simulated work.
//! - [`steps`]: the task handle as the chapter grows it, step by step, each one tested.
//!
//! What the compiler refuses: a task must own what it uses and be able to move to
//! another thread, so capturing an `Rc` is a compile error (E0277), not a data race:
//!
//! ```compile_fail,E0277
#![doc = include_str!("refused_send.rs")]
//! ```
//!
//! And a pool that was shut down cannot take a task any more (E0382):
//!
//! ```compile_fail,E0382
#![doc = include_str!("refused_shutdown.rs")]
//! ```

#[cfg(test)]
mod contract;
pub mod steps;

use crossbeam_channel::{Receiver, Sender};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::any::Any;
use std::fmt;
use std::io;
use std::num::NonZero;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

// ANCHOR: core_count
/// How many threads this process can run in parallel: Python's
/// `os.process_cpu_count()`.
///
/// `available_parallelism` counts the CPUs this process may use, not the machine's: it
/// honours the affinity mask (`taskset`) and, on Linux, a cgroup CPU quota (a container
/// limited to 1.5 CPUs gets 1). When the number cannot be found we fall back to 1, as
/// `ThreadPoolExecutor` does when `cpu_count()` returns `None`.
pub fn core_count() -> usize {
    thread::available_parallelism().map_or(1, NonZero::get)
}
// ANCHOR_END: core_count

// ANCHOR: task
/// The tutorial's simulated work: `steps` steps, each sleeping a random
/// 0..=`max_sleep_ms` milliseconds, then the answer `value * 2`. The sleeps come from
/// `seed`, so a run can be repeated exactly. (Chapter 3 shows how to watch its progress
/// from outside.)
pub fn task(value: f64, steps: u32, max_sleep_ms: u64, seed: u64) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed);
    for _step in 0..steps {
        thread::sleep(Duration::from_millis(rng.random_range(0..=max_sleep_ms)));
    }
    value * 2.0
}
// ANCHOR_END: task

/// Why a pool could not be built.
#[derive(Debug)]
pub enum PoolError {
    /// `ThreadPool::new(0)`: a pool without workers would never run anything.
    NoWorkers,
    /// The operating system refused to start a worker thread.
    Spawn(io::Error),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoWorkers => {
                write!(f, "a thread pool needs at least one worker")
            }
            PoolError::Spawn(err) => {
                write!(f, "could not start a worker thread: {err}")
            }
        }
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PoolError::NoWorkers => None,
            PoolError::Spawn(err) => Some(err),
        }
    }
}

/// Why [`TaskHandle::result`] has no value for you.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task panicked; this is its message. Python re-raises the exception.
    Panicked(String),
    /// [`TaskHandle::cancel`] stopped the task before it started.
    Cancelled,
    /// [`TaskHandle::result_timeout`] ran out of time. The task is still queued or
    /// running; you may ask again.
    Timeout,
    /// An earlier `result_timeout` call already handed you the outcome.
    AlreadyTaken,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Panicked(message) => write!(f, "the task panicked: {message}"),
            TaskError::Cancelled => {
                write!(f, "the task was cancelled before it started")
            }
            TaskError::Timeout => write!(f, "the task did not finish in time"),
            TaskError::AlreadyTaken => {
                write!(f, "the task's outcome was already taken")
            }
        }
    }
}

impl std::error::Error for TaskError {}

/// What a worker runs: the submitted closure, wrapped so that it delivers its outcome.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// Worker threads are named `pool-worker-N`, which shows in panic messages and
/// debuggers, and lets [`quiet_worker_panics`] recognise them.
const WORKER_NAME: &str = "pool-worker-";

// ANCHOR: pool
/// A fixed number of worker threads taking jobs from one shared queue. Dropping the
/// pool (or [`ThreadPool::shutdown`]) waits for every queued and running job, then for
/// the workers: no worker thread outlives the pool.
pub struct ThreadPool {
    /// The sending end of the job queue; `None` once the pool is shutting down.
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    /// Queues a job: what each step's `submit` builds on.
    pub(crate) fn execute(&self, job: Job) {
        let jobs = self.jobs.as_ref().expect("open until the pool is dropped");
        jobs.send(job)
            .expect("the workers hold the other end until then");
    }
}
// ANCHOR_END: pool

// ANCHOR: pool_new
impl ThreadPool {
    /// A pool of `workers` threads. Zero workers is an error, not a pool that hangs.
    pub fn new(workers: usize) -> Result<ThreadPool, PoolError> {
        if workers == 0 {
            return Err(PoolError::NoWorkers);
        }
        let (sender, receiver) = crossbeam_channel::unbounded::<Job>();
        let mut pool = ThreadPool {
            jobs: Some(sender),
            workers: Vec::with_capacity(workers),
        };
        for n in 0..workers {
            let jobs = receiver.clone();
            let worker = thread::Builder::new()
                .name(format!("{WORKER_NAME}{n}"))
                .spawn(move || work(jobs))
                // On error `pool` is dropped here: the workers started so far stop.
                .map_err(PoolError::Spawn)?;
            pool.workers.push(worker);
        }
        Ok(pool)
    }
}
// ANCHOR_END: pool_new

// ANCHOR: pool_work
/// A worker's whole life: run jobs until the queue is closed and empty.
fn work(jobs: Receiver<Job>) {
    for job in jobs {
        // A panic in a job must not end the worker: the pool would shrink, silently.
        let _ = panic::catch_unwind(AssertUnwindSafe(job));
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // Closing the queue ends each worker's `for job in jobs` once it is empty.
        drop(self.jobs.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
// ANCHOR_END: pool_work

impl ThreadPool {
    /// A pool with one worker per core this process may use (see [`core_count`]).
    pub fn per_core() -> Result<ThreadPool, PoolError> {
        ThreadPool::new(core_count())
    }

    /// The number of worker threads.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Waits for every queued and running task, then for the workers to exit. Dropping
    /// the pool does the same; this name just says it out loud.
    pub fn shutdown(self) {
        drop(self);
    }
}

// A task's life: QUEUED -> RUNNING -> DONE, or QUEUED -> CANCELLED. Whoever moves it
// out of QUEUED first (a worker starting it, or `cancel`) wins; the atomic
// compare-exchange makes that race safe.
const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;
const CANCELLED: u8 = 3;

// ANCHOR: submit
impl ThreadPool {
    /// Python's `submit`: queues `task`, returns at once with a handle to its outcome.
    ///
    /// Step 2's `submit` with a `Slot` where it had a channel. Cost per task: two
    /// small allocations (the boxed job and the slot) and one send on the queue. An
    /// idle worker sleeps in `recv` and is woken by that send: nothing polls.
    pub fn submit<F, T>(&self, task: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = Arc::new(Slot::new());
        let job_slot = Arc::clone(&slot);
        self.execute(Box::new(move || {
            if job_slot
                .state
                .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                return; // cancelled while queued: the task never runs
            }
            // `AssertUnwindSafe` is sound: after a panic the closure is gone and we
            // keep only its message (a `Mutex` it shared is marked poisoned).
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(task)).map_err(|payload| {
                    TaskError::Panicked(panic_message(payload.as_ref()))
                });
            job_slot.fill(outcome);
        }));
        TaskHandle { slot }
    }
}
// ANCHOR_END: submit

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

/// Locks one of a slot's mutexes. No code that can panic runs while they are held, so
/// they are never poisoned; if one were, its data would still be whole, so we use it.
fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ANCHOR: slot_wait
/// How many times [`Slot::wait`] looks before it sleeps: the first 64 looks spin on the
/// CPU, the rest yield it to other threads (in case the worker shares our core).
const LOOKS: u32 = 96;

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

/// The text of a panic: `panic!("...")` carries a `&str` or a `String`; anything else
/// (from `std::panic::panic_any`) has no text we can show.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

// ANCHOR: handle
/// The caller's side of a submitted task, like Python's `Future`.
///
/// Dropping the handle does not cancel the task: it runs, and its outcome is dropped.
pub struct TaskHandle<T> {
    slot: Arc<Slot<T>>,
}

impl<T> TaskHandle<T> {
    /// True once the task has finished (returned or panicked) or was cancelled:
    /// Python's `done()`. When it is true, `result()` returns without waiting.
    pub fn is_done(&self) -> bool {
        self.slot.is_settled()
    }

    /// Cancels the task if it has not started yet; returns whether it did. A running or
    /// finished task cannot be cancelled (Rust cannot stop a thread from outside, and
    /// neither can Python).
    pub fn cancel(&self) -> bool {
        self.slot
            .state
            .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Waits for the task and returns its value, or why there is none: Python's
    /// `result()`. It takes the handle by value: the value is moved out to you.
    pub fn result(self) -> Result<T, TaskError> {
        self.slot.wait(None);
        self.slot.take()
    }

    /// Like [`TaskHandle::result`], but waits at most `timeout`: Python's
    /// `result(timeout=...)`. On [`TaskError::Timeout`] the task goes on and you may
    /// ask again; once the outcome has been returned, later calls say
    /// [`TaskError::AlreadyTaken`].
    pub fn result_timeout(&mut self, timeout: Duration) -> Result<T, TaskError> {
        if !self.slot.wait(Some(Instant::now() + timeout)) {
            return Err(TaskError::Timeout);
        }
        self.slot.take()
    }
}
// ANCHOR_END: handle

// ANCHOR: quiet
/// Stops the default panic hook from printing a crash report (and backtrace hint) for a
/// panic inside a pool task: the panic is not a crash, its message reaches the caller
/// through [`TaskError::Panicked`]. Panics on every other thread are reported as
/// before.
///
/// The panic hook is global to the process, so a program (not a library) decides to
/// call this, once, at start-up.
pub fn quiet_worker_panics() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let on_worker = thread::current()
            .name()
            .is_some_and(|name| name.starts_with(WORKER_NAME));
        if !on_worker {
            previous(info);
        }
    }));
}
// ANCHOR_END: quiet

/// Hang guards for the unit tests.
#[cfg(test)]
pub(crate) mod guard {
    use crossbeam_channel::RecvTimeoutError;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    /// A generous limit for anything that should take milliseconds: a hang guard, not a
    /// speed test.
    pub const HANG_GUARD: Duration = Duration::from_secs(10);

    /// Runs `f` on its own thread and fails the test if it has not finished within
    /// [`HANG_GUARD`], instead of letting a bug hang the test run.
    pub fn within_guard<R: Send + 'static>(
        f: impl FnOnce() -> R + Send + 'static,
    ) -> R {
        // A test that reports no progress: the stall limit is then a total limit.
        within_stall_guard(|_| f())
    }

    /// Like [`within_guard`], for a long loop whose total time grows with the machine's
    /// load: `f` counts its progress in the counter it is given, and the test fails
    /// only if that count stands still for [`HANG_GUARD`]. A hang is caught; a slow
    /// machine fails nothing.
    pub fn within_stall_guard<R: Send + 'static>(
        f: impl FnOnce(&AtomicU64) -> R + Send + 'static,
    ) -> R {
        let progress = Arc::new(AtomicU64::new(0));
        let (tx, rx) = crossbeam_channel::bounded(1);
        let counter = Arc::clone(&progress);
        std::thread::spawn(move || {
            let _ = tx.send(f(&counter));
        });
        let mut last = progress.load(Ordering::Relaxed);
        loop {
            match rx.recv_timeout(HANG_GUARD) {
                Ok(result) => return result,
                Err(RecvTimeoutError::Timeout) => {
                    let now = progress.load(Ordering::Relaxed);
                    assert_ne!(now, last, "hang guard: no progress in 10 s");
                    last = now;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the test's thread panicked")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::contract::gated;
    use super::guard::{within_guard, within_stall_guard};
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Barrier, Mutex};

    #[test]
    fn core_count_is_at_least_one() {
        assert!(core_count() >= 1);
    }

    #[test]
    fn task_doubles_its_value() {
        assert_eq!(task(4.5, 3, 0, 7), 9.0);
        assert_eq!(task(-1.25, 1, 1, 1), -2.5);
    }

    #[test]
    fn zero_workers_is_an_error() {
        let err = ThreadPool::new(0).err().expect("new(0) must fail");
        assert!(matches!(err, PoolError::NoWorkers));
        assert_eq!(err.to_string(), "a thread pool needs at least one worker");
    }

    #[test]
    fn per_core_pool_has_one_worker_per_core() {
        let pool = ThreadPool::per_core().unwrap();
        assert_eq!(pool.workers(), core_count());
    }

    #[test]
    fn drop_waits_for_running_and_queued_tasks() {
        within_guard(|| {
            let pool = ThreadPool::new(1).unwrap();
            let (_running, go) = gated(|task| pool.submit(task));
            let finished = Arc::new(AtomicUsize::new(0));
            for _ in 0..10 {
                let finished = Arc::clone(&finished);
                // The handles are dropped at once: the tasks must run anyway.
                pool.submit(move || finished.fetch_add(1, Ordering::SeqCst));
            }
            go.send(()).unwrap();
            drop(pool);
            assert_eq!(finished.load(Ordering::SeqCst), 10);
        });
    }

    #[test]
    fn no_worker_outlives_the_pool() {
        within_guard(|| {
            // Each worker keeps a clone of `alive` in a thread-local, which is dropped
            // only when that thread exits. After the pool is gone, only our own clone
            // may remain.
            use std::cell::RefCell;
            thread_local! {
                static KEEP: RefCell<Option<Arc<()>>> = const { RefCell::new(None) };
            }
            const WORKERS: usize = 3;
            let alive = Arc::new(());
            let pool = ThreadPool::new(WORKERS).unwrap();
            // The barrier holds each task until all three run at once: one per worker.
            let barrier = Arc::new(Barrier::new(WORKERS));
            let handles: Vec<_> = (0..WORKERS)
                .map(|_| {
                    let alive = Arc::clone(&alive);
                    let barrier = Arc::clone(&barrier);
                    pool.submit(move || {
                        KEEP.with(|keep| *keep.borrow_mut() = Some(alive));
                        barrier.wait();
                        thread::current().id()
                    })
                })
                .collect();
            let ids: std::collections::HashSet<_> =
                handles.into_iter().map(|h| h.result().unwrap()).collect();
            assert_eq!(ids.len(), WORKERS, "one task per worker");
            assert_eq!(Arc::strong_count(&alive), 1 + WORKERS);
            drop(pool);
            assert_eq!(
                Arc::strong_count(&alive),
                1,
                "a worker thread is still alive"
            );
        });
    }

    #[test]
    fn pool_can_be_shared_between_threads() {
        within_guard(|| {
            let pool = ThreadPool::new(2).unwrap();
            let total = Mutex::new(0);
            thread::scope(|s| {
                for t in 0..4 {
                    let (pool, total) = (&pool, &total);
                    s.spawn(move || {
                        let sum: i32 = (0..10)
                            .map(|i| pool.submit(move || t * 10 + i))
                            .map(|h| h.result().unwrap())
                            .sum();
                        *total.lock().unwrap() += sum;
                    });
                }
            });
            assert_eq!(*total.lock().unwrap(), (0..40).sum::<i32>());
        });
    }

    #[test]
    fn many_round_trips_never_lose_a_wakeup() {
        // Some results are ready before `result` looks, some while it spins, some only
        // after it has gone to sleep: a wake-up lost in any of those races
        // would hang here. The guard fails only if no round trip ends for 10 s,
        // not on the total: on a busy machine each one may wait for a core, and
        // 20 000 of them can outlast 10 s.
        // Miri interprets every instruction: there, 200 round trips, with the same mix.
        const ROUND_TRIPS: u64 = if cfg!(miri) { 200 } else { 20_000 };
        within_stall_guard(|done| {
            let pool = ThreadPool::new(2).unwrap();
            for i in 0..ROUND_TRIPS {
                let slow = i % (ROUND_TRIPS / 20) == 0;
                let handle = pool.submit(move || {
                    if slow {
                        thread::sleep(Duration::from_millis(2));
                    }
                    i * 3
                });
                assert_eq!(handle.result(), Ok(i * 3));
                done.store(i + 1, Ordering::Relaxed);
            }
        });
    }
}

/// Python's `Future` behaviour, the tests step 2 passes too (see `contract.rs`).
#[cfg(test)]
mod future_tests {
    crate::contract::future_contract!(crate::ThreadPool::submit);
}
