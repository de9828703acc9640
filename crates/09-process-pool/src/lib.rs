//! Lesson `process-pool`: Python's `ProcessPoolExecutor` in Rust, a pool of worker
//! processes whose crashed worker fails one task, not the pool.
//!
//! - [`core_count`]: how many processes can truly run at once.
//! - [`Task`] and [`Tasks`]: tasks are named functions, registered by the program.
//! - [`serve_if_worker`]: the first line of a program's `main`: the worker role.
//! - [`ProcessPool`]: `new(n)`, [`ProcessPool::per_core`], `submit(task, arg)`, `map`,
//!   [`ProcessPool::shutdown`] (waits for the queue), [`ProcessPool::terminate`];
//!   dropping it kills and reaps every worker.
//! - [`TaskHandle`]: `is_done()`, `result()`, `result_timeout(d)`, `cancel()`, and
//!   `running_on()`; [`as_completed`] hands results out as they finish.
//! - [`work`]: the tasks of this lesson's walkthrough and tests.
//! - [`child`]: starting a worker that dies with its parent (as lesson 4 teaches).
//! - [`wire`] and [`worker`]: what crosses the pipes, and the worker's side.
//!
//! A task's argument and result have types, which `submit` checks where Python's
//! pickle would only fail in the worker: the wrong argument is error E0308.
//!
//! ```compile_fail,E0308
#![doc = include_str!("refused_wrong_arg.rs")]
//! ```
//!
//! Linux and macOS. What Linux alone has (`PR_SET_PDEATHSIG`) sits behind
//! `cfg(target_os = "linux")`, next to what macOS does instead.

mod bytes;
pub mod child;
mod manager;
mod slot;
pub mod task;
pub mod wire;
pub mod work;
pub mod worker;

pub use task::{Failure, Task, Tasks};
pub use worker::{WORKER_ARG, serve_if_worker};

use bytes::Bytes;
use manager::{Entry, Options, Shared};
use serde::Serialize;
use serde::de::DeserializeOwned;
use slot::Slot;
use std::borrow::Borrow;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::atomic::Ordering;
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How many processes this one may run at once: Python's `os.process_cpu_count()`.
/// It honours the affinity mask (`taskset`) and, on Linux, a cgroup CPU quota; when
/// the number cannot be found, 1.
pub fn core_count() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// "exited with code 3", or "was killed by signal 9 (SIGKILL)".
pub fn how_it_ended(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        format!("exited with code {code}")
    } else if let Some(signal) = status.signal() {
        let name = nix::sys::signal::Signal::try_from(signal)
            .map_or("unknown", |s| s.as_str());
        format!("was killed by signal {signal} ({name})")
    } else {
        status.to_string()
    }
}

/// Why a pool could not be started.
#[derive(Debug)]
pub enum PoolError {
    /// `new(0)`: a pool without workers would never run anything.
    NoWorkers,
    /// This process is itself a pool worker: a pool here would start workers that
    /// start pools, without end. (The program's `main` does not call
    /// [`serve_if_worker`] first.)
    InsideAWorker,
    /// The operating system refused to start a worker.
    Start(io::Error),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoWorkers => {
                write!(f, "a process pool needs at least one worker")
            }
            PoolError::InsideAWorker => write!(
                f,
                "this process is a pool worker and may not start a pool: \
                 does main call process_pool::serve_if_worker first?"
            ),
            PoolError::Start(err) => write!(f, "could not start a worker: {err}"),
        }
    }
}

impl std::error::Error for PoolError {}

/// Why [`TaskHandle::result`] has no value for you.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task ran and gave no result (it panicked, or its name or bytes were
    /// wrong); the worker lives on. Python re-raises the exception.
    Failed(Failure),
    /// The worker process running the task died: killed by a signal, or it exited.
    /// Only this task fails; the pool starts a replacement.
    WorkerDied { pid: u32, status: ExitStatus },
    /// [`TaskHandle::cancel`] stopped the task before it started.
    Cancelled,
    /// [`TaskHandle::result_timeout`] ran out of time; you may ask again.
    Timeout,
    /// An earlier `result_timeout` call already handed you the outcome.
    AlreadyTaken,
    /// The pool was terminated (or dropped) before the task finished.
    Stopped,
    /// The pool cannot run tasks: its workers would not start.
    Broken(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Failed(failure) => failure.fmt(f),
            TaskError::WorkerDied { pid, status } => {
                write!(f, "its worker (pid {pid}) {}", how_it_ended(*status))
            }
            TaskError::Cancelled => {
                write!(f, "the task was cancelled before it started")
            }
            TaskError::Timeout => write!(f, "the task did not finish in time"),
            TaskError::AlreadyTaken => {
                write!(f, "the task's outcome was already taken")
            }
            TaskError::Stopped => {
                write!(f, "the pool was stopped before the task ended")
            }
            TaskError::Broken(why) => write!(f, "the pool cannot run tasks: {why}"),
        }
    }
}

impl std::error::Error for TaskError {}

/// How many tasks `map` queues under one lock (see `ProcessPool::submit_all`).
const SUBMIT_BATCH: usize = 256;

/// A pool of worker processes, each a copy of this program serving [`Tasks`].
///
/// [`ProcessPool::shutdown`] waits for every queued task, like leaving Python's `with`
/// block. Dropping the pool without it (an early `return`, a `?`, a panic) does not
/// wait: it kills every worker and reaps it, and unfinished tasks fail with
/// [`TaskError::Stopped`].
pub struct ProcessPool {
    shared: Arc<Shared>,
    manager: Option<JoinHandle<()>>,
}

/// Options of a [`ProcessPool`] before it starts: see [`ProcessPool::builder`].
#[derive(Debug)]
pub struct Builder {
    options: Result<Options, PoolError>,
}

impl Builder {
    /// The program the workers run, with [`WORKER_ARG`]. By default this program
    /// (`current_exe()`), whose `main` must call [`serve_if_worker`] first.
    pub fn program(mut self, program: impl Into<PathBuf>) -> Self {
        if let Ok(options) = &mut self.options {
            options.program = program.into();
        }
        self
    }

    /// Whether a task whose worker died is run once more, on another worker, before
    /// it fails. Off by default: a task that crashed its worker may do it again.
    pub fn retry_crashed(mut self, retry: bool) -> Self {
        if let Ok(options) = &mut self.options {
            options.retry_crashed = retry;
        }
        self
    }

    /// How many small tasks each worker may be sent ahead of need while the queue is
    /// long (default 128; 0 sends a task only to an idle worker).
    pub fn send_ahead(mut self, tasks: usize) -> Self {
        if let Ok(options) = &mut self.options {
            options.send_ahead = tasks;
        }
        self
    }

    /// Starts the workers.
    pub fn start(self) -> Result<ProcessPool, PoolError> {
        let options = self.options?;
        if options.workers == 0 {
            return Err(PoolError::NoWorkers);
        }
        if std::env::var_os(worker::WORKER_VAR).is_some() {
            return Err(PoolError::InsideAWorker);
        }
        let shared = Arc::new(Shared::new(options));
        let (started, result) = mpsc::channel();
        let manager_shared = Arc::clone(&shared);
        let manager = thread::Builder::new()
            .name("process-pool-manager".into())
            .spawn(move || manager::manage(manager_shared, started))
            .map_err(PoolError::Start)?;
        let pool = ProcessPool {
            shared,
            manager: Some(manager),
        };
        match result.recv() {
            Ok(Ok(())) => Ok(pool),
            Ok(Err(err)) => Err(PoolError::Start(err)), // `pool` is dropped: reaped
            Err(_) => Err(PoolError::Start(io::Error::other("the manager died"))),
        }
    }
}

impl ProcessPool {
    /// A pool of `workers` processes of this program.
    pub fn new(workers: usize) -> Result<ProcessPool, PoolError> {
        ProcessPool::builder(workers).start()
    }

    /// A pool with one worker per core this process may use (see [`core_count`]):
    /// Python's `ProcessPoolExecutor()` with no argument.
    pub fn per_core() -> Result<ProcessPool, PoolError> {
        ProcessPool::new(core_count())
    }

    /// Options first, then [`Builder::start`].
    pub fn builder(workers: usize) -> Builder {
        let options =
            std::env::current_exe()
                .map_err(PoolError::Start)
                .map(|program| Options {
                    workers,
                    program,
                    retry_crashed: false,
                    send_ahead: 128,
                });
        Builder { options }
    }

    /// The number of workers the pool keeps running.
    pub fn workers(&self) -> usize {
        self.shared.options.workers
    }

    /// The pids of the workers alive now (a dead worker's replacement has a new one).
    pub fn pids(&self) -> Vec<u32> {
        self.shared.lock().pids()
    }

    // ANCHOR: submit
    /// Python's `submit(fn, arg)`: queues `task` with `arg`, returns at once with a
    /// handle to its outcome. The argument is turned into bytes here, by the caller.
    pub fn submit<A: Serialize, R>(&self, task: &Task<A, R>, arg: &A) -> TaskHandle<R> {
        self.submit_all(task, std::iter::once(arg))
            .pop()
            .expect("one task")
    }

    /// Python's `map(fn, args)`: submits `task` once per argument; the handles are in
    /// the arguments' order, so their results are too.
    pub fn map<A: Serialize, R>(
        &self,
        task: &Task<A, R>,
        args: impl IntoIterator<Item = A>,
    ) -> Vec<TaskHandle<R>> {
        self.submit_all(task, args.into_iter())
    }
    // ANCHOR_END: submit

    // ANCHOR: submit_all
    /// Queues the tasks [`SUBMIT_BATCH`] at a time. Each batch is made ready (its
    /// requests in bytes, its slots) without the lock, then queued and handed out under
    /// it: the workers start on the first batch while the caller makes the next, and
    /// the manager never waits long for the lock.
    fn submit_all<A: Serialize, R>(
        &self,
        task: &Task<A, R>,
        args: impl Iterator<Item = impl Borrow<A>>,
    ) -> Vec<TaskHandle<R>> {
        let expected = args.size_hint().0;
        let mut handles = Vec::with_capacity(expected);
        if expected > SUBMIT_BATCH {
            // Room for all at once: a queue that grows moves its tasks each time.
            self.shared.lock().pending.reserve(expected);
        }
        let mut batch = Vec::with_capacity(expected.clamp(1, SUBMIT_BATCH));
        let mut args = args.peekable();
        while args.peek().is_some() {
            for arg in args.by_ref().take(SUBMIT_BATCH) {
                let (handle, entry) = self.entry(task, arg.borrow());
                handles.push(handle);
                batch.extend(entry);
            }
            self.queue(&mut batch);
        }
        handles
    }
    // ANCHOR_END: submit_all

    /// A handle and the queue's entry for `task` on `arg`; no entry if `arg` does not
    /// turn into bytes, and then the handle has the error.
    fn entry<A: Serialize, R>(
        &self,
        task: &Task<A, R>,
        arg: &A,
    ) -> (TaskHandle<R>, Option<Entry>) {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot::new());
        let handle = TaskHandle {
            slot: Arc::clone(&slot),
            _result: PhantomData,
        };
        match Entry::request(id, task.name(), arg) {
            Ok(request) => {
                let retried = false;
                let entry = Entry {
                    id,
                    request,
                    slot,
                    retried,
                };
                (handle, Some(entry))
            }
            Err(err) => {
                let why = Failure::Bytes(format!("the argument: {err}"));
                slot.settle(Err(TaskError::Failed(why)));
                (handle, None)
            }
        }
    }

    // ANCHOR: queue
    /// Queues the tasks in `batch` (which it empties) under the lock, then hands out
    /// what it can; or fails them all, if the pool was stopped or cannot run tasks.
    fn queue(&self, batch: &mut Vec<Entry>) {
        let mut state = self.shared.lock();
        let refused = match &state.broken {
            _ if state.stopped => Some(TaskError::Stopped),
            Some(why) => Some(TaskError::Broken(why.clone())),
            None => None,
        };
        match refused {
            Some(error) => {
                (batch.drain(..)).for_each(|e| e.slot.settle(Err(error.clone())))
            }
            None => state.pending.extend(batch.drain(..)),
        }
        state.dispatch(self.shared.options.send_ahead);
    }
    // ANCHOR_END: queue

    /// Kills every worker now, and reaps it; every queued or running task fails with
    /// [`TaskError::Stopped`], and so does every task submitted later. Python's
    /// `Pool.terminate()`. It takes `&self`, so another thread may call it (say, on
    /// Ctrl-C) while this one waits for a result.
    pub fn terminate(&self) {
        self.shared.lock().stop();
    }

    // ANCHOR: shutdown
    /// Waits for every queued and running task, then for the workers to exit: leaving
    /// Python's `with ProcessPoolExecutor() as pool:` block.
    pub fn shutdown(mut self) {
        {
            let mut state = self.shared.lock();
            state.closing = true;
            state.close_if_done(); // or the manager does, after the last reply
        }
        self.join_manager();
    }

    /// Waits for the manager thread: it ends once every worker has been reaped.
    fn join_manager(&mut self) {
        if let Some(manager) = self.manager.take() {
            let _ = manager.join();
        }
    }
}

impl Drop for ProcessPool {
    /// Without a [`ProcessPool::shutdown`] first: kill every worker, then reap it.
    fn drop(&mut self) {
        if self.manager.is_some() {
            self.terminate();
            self.join_manager();
        }
    }
}
// ANCHOR_END: shutdown

/// The caller's side of a submitted task, like Python's `Future`. Dropping it does not
/// cancel the task.
pub struct TaskHandle<R> {
    slot: Arc<Slot>,
    _result: PhantomData<fn() -> R>,
}

impl<R: DeserializeOwned> TaskHandle<R> {
    /// True once the task has finished, failed or been cancelled: `done()`.
    pub fn is_done(&self) -> bool {
        self.slot.is_settled()
    }

    /// Cancels the task if no worker has it yet; returns whether it did.
    pub fn cancel(&self) -> bool {
        self.slot.cancel()
    }

    /// The pid of the worker running the task now, if one is.
    pub fn running_on(&self) -> Option<u32> {
        self.slot.running_on()
    }

    /// Waits for the task and returns its value, or why there is none: `result()`.
    pub fn result(self) -> Result<R, TaskError> {
        self.slot.wait(None);
        decode(self.slot.take())
    }

    /// Like [`TaskHandle::result`], waiting at most `timeout`: `result(timeout=...)`.
    pub fn result_timeout(&mut self, timeout: Duration) -> Result<R, TaskError> {
        if !self.slot.wait(Some(Instant::now() + timeout)) {
            return Err(TaskError::Timeout);
        }
        decode(self.slot.take())
    }
}

/// The result's bytes, back into the result.
fn decode<R: DeserializeOwned>(
    outcome: Result<Bytes, TaskError>,
) -> Result<R, TaskError> {
    postcard::from_bytes(&outcome?)
        .map_err(|err| TaskError::Failed(Failure::Bytes(format!("the result: {err}"))))
}

// ANCHOR: as_completed
/// Python's `as_completed(futures)`: each task's index (its place in `handles`) and
/// outcome, in the order they finish.
pub fn as_completed<R>(handles: Vec<TaskHandle<R>>) -> AsCompleted<R> {
    let (tell, done) = mpsc::channel();
    for (index, handle) in handles.iter().enumerate() {
        handle.slot.notify(tell.clone(), index);
    }
    let handles = handles.into_iter().map(Some).collect();
    AsCompleted { handles, done }
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<R> {
    handles: Vec<Option<TaskHandle<R>>>,
    done: mpsc::Receiver<usize>,
}

impl<R: DeserializeOwned> Iterator for AsCompleted<R> {
    type Item = (usize, Result<R, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        self.handles.iter().any(Option::is_some).then_some(())?;
        let index = self.done.recv().ok()?; // each slot tells its index once
        let handle = self.handles[index].take()?;
        Some((index, handle.result()))
    }
}
// ANCHOR_END: as_completed
