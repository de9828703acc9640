//! Lesson `futures-pool`: the tutorial's `ThreadPoolExecutor` walkthrough, in Rust.
//!
//! 1. how many cores this process may use, and the pool's size;
//! 2. submit one task and wait for its result;
//! 3. submit several, watch them finish, collect the results in submission order;
//! 4. a task that panics is reported as an error, and the pool goes on.

use clap::Parser;
use futures_pool::{
    PoolError, TaskError, TaskHandle, ThreadPool, core_count, quiet_worker_panics, task,
};
use std::error::Error;
use std::io::Write;
use std::thread;
use std::time::Duration;
use support::cli::{Common, MAX_WORKERS};
use support::output::Stdout;
use support::progress::{ProgressLine, percent};

/// The ThreadPoolExecutor idea: a thread pool whose submit returns a future.
#[derive(Parser, Debug)]
#[command(name = "futures-pool")]
struct Args {
    #[command(flatten)]
    common: Common,

    /// Number of worker threads [default: the number of cores this process may use]
    // 0 gets through, so that the pool's own refusal of it shows (status 2 as well).
    #[arg(long, value_parser = zero_to_max_workers)]
    workers: Option<usize>,
}

/// `--workers`: 0 to [`MAX_WORKERS`].
fn zero_to_max_workers(text: &str) -> Result<usize, String> {
    support::cli::in_range(text, 0, MAX_WORKERS.into())
}

fn main() {
    let args: Args = support::cli::parse();
    // Results go through `writeln!(out, ...)?`: `println!` would panic if stdout were
    // closed (`| head`) or full; this way it is an error, reported in one line.
    let mut out = support::output::stdout();
    if let Err(err) = run(&args, &mut out) {
        std::process::exit(support::output::report(err));
    }
}

/// A pool of `workers` threads. `--workers 0` ends the program with status 2 (bad
/// input); a thread the system refuses (a limit reached) with status 1.
fn pool_or_exit(workers: usize) -> ThreadPool {
    ThreadPool::new(workers).unwrap_or_else(|err| match err {
        PoolError::NoWorkers => support::cli::refuse(format!("--workers 0: {err}")),
        PoolError::Spawn(err) => {
            let doing = format!("starting a pool of {workers} worker threads");
            eprintln!("error: {}", support::errors::context(doing, err));
            std::process::exit(1);
        }
    })
}

fn run(args: &Args, out: &mut Stdout) -> Result<(), Box<dyn Error>> {
    let Common {
        value,
        steps,
        max_sleep_ms,
        ..
    } = args.common;
    let seed = args.common.seed_or_random();

    // ANCHOR: quiet
    // A panicking task is reported through its handle; keep the default hook from also
    // printing what looks like a crash report (see step 4).
    quiet_worker_panics();
    // ANCHOR_END: quiet

    // ANCHOR: pool
    // Step 1: how many threads can run at once, and a pool of that size.
    let cores = core_count();
    let pool = pool_or_exit(args.workers.unwrap_or(cores));
    writeln!(out, "Cores this process may use: {cores}")?;
    writeln!(out, "Worker threads in the pool: {}", pool.workers())?;
    // ANCHOR_END: pool

    // ANCHOR: submit_one
    // Step 2: submit one task; `result()` waits for it, like `future.result()`.
    let handle = pool.submit(move || task(value, steps, max_sleep_ms, seed));
    let result = handle.result()?;
    writeln!(out, "task({value}) = {result}")?;
    // ANCHOR_END: submit_one

    // ANCHOR: submit_many
    // Step 3: submit several tasks at once; each gets its own seed, so they finish in
    // any order.
    let handles: Vec<TaskHandle<f64>> = (0..4_u32)
        .map(|i| {
            let input = value + f64::from(i);
            let seed = seed.wrapping_add(u64::from(i) + 1);
            pool.submit(move || task(input, steps, max_sleep_ms, seed))
        })
        .collect();
    // ANCHOR_END: submit_many

    // ANCHOR: poll
    // While they run, poll `is_done()` and show how many have finished (on stderr).
    let mut progress = ProgressLine::new();
    loop {
        let done = handles.iter().filter(|handle| handle.is_done()).count();
        let share = 100.0 * done as f32 / handles.len() as f32;
        progress.show(&format!(
            "tasks done: {done}/{} {}",
            handles.len(),
            percent(share)
        ));
        if done == handles.len() {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    progress.finish();
    // ANCHOR_END: poll

    // ANCHOR: collect
    // Collect in submission order. Collecting into `Result<Vec<_>, _>` stops at the
    // first error, and `?` passes it on, much as Python's `result()` re-raises.
    let results = handles
        .into_iter()
        .map(TaskHandle::result)
        .collect::<Result<Vec<f64>, TaskError>>()?;
    let shown: Vec<String> = results.iter().map(f64::to_string).collect();
    writeln!(out, "Results in submission order: {}", shown.join(", "))?;
    // ANCHOR_END: collect

    // ANCHOR: panic
    // Step 4: a task that panics. The worker catches the panic and the handle returns
    // it as an error, where Python's `result()` would raise the task's exception.
    let failing =
        pool.submit(|| -> f64 { panic!("simulated failure: the input was rejected") });
    match failing.result() {
        Ok(value) => writeln!(out, "The failing task returned {value}?")?,
        Err(err) => writeln!(out, "The failing task reported an error: {err}")?,
    }
    // The panic was caught inside its worker, so the pool still has all its threads.
    let again = pool.submit(move || task(value, 1, 0, seed)).result()?;
    writeln!(out, "The pool still works: task({value}) = {again}")?;
    // ANCHOR_END: panic

    // ANCHOR: shutdown
    // Leaving Python's `with` block: wait for every task, then for every worker.
    pool.shutdown();
    // ANCHOR_END: shutdown
    writeln!(out, "Result: {result}")?;
    Ok(())
}
