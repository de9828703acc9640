//! Lesson `futures-pool`: Python's `ThreadPoolExecutor` in Rust: a fixed set of worker
//! threads, a queue of jobs, and a handle per job that behaves like a `Future`.
//!
//! - [`core_count`]: how many threads this process may run at once.
//! - [`ThreadPool`]: `new(n)`, [`ThreadPool::per_core`], `submit(closure)`,
//!   `map(f, items, chunk_size)`, `shutdown()`; dropping it waits for every queued and
//!   running task, like leaving a `with` block.
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
use std::cell::UnsafeCell;
use std::fmt;
use std::io;
use std::iter;
use std::mem;
use std::num::NonZero;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};
use steps::s3_slot::LOOKS;

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

// ANCHOR: job
/// What a worker runs.
pub(crate) enum Job {
    /// A closure that delivers its task's outcome itself: steps 1 to 3 box one per
    /// task.
    Closure(Box<dyn FnOnce() + Send + 'static>),
    /// A task that holds its closure and its outcome in one allocation: step 4.
    Task(Arc<dyn Run>),
}

impl Job {
    fn run(self) {
        match self {
            Job::Closure(job) => job(),
            Job::Task(task) => task.run(),
        }
    }
}
// ANCHOR_END: job

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
    fn queue(&self, job: Job) {
        let jobs = self.jobs.as_ref().expect("open until the pool is dropped");
        jobs.send(job)
            .expect("the workers hold the other end until then");
    }

    /// Queues a closure: steps 1 to 3.
    pub(crate) fn execute(&self, job: Box<dyn FnOnce() + Send + 'static>) {
        self.queue(Job::Closure(job));
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
        let _ = panic::catch_unwind(AssertUnwindSafe(|| job.run()));
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
    /// Step 4: the closure and its outcome share one allocation, a `Task` that the
    /// queue carries to a worker (as a `Run`) and the handle keeps (as an `Outcome`).
    /// An idle worker sleeps in `recv` and is woken by the send: nothing polls.
    pub fn submit<F, T>(&self, task: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let shared = Arc::new(Task {
            signal: Signal::new(),
            stage: UnsafeCell::new(Stage::Queued(task)),
        });
        self.queue(Job::Task(Arc::clone(&shared) as Arc<dyn Run>));
        TaskHandle { task: shared }
    }
}
// ANCHOR_END: submit

// ANCHOR: fast_task
/// Step 4's task: step 3's boxed closure and slot in one allocation, and no mutex.
/// `stage` is guarded by the phase in `signal`: the worker that moved the task to
/// RUNNING is the only thread that touches it until it stores DONE, and after that,
/// only the handle does.
struct Task<F, T> {
    signal: Signal,
    stage: UnsafeCell<Stage<F, T>>,
}

/// What a task holds: its closure until a worker takes it, then its outcome until the
/// handle takes it.
enum Stage<F, T> {
    Queued(F),
    Finished(Result<T, TaskError>),
    Empty,
}

// SAFETY: `stage` is the only part of a task that is not `Sync`, and one thread at a
// time uses it, handed over by the phase (see `run` and `take`), as a `Mutex` hands
// over its value. So, as for a `Mutex`, the closure and the outcome need only be able
// to move to another thread (`Send`).
unsafe impl<F: Send, T: Send> Sync for Task<F, T> {}
// ANCHOR_END: fast_task

// ANCHOR: fast_run
/// The worker's view of a task, whatever it returns.
pub(crate) trait Run: Send + Sync {
    /// Runs the closure, unless the task was cancelled, and stores its outcome.
    fn run(&self);
}

impl<F, T> Run for Task<F, T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    fn run(&self) {
        if !self.signal.start() {
            return; // cancelled while queued: the task never runs
        }
        // SAFETY: `start` moved the phase from QUEUED to RUNNING, which happens once.
        // From now until `finish`, no other thread touches `stage`: the handle waits
        // for DONE, and `cancel` fails once the task is RUNNING.
        let stage = unsafe { &mut *self.stage.get() };
        let Stage::Queued(task) = mem::replace(stage, Stage::Empty) else {
            unreachable!("a task starts once, with its closure in place");
        };
        // `AssertUnwindSafe` is sound: after a panic the closure is gone and we keep
        // only its message (a `Mutex` it shared is marked poisoned).
        let outcome = panic::catch_unwind(AssertUnwindSafe(task))
            .map_err(|payload| TaskError::Panicked(panic_message(payload.as_ref())));
        *stage = Stage::Finished(outcome);
        self.signal.finish(); // hands `stage` over to the handle
    }
}
// ANCHOR_END: fast_run

/// The handle's view of a task, whatever its closure's type.
trait Outcome<T>: Send + Sync {
    fn signal(&self) -> &Signal;

    /// Moves the outcome out of the task.
    ///
    /// # Safety
    /// The task must be DONE (the worker has finished with it), and the caller must be
    /// the task's handle, borrowed mutably: no other `take` runs at the same time.
    unsafe fn take(&self) -> Result<T, TaskError>;
}

impl<F: Send, T: Send> Outcome<T> for Task<F, T> {
    fn signal(&self) -> &Signal {
        &self.signal
    }

    unsafe fn take(&self) -> Result<T, TaskError> {
        // SAFETY: the caller promises DONE, which `finish` stored after the worker's
        // last use of `stage`, and that this is the only `take` at this moment.
        let stage = unsafe { &mut *self.stage.get() };
        match mem::replace(stage, Stage::Empty) {
            Stage::Finished(outcome) => outcome,
            Stage::Queued(_) | Stage::Empty => Err(TaskError::AlreadyTaken),
        }
    }
}

// ANCHOR: signal
/// How a worker tells a handle "done" without a mutex: one atomic byte holds the
/// task's phase (QUEUED, RUNNING, DONE, CANCELLED) and a WAITING bit, which says that
/// a handle sleeps and has put its thread in `waiter`, and guards `waiter`.
struct Signal {
    state: AtomicU8,
    waiter: UnsafeCell<Option<Thread>>,
}

impl Signal {
    /// The worker's side, once the outcome is stored: RUNNING -> DONE, which clears
    /// the WAITING bit in the same step; if it was set, wake the sleeping handle.
    fn finish(&self) {
        let before = self.state.swap(DONE, Ordering::AcqRel);
        if before & WAITING != 0 {
            // SAFETY: the handle stored its thread in `waiter` before it set WAITING,
            // and writes `waiter` again only after clearing WAITING itself, which our
            // swap has just done instead: from now on, only we read it.
            if let Some(waiter) = unsafe { &*self.waiter.get() } {
                waiter.unpark();
            }
        }
    }
}
// ANCHOR_END: signal

// ANCHOR: signal_start
/// Set in `state` while a handle sleeps: its thread is in `waiter`.
const WAITING: u8 = 4;
/// The bits of `state` that hold the phase.
const PHASE: u8 = 3;

// SAFETY: `waiter` is the only part that is not `Sync`, and one thread at a time uses
// it, handed over by the WAITING bit (see `finish` and `wait`). A `Thread` is `Send`.
unsafe impl Sync for Signal {}

impl Signal {
    fn new() -> Self {
        Signal {
            state: AtomicU8::new(QUEUED),
            waiter: UnsafeCell::new(None),
        }
    }

    /// The phase, without the WAITING bit.
    fn phase(&self) -> u8 {
        self.state.load(Ordering::Acquire) & PHASE
    }

    /// The worker's side: QUEUED -> RUNNING, keeping the WAITING bit (a handle may
    /// sleep on a queued task); false if the task was cancelled.
    fn start(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        while state & PHASE == QUEUED {
            let running = state & WAITING | RUNNING;
            match (self.state).compare_exchange_weak(
                state,
                running,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    /// The handle's side: QUEUED -> CANCELLED; false if the task has started.
    fn cancel(&self) -> bool {
        // No handle sleeps while its owner cancels (`wait` borrows the handle
        // mutably and clears WAITING before it returns): QUEUED is the whole state.
        (self.state)
            .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}
// ANCHOR_END: signal_start

// ANCHOR: signal_wait
impl Signal {
    /// Waits until the task is settled, or until `deadline`; returns whether it is.
    /// Step 3's `wait`, with the WAITING bit where step 3 locked `waiter`.
    ///
    /// # Safety
    /// The caller must be the task's handle, borrowed mutably: no other `wait` runs at
    /// the same time (`waiter` has room for one sleeping thread).
    unsafe fn wait(&self, deadline: Option<Instant>) -> bool {
        let settled = |state: u8| matches!(state & PHASE, DONE | CANCELLED);
        for look in 0..LOOKS {
            if settled(self.state.load(Ordering::Acquire)) {
                return true;
            }
            if look < 64 {
                std::hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
        loop {
            // SAFETY: WAITING is clear (on entry, and we clear it below before coming
            // round again), so `finish` will not read `waiter`; and the caller
            // promises that no other `wait` runs.
            unsafe { *self.waiter.get() = Some(thread::current()) };
            // Set WAITING, then sleep; a task already settled needs no wake-up.
            if settled(self.state.fetch_or(WAITING, Ordering::AcqRel)) {
                return true;
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => {
                    thread::park_timeout(
                        deadline.saturating_duration_since(Instant::now()),
                    );
                }
            }
            // `park` may also return without an `unpark`. Clear WAITING: if the task
            // is still going, `waiter` is ours again; if not, `finish` cleared it.
            if settled(self.state.fetch_and(!WAITING, Ordering::AcqRel)) {
                return true;
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return false;
            }
        }
    }
}
// ANCHOR_END: signal_wait

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
    task: Arc<dyn Outcome<T>>,
}

impl<T> TaskHandle<T> {
    /// True once the task has finished (returned or panicked) or was cancelled:
    /// Python's `done()`. When it is true, `result()` returns without waiting.
    pub fn is_done(&self) -> bool {
        matches!(self.task.signal().phase(), DONE | CANCELLED)
    }

    /// Cancels the task if it has not started yet; returns whether it did. A running or
    /// finished task cannot be cancelled (Rust cannot stop a thread from outside, and
    /// neither can Python).
    pub fn cancel(&self) -> bool {
        self.task.signal().cancel()
    }

    /// Waits for the task and returns its value, or why there is none: Python's
    /// `result()`. It takes the handle by value: the value is moved out to you.
    pub fn result(mut self) -> Result<T, TaskError> {
        self.wait(None);
        self.take()
    }

    /// Like [`TaskHandle::result`], but waits at most `timeout`: Python's
    /// `result(timeout=...)`. On [`TaskError::Timeout`] the task goes on and you may
    /// ask again; once the outcome has been returned, later calls say
    /// [`TaskError::AlreadyTaken`].
    pub fn result_timeout(&mut self, timeout: Duration) -> Result<T, TaskError> {
        if !self.wait(Some(Instant::now() + timeout)) {
            return Err(TaskError::Timeout);
        }
        self.take()
    }

    /// Waits until the task is settled, or until `deadline`; returns whether it is.
    fn wait(&mut self, deadline: Option<Instant>) -> bool {
        // SAFETY: `&mut self` borrows the task's only handle: no other `wait` runs.
        unsafe { self.task.signal().wait(deadline) }
    }

    /// Takes the outcome out of a settled task.
    fn take(&mut self) -> Result<T, TaskError> {
        if self.task.signal().phase() == CANCELLED {
            return Err(TaskError::Cancelled);
        }
        // SAFETY: the task is settled and was not cancelled, so it is DONE; and
        // `&mut self` borrows the task's only handle, so no other `take` runs.
        unsafe { self.task.take() }
    }
}
// ANCHOR_END: handle

// ANCHOR: map
impl ThreadPool {
    /// Python's `executor.map(f, items, chunksize=chunk_size)`: a task per chunk, all
    /// queued at once; outcomes in item order. A `chunk_size` of 0 panics.
    pub fn map<I, F, T>(
        &self,
        f: F,
        items: I,
        chunk_size: usize,
    ) -> impl Iterator<Item = Result<T, TaskError>> + use<I, F, T>
    where
        I: IntoIterator<Item: Send + 'static>,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        assert!(chunk_size > 0, "map: chunk_size must be at least 1");
        let (f, mut items, mut chunks) = (Arc::new(f), items.into_iter(), Vec::new());
        loop {
            let chunk: Vec<I::Item> = items.by_ref().take(chunk_size).collect();
            if chunk.is_empty() {
                break;
            }
            let (f, len) = (Arc::clone(&f), chunk.len());
            chunks.push((len, self.submit(move || run_chunk(&*f, chunk))));
        }
        // A chunk catches each item's panic, so it cannot fail; if it did, each item
        // would say why.
        chunks.into_iter().flat_map(move |(len, chunk)| {
            chunk
                .result()
                .unwrap_or_else(|err| iter::repeat_n(err, len).map(Err).collect())
        })
    }
}
// ANCHOR_END: map

// ANCHOR: run_chunk
/// A chunk's task: its items in turn, each item's panic its own outcome.
fn run_chunk<A, T>(f: &impl Fn(A) -> T, chunk: Vec<A>) -> Vec<Result<T, TaskError>> {
    let run_one = |item| {
        panic::catch_unwind(AssertUnwindSafe(|| f(item)))
            .map_err(|payload| TaskError::Panicked(panic_message(payload.as_ref())))
    };
    chunk.into_iter().map(run_one).collect()
}
// ANCHOR_END: run_chunk

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
    use super::guard::within_guard;
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
    fn map_keeps_the_order_of_the_items() {
        within_guard(|| {
            let pool = ThreadPool::new(2).unwrap();
            // Item 0 waits until item 1 has run: the later item finishes first.
            let (done, first_done) = crossbeam_channel::bounded(1);
            let later_first = move |i: u32| {
                if i == 0 {
                    first_done.recv().unwrap();
                } else {
                    done.send(()).unwrap();
                }
                i * 10
            };
            let outcomes: Vec<_> = pool.map(later_first, [0, 1], 1).collect();
            assert_eq!(outcomes, [Ok(0), Ok(10)]);
        });
    }

    #[test]
    fn map_runs_a_chunk_in_turn_on_one_worker() {
        within_guard(|| {
            let pool = ThreadPool::new(2).unwrap();
            // Items 0 and 2 wait for each other. In chunks of two, the chunks [0, 1]
            // and [2, 3] run at once, each on one worker. With a task per item, item 1
            // would run on the other worker while item 0 waits for item 2.
            let meet = Barrier::new(2);
            let where_it_ran = move |i: u32| {
                if i == 0 || i == 2 {
                    meet.wait();
                }
                thread::current().id()
            };
            let ids: Vec<_> = pool
                .map(where_it_ran, 0..4, 2)
                .map(Result::unwrap)
                .collect();
            assert_eq!(ids[0], ids[1], "items 0 and 1 are one chunk");
            assert_eq!(ids[2], ids[3], "items 2 and 3 are one chunk");
            assert_ne!(ids[0], ids[2], "the two chunks ran at once");
        });
    }

    #[test]
    fn map_a_panicking_item_fails_alone() {
        within_guard(|| {
            let pool = ThreadPool::new(2).unwrap();
            let no_twos = |n: i32| {
                assert!(n != 2, "two is not allowed");
                n
            };
            let outcomes: Vec<_> = pool.map(no_twos, [1, 2, 3, 4], 3).collect();
            let two = Err(TaskError::Panicked("two is not allowed".into()));
            assert_eq!(outcomes, [Ok(1), two, Ok(3), Ok(4)]);
        });
    }

    #[test]
    fn map_of_nothing_is_empty() {
        let pool = ThreadPool::new(1).unwrap();
        assert_eq!(pool.map(|n: u8| n, [], 4).count(), 0);
    }

    #[test]
    #[should_panic(expected = "chunk_size must be at least 1")]
    fn map_refuses_chunks_of_nothing() {
        let pool = ThreadPool::new(1).unwrap();
        let _ = pool.map(|n: u8| n, [1], 0);
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
}

/// Python's `Future` behaviour, the tests steps 2 and 3 pass too (see `contract.rs`).
#[cfg(test)]
mod future_tests {
    crate::contract::future_contract!(crate::ThreadPool::submit);
}
