//! Lesson 4, process basics: start children that run the task, do other work while they
//! run (is each one alive?), join them, and report each exit: a code or a signal.

use clap::Parser;
use process_basics::{Child, Work, child, fork_task, read_ready, stop_all, task};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;
use support::cli::Common;
use support::errors::context;
use support::interrupt::{Interrupt, exit_code_for};
use support::progress::ProgressLine;

/// Process basics: start children, watch them run, join them, read how they ended.
#[derive(Parser, Debug)]
#[command(name = "process-basics")]
struct Args {
    #[command(flatten)]
    common: Common,

    /// How to start each child: `spawn` runs this program again, `fork` copies it
    #[arg(long, value_enum, default_value_t = Start::Spawn)]
    start: Start,

    /// How many children run at once [default: the number of cores]
    #[arg(long, value_parser = support::cli::workers::<u32>(256))]
    processes: Option<u32>,

    /// Child 0 aborts at this step (1 = the first), to show how a crash is reported
    #[arg(long, value_parser = support::cli::step)]
    crash_at: Option<u32>,

    /// Run as a child: do the task and print its result (the parent passes this flag)
    #[arg(long, hide = true)]
    child: bool,
}

/// Python's start methods that this lesson shows.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// Run this program again with a hidden child-role flag (portable; the default)
    Spawn,
    /// Copy this process with fork(2); the copy may only do async-signal-safe work
    Fork,
}

fn main() -> ExitCode {
    let args: Args = support::cli::parse();
    let common = &args.common;
    let work = Work {
        steps: common.steps,
        max_sleep_ms: common.max_sleep_ms,
        seed: common.seed_or_random(),
        crash_at: args.crash_at,
    };
    support::cli::check_crash_at(args.crash_at, common.steps);
    if args.child {
        return run_child(common.value, &work);
    }
    let processes = args.processes.map_or_else(core_count, |n| n as usize);
    // Results go through `writeln!(out, ...)?`: `println!` would panic if stdout were
    // closed (`| head`) or full; this way it is an error, reported in one line.
    let mut out = support::output::stdout();
    match run_parent(common.value, work, args.start, processes, &mut out) {
        Ok(code) => ExitCode::from(code),
        // Every child has been stopped and reaped by now (dropping a `Child` does it).
        Err(err) => ExitCode::from(support::output::report(err) as u8),
    }
}

/// Python's `os.cpu_count()`, roughly: how many threads can truly run at once.
fn core_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The child's side (hidden `--child` flag): run the task and print the result on
/// stdout, which the parent has made a pipe to itself.
fn run_child(value: f64, work: &Work) -> ExitCode {
    // Our half of dying with the parent (the parent's half is in `spawn_child`).
    if let Err(err) = child::exit_with_parent() {
        // On Linux, PR_SET_PDEATHSIG still guards us; elsewhere the thread was it.
        if cfg!(not(target_os = "linux")) {
            let doing = "child: starting the thread that watches the parent";
            eprintln!("error: {}", context(doing, err));
            return ExitCode::FAILURE;
        }
    }
    // The progress lives in this child's memory only: the parent cannot see it.
    // Chapters 5 and 6 send it across.
    let result = task(value, work, |_progress| {});
    match writeln!(support::output::stdout(), "{result}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(support::output::report(err) as u8),
    }
}

/// Starts a child by running this program again with the hidden `--child` flag and the
/// child's own work as flags: Python's "spawn". `self_command` makes it die with us.
fn spawn_child(value: f64, work: &Work) -> io::Result<Child> {
    let mut command = child::self_command()?;
    command.arg("--child").args([
        format!("--value={value}"),
        format!("--steps={}", work.steps),
        format!("--max-sleep-ms={}", work.max_sleep_ms),
        format!("--seed={}", work.seed),
    ]);
    if let Some(step) = work.crash_at {
        command.arg(format!("--crash-at={step}"));
    }
    Child::spawn(command)
}

/// Runs the children and reports them; returns the exit status for this program.
fn run_parent(
    value: f64,
    work: Work,
    start: Start,
    processes: usize,
    out: &mut impl Write,
) -> io::Result<u8> {
    // Installed before the first child starts, so that no Ctrl-C goes unnoticed.
    let interrupt = Interrupt::install()
        .map_err(|err| context("installing signal handlers", err))?;
    let mut children = Vec::new();
    for index in 0..processes {
        // Each child sleeps its own random sleeps; only child 0 crashes, if asked to.
        let work = Work {
            seed: work.seed.wrapping_add(index as u64),
            crash_at: work.crash_at.filter(|_| index == 0),
            ..work
        };
        // On an error, `?` drops `children`, and dropping a Child kills and reaps it.
        let child = match start {
            Start::Spawn => spawn_child(value, &work),
            Start::Fork => fork_task(value, &work),
        };
        children.push(
            child.map_err(|err| context(format!("starting child {index}"), err))?,
        );
    }
    let pids: Vec<String> = children.iter().map(|c| c.pid().to_string()).collect();
    let how = format!("{start:?}").to_lowercase();
    eprintln!(
        "started {processes} children by {how}: pids {}",
        pids.join(", ")
    );

    let mut line = ProgressLine::new();
    let clock = Instant::now();
    loop {
        // Also checked after the last child has ended: Ctrl-C reaches the whole process
        // group, so the children may have died of the very signal we are about to see.
        if let Some(signal) = interrupt.signal() {
            line.finish();
            return Ok(stop(&mut children, signal));
        }
        if children.iter().all(Child::is_done) {
            break;
        }
        // Our "other work": wait up to 100 ms for output, reading whatever comes. A
        // child that has closed its pipe is exiting, so then we look again sooner.
        let exiting = children
            .iter()
            .any(|c| c.exit().is_none() && c.output_closed());
        read_ready(&mut children, if exiting { 5 } else { 100 })
            .map_err(|err| context("reading the children's output", err))?;
        for (index, child) in children.iter_mut().enumerate() {
            let waiting = |err| context(format!("waiting for child {index}"), err);
            if child.exit().is_none() && !child.is_alive().map_err(waiting)? {
                // It has just ended: report a failure at once.
                if let Some(exit) = child.exit().filter(|exit| !exit.success()) {
                    line.finish();
                    eprintln!("child {index} (pid {}) {exit}", child.pid());
                }
            }
        }
        let alive = children.iter().filter(|c| c.exit().is_none()).count();
        let seconds = clock.elapsed().as_secs_f64();
        line.show(&format!(
            "{seconds:5.1} s: {alive} of {processes} children alive"
        ));
    }
    line.finish();

    let mut result = None;
    let mut failed = 0;
    for (index, child) in children.iter().enumerate() {
        match (child.exit(), child.result()) {
            (Some(exit), Some(value)) if exit.success() => {
                writeln!(out, "child {index} (pid {}) returned {value}", child.pid())?;
                result = Some(value);
            }
            (Some(exit), None) if exit.success() => {
                eprintln!("child {index} (pid {}) sent no result", child.pid());
                failed += 1;
            }
            _ => failed += 1, // reported when it ended
        }
    }
    match result {
        Some(value) if failed == 0 => {
            writeln!(out, "Result: {value}")?;
            Ok(0)
        }
        _ => {
            eprintln!("error: {failed} of {processes} children failed");
            Ok(1)
        }
    }
}

/// Ctrl-C or SIGTERM arrived: kill the children that still run, reap them all, say how
/// each ended, and return the conventional exit status (130 or 143).
fn stop(children: &mut [Child], signal: i32) -> u8 {
    let name = nix::sys::signal::Signal::try_from(signal).map_or("?", |s| s.as_str());
    eprintln!("interrupted by {name}: stopping the children");
    let running: Vec<bool> = children.iter().map(|c| c.exit().is_none()).collect();
    stop_all(children);
    for (index, child) in children.iter().enumerate() {
        if let (true, Some(exit)) = (running[index], child.exit()) {
            eprintln!("child {index} (pid {}) {exit}", child.pid());
        }
    }
    exit_code_for(signal) as u8
}
