//! Lesson 3, progress from a running thread: the tutorial's "get data from the thread
//! while it is alive", for several workers at once, four ways (`--method`):
//!
//! - `map`: a `Mutex<HashMap<worker, progress>>` the workers write into (the tutorial's
//!   mutable dict argument);
//! - `atomics`: one `AtomicF32` slot per worker, no lock;
//! - `object`: a `TaskObject` per worker, read by its getter (the tutorial's class);
//! - `channel`: `(worker, progress)` messages over a crossbeam channel.
//!
//! In every case the main thread looks about every 100 ms and shows one progress line
//! for all workers, until every worker has finished.

use clap::{Parser, ValueEnum};
use progress_sharing::{AtomicF32, TaskObject, Work, progress_line, task};
use std::any::Any;
use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::Duration;
use support::cli::Common;
use support::progress::ProgressLine;

/// Reading running threads' progress: a shared map, atomics, a getter, or messages.
#[derive(Parser, Debug)]
#[command(name = "progress-sharing")]
struct Args {
    #[command(flatten)]
    common: Common,

    /// How the workers share their progress with the main thread
    #[arg(long, value_enum, default_value_t = Method::Map)]
    method: Method,

    /// Number of worker threads
    #[arg(long, default_value_t = 3, value_parser = support::cli::workers::<u32>(16))]
    workers: u32,

    /// Make this worker (from 0) panic halfway, to see how a failure is reported
    #[arg(long, value_name = "WORKER")]
    fail_worker: Option<u32>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Method {
    /// A Mutex<HashMap<worker, progress>>: the tutorial's mutable dict argument
    Map,
    /// One AtomicF32 per worker: no lock
    Atomics,
    /// A TaskObject per worker, read through its getter: the tutorial's class
    Object,
    /// (worker, progress) messages over a crossbeam channel
    Channel,
}

/// How often the main thread looks at the progress, as in the tutorial.
const POLL: Duration = Duration::from_millis(100);

/// What each worker's thread ended with: its value, or the payload of its panic.
type Outcomes = Vec<thread::Result<f64>>;

// ANCHOR: watch
/// Shows the workers' progress, read with `read`, every [`POLL`] until all have
/// finished; then joins them.
fn watch(
    workers: Vec<ScopedJoinHandle<'_, f64>>,
    line: &mut ProgressLine,
    mut read: impl FnMut() -> Vec<f32>,
) -> Outcomes {
    // `is_finished` is the tutorial's `future.done()`: it never blocks.
    while !workers.iter().all(|worker| worker.is_finished()) {
        line.show(&progress_line(&read()));
        thread::sleep(POLL);
    }
    let outcomes = workers.into_iter().map(|worker| worker.join()).collect();
    // Read once more after `join`: everything a thread did happens-before its `join`
    // returns, so this last line certainly holds every worker's final progress.
    line.show(&progress_line(&read()));
    outcomes
}
// ANCHOR_END: watch

// ANCHOR: map
/// (a) The tutorial's mutable argument: a map from worker index to progress, which
/// every worker writes into and the main thread reads, each time under the lock.
fn with_map(value: f64, works: &[Work], line: &mut ProgressLine) -> Outcomes {
    let progress: Mutex<HashMap<usize, f32>> =
        Mutex::new((0..works.len()).map(|i| (i, 0.0)).collect());
    thread::scope(|s| {
        let workers = works
            .iter()
            .enumerate()
            .map(|(i, work)| {
                // `move` below moves this reference, not the map.
                let progress = &progress;
                spawn_or_exit(s, move || {
                    task(value, work, |p| {
                        lock(progress).insert(i, p);
                    })
                })
            })
            .collect();
        watch(workers, line, || {
            let map = lock(&progress);
            (0..works.len()).map(|i| map[&i]).collect()
        })
    })
}

/// Locks the map even if a thread panicked while holding the lock ("poisoned" it): a
/// progress map is still fine to read after that.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
// ANCHOR_END: map

// ANCHOR: atomics
/// (a') The same idea with one atomic slot per worker: each slot has one writer, so no
/// lock is needed, and neither side can ever make the other wait.
fn with_atomics(value: f64, works: &[Work], line: &mut ProgressLine) -> Outcomes {
    let slots: Vec<AtomicF32> = works.iter().map(|_| AtomicF32::new(0.0)).collect();
    thread::scope(|s| {
        let workers = works
            .iter()
            .zip(&slots)
            .map(|(work, slot)| {
                spawn_or_exit(s, move || task(value, work, |p| slot.store(p, Relaxed)))
            })
            .collect();
        watch(workers, line, || {
            slots.iter().map(|slot| slot.load(Relaxed)).collect()
        })
    })
}
// ANCHOR_END: atomics

// ANCHOR: object
/// (b) The tutorial's class: each worker runs a `TaskObject`'s `task`, and the main
/// thread calls the same objects' `progress()` getters meanwhile.
fn with_objects(value: f64, works: &[Work], line: &mut ProgressLine) -> Outcomes {
    let objects: Vec<TaskObject> = works.iter().map(|_| TaskObject::new()).collect();
    thread::scope(|s| {
        let workers = works
            .iter()
            .zip(&objects)
            .map(|(work, object)| spawn_or_exit(s, move || object.task(value, work)))
            .collect();
        watch(workers, line, || {
            objects.iter().map(TaskObject::progress).collect()
        })
    })
}
// ANCHOR_END: object

// ANCHOR: channel
/// (c) Progress as messages: each worker sends `(index, progress)`; the main thread
/// takes whatever arrived since it last looked and keeps the latest value per worker.
fn with_channel(value: f64, works: &[Work], line: &mut ProgressLine) -> Outcomes {
    let (sender, receiver) = crossbeam_channel::unbounded::<(usize, f32)>();
    let mut latest = vec![0.0; works.len()];
    thread::scope(|s| {
        let workers = works
            .iter()
            .enumerate()
            .map(|(i, work)| {
                let sender = sender.clone();
                spawn_or_exit(s, move || {
                    task(value, work, |p| {
                        // Fails only if the receiver is gone, i.e. nobody is watching.
                        let _ = sender.send((i, p));
                    })
                })
            })
            .collect();
        watch(workers, line, || {
            // A channel is first in, first out: drain it to get to the newest messages.
            for (i, p) in receiver.try_iter() {
                latest[i] = p;
            }
            latest.clone()
        })
    })
}
// ANCHOR_END: channel

fn main() -> ExitCode {
    let args: Args = support::cli::parse();
    if let Some(fail) = args.fail_worker.filter(|&w| w >= args.workers) {
        let last = args.workers - 1;
        let why = format!("--fail-worker {fail}: there are only workers 0 to {last}");
        support::cli::refuse(why);
    }
    if args.fail_worker.is_some() {
        one_line_panics();
    }
    let seed = args.common.seed_or_random();
    let works: Vec<Work> = (0..args.workers)
        .map(|i| Work {
            steps: args.common.steps,
            max_sleep_ms: args.common.max_sleep_ms,
            seed: seed.wrapping_add(u64::from(i)), // each worker sleeps differently
            fail_at: (args.fail_worker == Some(i)).then_some(args.common.steps / 2 + 1),
        })
        .collect();
    let value = args.common.value;
    let mut line = ProgressLine::new();
    let outcomes = match args.method {
        Method::Map => with_map(value, &works, &mut line),
        Method::Atomics => with_atomics(value, &works, &mut line),
        Method::Object => with_objects(value, &works, &mut line),
        Method::Channel => with_channel(value, &works, &mut line),
    };
    line.finish();
    // Results go through `writeln!(out, ...)?`: `println!` would panic if stdout were
    // closed (`| head`) or full; this way it is an error, reported in one line.
    let mut out = support::output::stdout();
    match print_results(outcomes, &mut out) {
        Ok(code) => code,
        Err(err) => ExitCode::from(support::output::report(err) as u8),
    }
}

/// Prints each worker's result; a worker that panicked is an error, and status 1.
fn print_results(outcomes: Outcomes, out: &mut impl Write) -> io::Result<ExitCode> {
    let workers = outcomes.len();
    let mut results = Vec::new();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Ok(result) => {
                writeln!(out, "worker {i}: {result}")?;
                results.push(result);
            }
            Err(payload) => {
                eprintln!("error: worker {i} panicked: {}", message(&*payload))
            }
        }
    }
    if results.len() < workers {
        return Ok(ExitCode::FAILURE);
    }
    // Every worker doubled the same input; like the tutorial, print that one result.
    writeln!(out, "Result: {}", results[0])?;
    Ok(ExitCode::SUCCESS)
}

/// `s.spawn(f)`, except that a thread the system refuses (a process limit reached, say)
/// ends the program with one line instead of a panic. Exiting also ends the workers
/// already started: a thread cannot outlive its process.
fn spawn_or_exit<'scope, T: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> ScopedJoinHandle<'scope, T> {
    thread::Builder::new()
        .spawn_scoped(s, f)
        .unwrap_or_else(|err| {
            let err = support::errors::context("starting a worker thread", err);
            // On a terminal, first end the progress line that is being rewritten.
            let newline = if io::stderr().is_terminal() { "\n" } else { "" };
            eprintln!("{newline}error: {err}");
            std::process::exit(1)
        })
}

/// `--fail-worker` makes a worker panic on purpose: say so in one line, instead of the
/// default hook's message, its note about backtraces, or with `RUST_BACKTRACE=1` a
/// whole backtrace. `main` reports the failure again at the end, from `join`.
fn one_line_panics() {
    let terminal = std::io::stderr().is_terminal();
    std::panic::set_hook(Box::new(move |info| {
        // On a terminal, first end the progress line that is being rewritten.
        let newline = if terminal { "\n" } else { "" };
        let text = message(info.payload());
        eprintln!("{newline}a worker panicked: {text}");
    }));
}

/// The text of a panic payload (`&str` or `String`), as `join` returns it.
fn message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "a panic without a message"
    }
}
