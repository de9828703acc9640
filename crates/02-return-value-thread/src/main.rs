//! Lesson 2, a thread's return value: the tutorial's `threading` examples, step by step.
//!
//! 1. The plain way: `thread::spawn`, then `join`, which already hands back the value.
//! 2. The tutorial's `ReturnValueThread`, ported: a named thread whose `join` gives the value
//!    or a typed error (`--fail` makes its task panic to show it).
//! 3. Scoped threads, which may borrow their input instead of owning it.

use clap::Parser;
use return_value_thread::{ReturnValueThread, Work, panic_message, task};
use std::process::ExitCode;
use std::thread;
use support::cli::Common;

/// Getting a value back from a thread: join, a ReturnValueThread, scoped threads.
#[derive(Parser, Debug)]
#[command(name = "return-value-thread")]
struct Args {
    #[command(flatten)]
    common: Common,

    /// Make the ReturnValueThread's task panic halfway, to see the error its join returns
    #[arg(long)]
    fail: bool,
}

fn main() -> ExitCode {
    let args: Args = support::cli::parse();
    let value = args.common.value;
    let work = Work {
        steps: args.common.steps,
        max_sleep_ms: args.common.max_sleep_ms,
        seed: args.common.seed_or_random(),
        fail_at: None,
    };

    // ANCHOR: plain
    // `spawn` needs a closure that owns what it uses (`move`): the thread may outlive
    // this function, so it cannot borrow `work`. It gets its own copy.
    let owned_work = work.clone();
    let handle = thread::spawn(move || task(value, &owned_work));
    // ...the main thread is free to do other things here...
    // `join` waits, then gives `Ok(the closure's value)` or `Err(the panic's payload)`.
    match handle.join() {
        Ok(result) => println!("1. spawn + join: {result}"),
        Err(payload) => {
            eprintln!("error: the task panicked: {}", panic_message(&*payload));
            return ExitCode::FAILURE;
        }
    }
    // ANCHOR_END: plain

    // ANCHOR: extended
    let worker_work = Work {
        fail_at: args.fail.then_some(work.steps / 2 + 1),
        ..work.clone()
    };
    // Starting may fail (the OS can refuse a thread): an `io::Error`, handled, not a panic.
    let worker =
        match ReturnValueThread::start("worker", move || task(value, &worker_work)) {
            Ok(worker) => worker,
            Err(err) => {
                eprintln!("error: could not start a thread: {err}");
                return ExitCode::FAILURE;
            }
        };
    println!("2. started thread '{}'; joining it", worker.name());
    // The Python subclass prints the exception and returns None; here the failure is a
    // value (`Panicked`) that the caller cannot ignore and that carries the panic's message.
    let result = match worker.join() {
        Ok(result) => result,
        Err(panicked) => {
            eprintln!("error: {panicked}");
            return ExitCode::FAILURE;
        }
    };
    println!("2. ReturnValueThread: {result}");
    // ANCHOR_END: extended

    // ANCHOR: scoped
    // Every thread spawned in a scope ends before `scope` returns, so the closures may
    // borrow `inputs` and `work` from this stack frame: no `move`, no clone, no `Arc`.
    let inputs = vec![value, value + 1.0, value + 2.0];
    let doubled: thread::Result<Vec<f64>> = thread::scope(|s| {
        let handles: Vec<_> = inputs
            .iter()
            .map(|input| s.spawn(|| task(*input, &work)))
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    match doubled {
        Ok(doubled) => println!("3. scoped threads: {inputs:?} doubled is {doubled:?}"),
        Err(payload) => {
            eprintln!(
                "error: a scoped task panicked: {}",
                panic_message(&*payload)
            );
            return ExitCode::FAILURE;
        }
    }
    // ANCHOR_END: scoped

    println!("Result: {result}");
    ExitCode::SUCCESS
}
