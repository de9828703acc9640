//! Lesson 5: a queue from child processes to their parent, the tutorial's three uses of
//! `multiprocessing.Queue`:
//!
//! 1. a wrapper runs the task in the child and puts its return value;
//! 2. the child puts progress messages, then the result; the parent reads up to it;
//! 3. several children (`--processes N`) write into one queue; the parent shows each
//!    one's latest progress by draining what is waiting.
//!
//! Each child is this program started again with hidden arguments (Python's "spawn").

use clap::{Parser, ValueEnum};
use process_queue::{Failure, Report, Sender, Workers, child, queue, task};
use std::io::{self, Write};
use std::os::fd::RawFd;
use support::errors::context;
use support::interrupt::{Interrupt, exit_code_for};
use support::output::Stdout;
use support::progress::{ProgressLine, percent};

#[derive(Parser, Debug)]
#[command(
    about = "Lesson 5: a typed queue from child processes to their parent, over a pipe"
)]
struct Args {
    #[command(flatten)]
    common: support::cli::Common,

    /// Number of child processes writing into one queue in part 3
    #[arg(long, default_value_t = 3, value_parser = support::cli::workers::<u32>(64))]
    processes: u32,

    /// Make each child abort at this step (from 1), to see the parent report it
    #[arg(long, value_parser = support::cli::step)]
    crash_at: Option<u32>,

    /// (internal) Run as a child with this role; set by the parent
    #[arg(long, hide = true, value_enum, requires_all = ["worker", "queue_fd"])]
    child: Option<Role>,

    /// (internal) The child's worker index
    #[arg(long, hide = true, requires = "child")]
    worker: Option<u32>,

    /// (internal) The descriptor of the queue's write end the child inherited
    #[arg(long, hide = true, requires = "child")]
    queue_fd: Option<RawFd>,
}

/// What a child sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Role {
    /// Only the task's return value (part 1).
    ResultOnly,
    /// Progress after every step, then the return value (parts 2 and 3).
    Progress,
}

fn main() {
    let args: Args = support::cli::parse();
    support::cli::check_crash_at(args.crash_at, args.common.steps);
    let code = match (args.child, args.worker, args.queue_fd) {
        (Some(role), Some(worker), Some(fd)) => child_main(&args, role, worker, fd),
        _ => parent_main(&args),
    };
    std::process::exit(code);
}

fn parent_main(args: &Args) -> i32 {
    let interrupt = match Interrupt::install() {
        Ok(interrupt) => interrupt,
        Err(err) => {
            eprintln!("error: cannot install the signal handlers: {err}");
            return 1;
        }
    };
    // Results go through `writeln!(out, ...)?`: `println!` would panic if stdout were
    // closed (`| head`) or full; this way it is an error, reported in one line.
    let mut out = support::output::stdout();
    // Every child is reaped inside `run` (when its `Workers` is finished or dropped),
    // so nothing is left running when we exit.
    match run(args, &interrupt, &mut out) {
        Ok(()) => 0,
        Err(Failure::Interrupted(signal)) => {
            eprintln!("interrupted by signal {signal}: the children were stopped");
            exit_code_for(signal)
        }
        Err(failure) => support::output::report(failure),
    }
}

fn run(args: &Args, interrupt: &Interrupt, out: &mut Stdout) -> Result<(), Failure> {
    let seed = args.common.seed_or_random();

    let value = wrapper_result(args, seed, interrupt)?;
    writeln!(out, "1. The wrapper put the task's return value: {value}")?;

    let value = progress_then_result(args, seed, interrupt)?;
    writeln!(
        out,
        "2. Progress messages came first, then the result: {value}"
    )?;

    let results = several_workers(args, seed, interrupt, out)?;
    // Every worker ran the same task on the same value, so any result will do.
    writeln!(out, "Result: {}", results[0])?;
    Ok(())
}

/// Starts `count` copies of this program as children that all write into one new queue,
/// and returns the parent's side: the read end, and the children to watch.
fn start_workers(
    args: &Args,
    role: Role,
    count: u32,
    seed: u64,
    interrupt: &Interrupt,
) -> Result<Workers, Failure> {
    let (sender, receiver) =
        queue::<Report>().map_err(|e| context("creating the queue", e))?;
    let interrupt = interrupt.clone();
    let mut workers = Workers::new(receiver, move || interrupt.signal());
    for index in 0..count {
        // On an error, `?` drops `workers`: the workers started so far are stopped.
        let starting =
            |err| Failure::Io(context(format!("starting worker {index}"), err));
        let mut command = child::self_command().map_err(starting)?;
        // The write end is close-on-exec: only this child inherits it, as `fd`.
        let fd = sender.inherit(&mut command).map_err(starting)?;
        let child_seed = seed.wrapping_add(index.into());
        command.args(child_args(args, role, index, fd, child_seed));
        let child = command.spawn().map_err(starting)?;
        say(&format!("Started worker {index} (pid {})", child.id()));
        workers.add(child);
    } // each `command`, with its copy of the write end, is dropped here
    // The parent keeps no write end: end-of-file comes once every child is gone.
    drop(sender);
    Ok(workers)
}

/// The hidden arguments that make the program a child: the common flags, then the role.
fn child_args(
    args: &Args,
    role: Role,
    index: u32,
    fd: RawFd,
    seed: u64,
) -> Vec<String> {
    let c = &args.common;
    let mut out = vec![
        format!("--value={}", c.value),
        format!("--steps={}", c.steps),
        format!("--max-sleep-ms={}", c.max_sleep_ms),
        format!("--seed={seed}"),
        format!("--child={}", role.to_possible_value().unwrap().get_name()),
        format!("--worker={index}"),
        format!("--queue-fd={fd}"),
    ];
    if let Some(step) = args.crash_at {
        out.push(format!("--crash-at={step}"));
    }
    out
}

/// A child's whole life: take the inherited write end, run the task, put the result.
fn run_child(args: &Args, role: Role, worker: u32, fd: RawFd) -> io::Result<()> {
    // SAFETY: `fd` is the number the parent got from `Sender::inherit` and put on our
    // command line; nothing else in this process uses it.
    let sender = unsafe { Sender::<Report>::from_inherited(fd) };
    let mut sender =
        sender.map_err(|e| context(format!("the queue (--queue-fd {fd})"), e))?;
    let c = &args.common;
    let seed = c.seed_or_random();
    let value = task(c.value, c.steps, c.max_sleep_ms, seed, |step, percent| {
        if args.crash_at == Some(step) {
            crash(worker, step);
        }
        if child::parent_is_gone() {
            // Linux kills us with the parent; elsewhere this check is how we notice.
            return Err(io::Error::other("the parent is gone"));
        }
        match role {
            Role::Progress => sender.send(&Report::Progress { worker, percent }),
            Role::ResultOnly => Ok(()),
        }
    })?;
    sender.send(&Report::Result { worker, value })
}

/// `--crash-at`: die the way native code dies on a bug.
fn crash(worker: u32, step: u32) -> ! {
    say(&format!(
        "worker {worker}: aborting at step {step} (--crash-at)"
    ));
    // A crash on purpose needs no core file (macOS writes none unless asked to).
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_dumpable(false);
    std::process::abort();
}

fn child_main(args: &Args, role: Role, worker: u32, fd: RawFd) -> i32 {
    match run_child(args, role, worker, fd) {
        Ok(()) => 0,
        Err(err) => {
            say(&format!("error: worker {worker}: {err}"));
            1
        }
    }
}

/// A line on stderr, which parent and children share while the children run: written
/// with one `write()`, so that no other process's line lands inside it. (`eprintln!`
/// writes each piece of its format on its own, for stderr is unbuffered.)
fn say(line: &str) {
    let _ = io::stderr().write_all(format!("{line}\n").as_bytes());
}

/// Part 1: the child runs the task and puts its return value; the parent gets it.
fn wrapper_result(
    args: &Args,
    seed: u64,
    interrupt: &Interrupt,
) -> Result<f64, Failure> {
    let mut workers = start_workers(args, Role::ResultOnly, 1, seed, interrupt)?;
    // Like `q.get()`, except that a dead child or Ctrl-C ends the wait.
    let report = workers.recv()?;
    workers.finish()?; // read to end-of-file, then reap the child
    match report {
        Report::Result { value, .. } => Ok(value),
        other => Err(Failure::Unexpected(other)),
    }
}

/// Part 2: the child puts progress messages, then the result; the parent reads them in
/// order until the result arrives.
fn progress_then_result(
    args: &Args,
    seed: u64,
    interrupt: &Interrupt,
) -> Result<f64, Failure> {
    let mut workers = start_workers(args, Role::Progress, 1, seed, interrupt)?;
    let mut line = ProgressLine::new();
    let value = loop {
        match workers.recv()? {
            Report::Progress { percent: p, .. } => {
                line.show(&format!("Process progression: {}", percent(p)));
            }
            Report::Result { value, .. } => break value,
        }
    };
    line.finish();
    workers.finish()?;
    Ok(value)
}

// ANCHOR: workers
/// Part 3: several children share one queue; each message carries its worker's index.
/// The parent wakes for one message, then drains every other one already waiting, so
/// the line it shows holds each worker's *latest* progress, not an old one from the
/// front of the queue.
fn several_workers(
    args: &Args,
    seed: u64,
    interrupt: &Interrupt,
    out: &mut impl Write,
) -> Result<Vec<f64>, Failure> {
    let mut workers =
        start_workers(args, Role::Progress, args.processes, seed, interrupt)?;
    let count = args.processes as usize;
    let mut latest = vec![0.0; count];
    let mut results = vec![None; count];
    let mut line = ProgressLine::new();
    while !workers.all_done() {
        let mut next = Some(workers.recv()?); // wait (boundedly) for one message...
        while let Some(report) = next {
            match report {
                Report::Progress { worker, percent } => {
                    latest[worker as usize] = percent
                }
                Report::Result { worker, value } => {
                    line.finish();
                    writeln!(out, "3. Worker {worker} finished: {value}")?;
                    results[worker as usize] = Some(value);
                }
            }
            next = workers.try_recv()?; // ...then take what is waiting, not blocking
        }
        let shown: Vec<String> = latest.iter().map(|&p| percent(p)).collect();
        line.show(&format!("Workers: {}", shown.join(" ")));
    }
    line.finish();
    workers.finish()?;
    Ok(results.into_iter().flatten().collect())
}
// ANCHOR_END: workers
