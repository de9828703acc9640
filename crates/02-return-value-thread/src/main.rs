//! Lesson 2, a thread's return value: the tutorial's `threading` examples, all at once.
//!
//! 1. The plain way: `thread::spawn`, then `join`, which already hands back the value.
//! 2. The tutorial's `ReturnValueThread`, ported: a named thread whose `join` gives the
//!    value or a typed error (`--fail` makes its task panic to show it).
//! 3. Meanwhile the main thread is free: it runs three tasks on scoped threads, which
//!    may borrow their input, and shows how many of the five threads have finished.
//!
//! The five tasks run at the same time, so a default run takes one task's time (about
//! 2.5 s), not five.

use clap::Parser;
use return_value_thread::{ReturnValueThread, Work, panic_message, task};
use std::error::Error;
use std::io::{self, IsTerminal, Write};
use std::panic;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};
use support::cli::Common;
use support::errors::context;
use support::output::Stdout;
use support::progress::ProgressLine;

/// Getting a value back from a thread: join, a ReturnValueThread, scoped threads.
#[derive(Parser, Debug)]
#[command(name = "return-value-thread")]
struct Args {
    #[command(flatten)]
    common: Common,

    /// Make the ReturnValueThread's task panic halfway, to see the error its join
    /// returns
    #[arg(long)]
    fail: bool,
}

fn main() -> ExitCode {
    let args: Args = support::cli::parse();
    one_line_panic_report(std::io::stderr().is_terminal());
    // Results go through `writeln!(out, ...)?`: `println!` would panic if stdout were
    // closed (`| head`) or full; this way it is an error, reported in one line.
    let mut out = support::output::stdout();
    match run(&args, &mut out) {
        Ok(code) => code,
        Err(err) => ExitCode::from(support::output::report(err) as u8),
    }
}

fn run(args: &Args, out: &mut Stdout) -> Result<ExitCode, Box<dyn Error>> {
    let value = args.common.value;
    let work = Work {
        steps: args.common.steps,
        max_sleep_ms: args.common.max_sleep_ms,
        seed: args.common.seed_or_random(),
        fail_at: None,
    };
    let worker_work = Work {
        fail_at: args.fail.then_some(work.steps / 2 + 1),
        ..work.clone()
    };
    let started = Instant::now();
    let mut progress = ProgressLine::new();

    // ANCHOR: start
    // 1. `spawn` needs a closure that owns what it uses (`move`): the thread may
    // outlive this function, so it cannot borrow `work`. It gets its own copy.
    // (`thread::spawn(f)` is `Builder::new().spawn(f)` that panics if the OS refuses
    // the thread, at a process limit say; here the refusal is an error, with `?`.)
    let owned_work = work.clone();
    let plain = thread::Builder::new()
        .spawn(move || task(value, &owned_work))
        .map_err(|err| context("starting thread 1", err))?;

    // 2. The ported ReturnValueThread: a named thread, started the same way.
    let worker = ReturnValueThread::start("worker", move || task(value, &worker_work))
        .map_err(|err| context("starting the ReturnValueThread", err))?;
    // ANCHOR_END: start

    // ANCHOR: meanwhile
    // 3. Meanwhile the main thread is free. It starts three scoped threads, which may
    // borrow `inputs` and `work` (no `move`, no clone): `scope` joins them all before
    // it returns, so they cannot outlive what they borrow.
    let inputs = [value, value + 1.0, value + 2.0];
    let doubled = thread::scope(|s| -> io::Result<thread::Result<Vec<f64>>> {
        let scoped = inputs
            .iter()
            .map(|x| thread::Builder::new().spawn_scoped(s, || task(*x, &work)))
            .collect::<io::Result<Vec<_>>>()?; // `s.spawn` would panic instead
        // Then it watches all five threads; `is_finished` never blocks.
        loop {
            let finished = [plain.is_finished(), worker.is_finished()]
                .into_iter()
                .chain(scoped.iter().map(|handle| handle.is_finished()))
                .filter(|&done| done)
                .count();
            let waited = started.elapsed().as_secs_f64();
            progress.show(&format!("{waited:4.1} s: {finished} of 5 threads finished"));
            if finished == 5 {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
        Ok(scoped.into_iter().map(|handle| handle.join()).collect())
    });
    // ANCHOR_END: meanwhile
    progress.finish();
    // Those that started have been joined by `scope`, whatever refused the next one.
    let doubled = doubled.map_err(|err| context("starting the scoped threads", err))?;

    // ANCHOR: join
    // `join` gives `Ok(the closure's value)` or `Err(the panic's payload)`.
    match plain.join() {
        Ok(result) => writeln!(out, "1. spawn + join: {result}")?,
        Err(payload) => {
            eprintln!("error: the task panicked: {}", panic_message(&*payload));
            return Ok(ExitCode::FAILURE);
        }
    }
    // The Python subclass prints the exception and returns None; here the failure is a
    // value (`Panicked`) that the caller cannot ignore and that carries the message.
    let result = match worker.join() {
        Ok(result) => result,
        Err(panicked) => {
            eprintln!("error: {panicked}");
            return Ok(ExitCode::FAILURE);
        }
    };
    writeln!(out, "2. ReturnValueThread: {result}")?;
    match doubled {
        Ok(doubled) => {
            writeln!(out, "3. scoped threads: {inputs:?} doubled is {doubled:?}")?
        }
        Err(payload) => {
            eprintln!(
                "error: a scoped task panicked: {}",
                panic_message(&*payload)
            );
            return Ok(ExitCode::FAILURE);
        }
    }
    // ANCHOR_END: join

    writeln!(out, "Result: {result}")?;
    Ok(ExitCode::SUCCESS)
}

// ANCHOR: hook
/// Replaces Rust's report of a panic (three lines, or a whole backtrace when
/// `RUST_BACKTRACE=1` is set) with one line: this program's panics are part of the
/// lesson, and `join` hands them back to be handled anyway.
fn one_line_panic_report(terminal: bool) {
    panic::set_hook(Box::new(move |info| {
        let thread = thread::current();
        let name = thread.name().unwrap_or("<unnamed>");
        let at = info
            .location()
            .map(|at| format!(" at {at}"))
            .unwrap_or_default();
        let message = panic_message(info.payload());
        // On a terminal, first clear the progress line the report would land on.
        let clear = if terminal { "\r\x1b[K" } else { "" };
        eprintln!("{clear}thread '{name}' panicked{at}: {message}");
    }));
}
// ANCHOR_END: hook
