//! Lesson 9, a pool of processes: the core count and the pool's size, `submit` and
//! `result`, `map` over a list, `as_completed`, and a worker killed mid-task while the
//! pool goes on. The workers are this program started again with a hidden argument.

use clap::Parser;
use nix::sys::signal::Signal::SIGKILL;
use process_pool::work::{COUNT_PRIMES, TASK, Work, tasks};
use process_pool::{ProcessPool, TaskError, TaskHandle, as_completed, core_count};
use serde::de::DeserializeOwned;
use std::error::Error;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use support::interrupt::{Interrupt, exit_code_for};
use support::progress::ProgressLine;

/// A pool of worker processes whose crashed worker fails one task, not the pool.
#[derive(Parser, Debug)]
#[command(name = "process-pool")]
struct Args {
    #[command(flatten)]
    common: support::cli::Common,

    /// Worker processes in the pool [default: the number of cores]
    #[arg(long, value_parser = support::cli::workers::<u32>(64))]
    processes: Option<u32>,

    /// Part 4 kills the worker running this item (0, 1 or 2) mid-task
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=2))]
    kill_worker_at: u32,

    /// Instead, that item's task aborts itself at this step (from 1)
    #[arg(long, value_parser = support::cli::step)]
    crash_at: Option<u32>,

    /// Run a task whose worker died once more, on another worker
    #[arg(long)]
    retry: bool,
}

/// How long part 4's victim stands still at its first step: the walkthrough kills its
/// worker within milliseconds of seeing it run, so the kill surely finds it mid-task.
const HOLD_MS: u64 = 2_000;

fn main() -> ExitCode {
    // The hidden worker role: a worker serves tasks here and never returns.
    process_pool::serve_if_worker(&tasks());
    let args: Args = support::cli::parse();
    support::cli::check_crash_at(args.crash_at, args.common.steps);
    let interrupt = match Interrupt::install() {
        Ok(interrupt) => interrupt,
        Err(err) => return fail(&format!("cannot install the signal handlers: {err}")),
    };
    let workers = args.processes.map_or_else(core_count, |n| n as usize);
    let pool = match ProcessPool::builder(workers)
        .retry_crashed(args.retry)
        .start()
    {
        Ok(pool) => pool,
        Err(err) => return fail(&err.to_string()),
    };
    // Ctrl-C or SIGTERM: a watcher thread terminates the pool, which ends every wait.
    let finished = AtomicBool::new(false);
    let outcome = thread::scope(|s| {
        s.spawn(|| {
            while !finished.load(Ordering::Relaxed) && interrupt.signal().is_none() {
                thread::sleep(Duration::from_millis(20));
            }
            if interrupt.signal().is_some() {
                pool.terminate();
            }
        });
        // Results go through `writeln!(out, ...)?`: `println!` would panic if stdout
        // were closed (`| head`) or full; this way it is an error like any other.
        let outcome = run(&args, &pool, &mut support::output::stdout());
        finished.store(true, Ordering::Relaxed);
        outcome
    });
    if let Some(signal) = interrupt.signal() {
        drop(pool); // kills and reaps every worker
        eprintln!("interrupted by signal {signal}: the workers were stopped");
        return ExitCode::from(exit_code_for(signal) as u8);
    }
    match outcome {
        Ok(()) => {
            pool.shutdown();
            ExitCode::SUCCESS
        }
        // `pool` is dropped on the way out: its workers are killed and reaped.
        Err(err) => ExitCode::from(support::output::report(err) as u8),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// What a part of the walkthrough returns: an error is a task that failed when it
/// should not have, or stdout that failed.
type Outcome<T = ()> = Result<T, Box<dyn Error>>;

/// The four parts.
fn run(args: &Args, pool: &ProcessPool, out: &mut impl Write) -> Outcome {
    let c = &args.common;
    let seed = c.seed_or_random();
    writeln!(out, "Cores this process may use: {}", core_count())?;
    let pids: Vec<String> = pool.pids().iter().map(u32::to_string).collect();
    writeln!(
        out,
        "Pool of {} worker processes: pids {}",
        pool.workers(),
        pids.join(", ")
    )?;
    let work = Work::new(c.value, c.steps, c.max_sleep_ms, seed);
    let result = submit_and_wait(pool, work, out)?;
    map_primes(pool, out)?;
    // Items 0 to 2 of parts 3 and 4: the values 1 to 3, each with its own sleeps.
    let items: Vec<Work> = (0..3u64)
        .map(|i| Work {
            value: (i + 1) as f64,
            seed: seed.wrapping_add(i + 1),
            ..work
        })
        .collect();
    finishing_order(pool, &items, out)?;
    let victim = args.kill_worker_at as usize;
    let mut items = items;
    items[victim] = match args.crash_at {
        Some(step) => Work {
            crash_at: Some(step),
            ..items[victim]
        },
        None => Work {
            hold_ms: HOLD_MS,
            ..items[victim]
        },
    };
    worker_killed(pool, &items, victim, args.crash_at.is_none(), out)?;
    writeln!(out, "Result: {result}")?;
    Ok(())
}

// ANCHOR: submit
/// Part 1: `submit` returns at once; `result` waits for the worker's answer.
fn submit_and_wait(
    pool: &ProcessPool,
    work: Work,
    out: &mut impl Write,
) -> Outcome<f64> {
    let handle = pool.submit(&TASK, &work);
    let value = wait(handle, "1. waiting for the task")
        .map_err(|e| format!("the task failed: {e}"))?;
    writeln!(out, "1. submit(task, {}).result() = {value}", work.value)?;
    Ok(value)
}

/// Part 2: a CPU-bound function over a list; the results come in the list's order.
fn map_primes(pool: &ProcessPool, out: &mut impl Write) -> Outcome {
    let limits = [10_000, 20_000, 30_000, 40_000];
    let mut counts = Vec::new();
    for handle in pool.map(&COUNT_PRIMES, limits) {
        counts.push(handle.result()?);
    }
    writeln!(out, "2. map(count_primes, {limits:?}) = {counts:?}")?;
    Ok(())
}
// ANCHOR_END: submit

// ANCHOR: as_completed
/// Part 3: the same task on three items; each result is shown as soon as it is in.
fn finishing_order(
    pool: &ProcessPool,
    items: &[Work],
    out: &mut impl Write,
) -> Outcome {
    // Item 0 takes half the steps, item 2 a sixth: later items tend to finish first.
    let shorter = |(i, work): (usize, &Work)| {
        let steps = (work.steps * (3 - i as u32)).div_ceil(6);
        Work { steps, ..*work }
    };
    let handles = pool.map(&TASK, items.iter().enumerate().map(shorter));
    for (index, result) in as_completed(handles) {
        let value = result.map_err(|e| format!("item {index}: {e}"))?;
        writeln!(out, "3. as_completed: item {index} = {value}")?;
    }
    Ok(())
}
// ANCHOR_END: as_completed

// ANCHOR: killed
/// Part 4: the worker running item `victim` dies mid-task (SIGKILL from here, or its
/// task aborts). That item fails; every other one returns; the pool replaces the
/// worker.
fn worker_killed(
    pool: &ProcessPool,
    items: &[Work],
    victim: usize,
    kill: bool,
    out: &mut impl Write,
) -> Outcome {
    let before = pool.pids();
    let handles = pool.map(&TASK, items.iter().copied());
    if kill {
        let pid = running_on(&handles[victim]).ok_or("the pool was stopped")?;
        writeln!(
            out,
            "4. killing worker {pid} (SIGKILL) while it runs item {victim}"
        )?;
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), SIGKILL);
    }
    for (index, handle) in handles.into_iter().enumerate() {
        match handle.result() {
            Ok(value) => writeln!(out, "4. item {index} = {value}")?,
            Err(err @ TaskError::WorkerDied { .. }) if index == victim => {
                writeln!(out, "4. item {index} failed: {err}")?;
            }
            Err(err) => return Err(format!("item {index}: {err}").into()),
        }
    }
    // A replacement worker is a new process, with a new pid: shown last.
    let (old, new): (Vec<u32>, Vec<u32>) = pool
        .pids()
        .into_iter()
        .partition(|pid| before.contains(pid));
    let new = new.iter().map(|pid| format!("{pid} (new)"));
    let pids: Vec<String> = old.iter().map(u32::to_string).chain(new).collect();
    writeln!(out, "4. the pool goes on with workers {}", pids.join(", "))?;
    Ok(())
}
// ANCHOR_END: killed

/// Waits until a worker runs the task, and returns its pid (`None`: the pool stopped).
fn running_on<R: DeserializeOwned>(handle: &TaskHandle<R>) -> Option<u32> {
    loop {
        if let Some(pid) = handle.running_on() {
            return Some(pid);
        }
        if handle.is_done() {
            return None;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// `result()`, showing on the progress line how long it has waited.
fn wait<R: DeserializeOwned>(
    mut handle: TaskHandle<R>,
    what: &str,
) -> Result<R, TaskError> {
    let mut line = ProgressLine::new();
    let start = Instant::now();
    loop {
        match handle.result_timeout(Duration::from_millis(250)) {
            Err(TaskError::Timeout) => {
                line.show(&format!("{what}: {:.2} s", start.elapsed().as_secs_f64()));
            }
            outcome => return outcome,
        }
    }
}
