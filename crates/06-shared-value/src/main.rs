//! Lesson 6, `shared-value`: the tutorial's `mp.Value('f')` example, a child reporting
//! its progress through shared memory while the parent polls it; `--processes N` gives
//! every worker its own entry in a shared array (`mp.Array`); `--demo lost-updates`
//! shows why `value += 1` across processes needs `fetch_add`.

use clap::{Parser, ValueEnum};
use shared_value::setup::{
    SetupError, Stop, Worker, describe, join_parent, share_with_children,
};
use shared_value::{
    Report, SLOTS_PER_WORKER, SharedSlots, add_one_atomic, add_one_racy, task,
    unique_shm_name,
};
use std::io::Write;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use support::cli::Common;
use support::errors::context;
use support::interrupt::{Interrupt, exit_code_for};
use support::output::Stdout;
use support::progress::{ProgressLine, percent};

/// mp.Value and mp.Array ported: atomics in a shared-memory segment.
#[derive(Parser, Debug)]
struct Args {
    #[command(flatten)]
    common: Common,

    /// Worker processes, each with its own entry in a shared array
    /// [default: 1; 2 with --demo]
    #[arg(long, value_parser = support::cli::workers::<u32>(64))]
    processes: Option<u32>,

    /// Make each worker abort when it reaches this step (counting from 1)
    #[arg(
        long,
        value_name = "STEP",
        value_parser = support::cli::step,
        conflicts_with = "demo"
    )]
    crash_at: Option<u32>,

    /// Run a demonstration instead of the walkthrough
    #[arg(long)]
    demo: Option<Demo>,

    /// Increments per process in `--demo lost-updates`
    #[arg(
        long,
        default_value_t = 1_000_000,
        value_parser = |s: &str| support::cli::in_range::<u32>(s, 1, 10_000_000)
    )]
    increments: u32,

    /// (internal) Run as a child with this role
    #[arg(long, hide = true)]
    child: Option<Role>,

    /// (internal) The shared-memory name the child maps
    #[arg(long, hide = true)]
    shm: Option<String>,

    /// (internal) The child's index in the shared array
    #[arg(long, hide = true, default_value_t = 0)]
    index: u32,

    /// (internal, for tests) Pause this long after creating the segment, before any
    /// child has mapped it: the one moment a killed parent would leak its name
    #[arg(long, hide = true, value_parser = support::cli::millis)]
    hold_after_create_ms: Option<u64>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Demo {
    /// N processes add 1 to a shared counter: load + store loses updates, fetch_add
    /// does not
    LostUpdates,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Role {
    Worker,
    Counter,
}

/// The lost-updates demo's two counters.
const RACY: usize = 0;
const EXACT: usize = 1;

fn main() {
    let args: Args = support::cli::parse();
    support::cli::check_crash_at(args.crash_at, args.common.steps);
    let code = match args.child {
        Some(role) => child_main(role, &args),
        None => parent_main(&args),
    };
    // Everything with a `Drop` (children, the segment) has been dropped by now.
    std::process::exit(code);
}

fn parent_main(args: &Args) -> i32 {
    let interrupt = match Interrupt::install() {
        Ok(interrupt) => interrupt,
        Err(err) => {
            eprintln!("error: cannot handle signals: {err}");
            return 1;
        }
    };
    let stop = || interrupt.signal();
    // Results go through `writeln!(out, ...)?`: `println!` would panic if stdout were
    // closed (`| head`) or full; this way it is an error, reported in one line.
    let mut out = support::output::stdout();
    let outcome = match args.demo {
        None => walkthrough(args, &stop, &mut out),
        Some(Demo::LostUpdates) => lost_updates(args, &stop, &mut out),
    };
    // Returning dropped the workers (killed and reaped if still running) and the
    // segment.
    match (outcome, interrupt.signal()) {
        (Ok(0), _) => 0,
        // A child killed by the same Ctrl-C is part of the interruption, not a crash.
        (_, Some(sig)) => {
            eprintln!(
                "interrupted: children stopped and reaped, shared memory removed"
            );
            exit_code_for(sig)
        }
        (Ok(code), None) => code,
        (Err(SetupError::Io(err)), None) => {
            support::output::report(support::errors::with_limit(err))
        }
        (Err(err), None) => support::output::report(err),
    }
}

/// Starts `count` copies of this program as children with `role` (Python's "spawn");
/// each will map `name`. They die with us once the setup is over (`join_parent`).
fn spawn_children(
    role: Role,
    count: u32,
    args: &Args,
    name: &str,
    seed: u64,
) -> std::io::Result<Vec<Worker>> {
    (0..count)
        .map(|index| {
            let mut command = Command::new(std::env::current_exe()?);
            let role = role.to_possible_value().expect("roles have names");
            command.args([
                format!("--child={}", role.get_name()),
                format!("--shm={name}"),
                format!("--index={index}"),
                format!("--value={}", args.common.value),
                format!("--steps={}", args.common.steps),
                format!("--max-sleep-ms={}", args.common.max_sleep_ms),
                format!("--seed={}", seed.wrapping_add(u64::from(index))),
                format!("--increments={}", args.increments),
            ]);
            if let Some(step) = args.crash_at {
                command.arg(format!("--crash-at={step}"));
            }
            // On an error, `collect` drops the workers started so far: killed, reaped.
            Worker::spawn(command)
                .map_err(|e| context(format!("starting worker {index}"), e))
        })
        .collect()
}

fn walkthrough(args: &Args, stop: Stop, out: &mut Stdout) -> Result<i32, SetupError> {
    let workers = args.processes.unwrap_or(1);
    let seed = args.common.seed_or_random();
    let name = unique_shm_name("value");
    let mut children = spawn_children(Role::Worker, workers, args, &name, seed)?;
    let len = workers as usize * SLOTS_PER_WORKER;
    let slots = share_with_children(&mut children, &name, len, stop, || {
        hold(args.hold_after_create_ms, stop)
    })?;
    eprintln!(
        "{workers} worker(s) mapped {name} ({} slots); its name is already unlinked",
        slots.len()
    );
    let results = poll_while_alive(&slots, &mut children, stop)?;
    let Some(results) = results else {
        return Ok(1); // a worker crashed; `poll_while_alive` said how
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    for child in &mut children {
        child.wait(stop, deadline)?;
    }
    if results.len() > 1 {
        for (index, result) in results.iter().enumerate() {
            writeln!(out, "Worker {index}: {result}")?;
        }
    }
    // Every worker ran the same task on the same value, so they all agree.
    writeln!(out, "Result: {}", results[0])?;
    Ok(0)
}

// ANCHOR: poll
/// `while p.is_alive(): print(progression.value)`, for every worker: collects the
/// results as they are published; `None` if a worker ended without one.
fn poll_while_alive(
    slots: &SharedSlots,
    children: &mut [Worker],
    stop: Stop,
) -> Result<Option<Vec<f64>>, SetupError> {
    let mut results: Vec<Option<f64>> = vec![None; children.len()];
    let mut line = ProgressLine::new();
    loop {
        if let Some(sig) = stop() {
            return Err(SetupError::Interrupted(sig));
        }
        for (index, child) in children.iter_mut().enumerate() {
            if results[index].is_some() {
                continue;
            }
            // "Ended?" first, "published?" second: a worker publishes before it exits,
            // so one that had ended and still shows no result will never have one.
            let ended = child.try_wait()?;
            results[index] = Report::new(slots, index).result();
            if let (None, Some(status)) = (results[index], ended) {
                line.finish();
                let how = describe(status);
                eprintln!("worker {index} ended without a result: {how}");
                return Ok(None);
            }
        }
        // After collecting, so the last line shows 100%: a worker stores its progress
        // before its done flag, and our Acquire load of the flag makes it visible.
        let shown: Vec<String> = (0..children.len())
            .map(|w| Report::new(slots, w).progress().load(Ordering::Relaxed))
            .map(percent)
            .collect();
        line.show(&format!("progress: {}", shown.join(" ")));
        if results.iter().all(Option::is_some) {
            line.finish();
            return Ok(Some(results.into_iter().flatten().collect()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
// ANCHOR_END: poll

/// The test hook behind `--hold-after-create-ms`: wait with the name in `/dev/shm`.
fn hold(ms: Option<u64>, stop: Stop) {
    let Some(ms) = ms else { return };
    eprintln!("holding {ms} ms before the children map the segment");
    let until = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < until && stop().is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn lost_updates(args: &Args, stop: Stop, out: &mut Stdout) -> Result<i32, SetupError> {
    let processes = args.processes.unwrap_or(2);
    let Some(expected) = processes.checked_mul(args.increments) else {
        support::cli::refuse("--processes times --increments must stay below 2^32");
    };
    let name = unique_shm_name("counter");
    let seed = args.common.seed_or_random();
    let mut children = spawn_children(Role::Counter, processes, args, &name, seed)?;
    let slots = share_with_children(&mut children, &name, 2, stop, || {
        hold(args.hold_after_create_ms, stop)
    })?;
    let deadline = Instant::now() + Duration::from_secs(60);
    for (index, child) in children.iter_mut().enumerate() {
        let status = child.wait(stop, deadline)?;
        if !status.success() {
            eprintln!("counter {index} {}", describe(status));
            return Ok(1);
        }
    }
    // Every child has exited and been reaped, so every write it made is visible.
    let racy = slots.u32(RACY).load(Ordering::Relaxed);
    let exact = slots.u32(EXACT).load(Ordering::Relaxed);
    writeln!(
        out,
        "{processes} processes x {} increments = {expected}",
        args.increments
    )?;
    writeln!(
        out,
        "load, then store: {racy:>10} ({} updates lost)",
        expected - racy
    )?;
    writeln!(out, "fetch_add:        {exact:>10}")?;
    writeln!(out, "Result: {exact}")?;
    Ok(0)
}

fn child_main(role: Role, args: &Args) -> i32 {
    let Some(name) = args.shm.as_deref() else {
        eprintln!("error: --child needs --shm");
        return 2;
    };
    let slots = match join_parent(name) {
        Ok(Some(slots)) => slots,
        Ok(None) => {
            // The parent died during setup, or nobody started us: one line either way.
            let pid = std::process::id();
            eprintln!(
                "error: child {pid}: no parent answered on stdin (--child is internal)"
            );
            return 1;
        }
        Err(err) => {
            eprintln!("error: child {}: {err}", std::process::id());
            return 1;
        }
    };
    match role {
        Role::Worker => {
            let report = Report::new(&slots, args.index as usize);
            let c = &args.common;
            let result = task(
                c.value,
                c.steps,
                c.max_sleep_ms,
                c.seed.unwrap_or(0),
                args.crash_at,
                report.progress(),
            );
            report.publish(result);
        }
        Role::Counter => {
            let (racy, exact) = (slots.u32(RACY), slots.u32(EXACT));
            for _ in 0..args.increments {
                add_one_racy(racy);
                add_one_atomic(exact);
            }
        }
    }
    0
}
