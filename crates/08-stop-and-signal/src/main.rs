//! Lesson `stop-and-signal`: stop threads cooperatively; terminate, kill and signal
//! processes. Run it with `just run stop-and-signal --steps 5 --max-sleep-ms 1 --seed 7`.

use clap::Parser;
use crossbeam_channel::RecvTimeoutError;
use nix::sys::signal::{SigHandler, Signal, signal};
use std::ffi::OsStr;
use std::io::{self, Write};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use stop_and_signal::{
    EXIT_STOPPED, Ending, Lines, Next, Outcome, Pool, Report, Requests, Sent, Work,
    child, percent_done, send_signal, sleep_or_cancel, spawn_watched, task_with_cancel,
    task_with_flag, terminate, terminate_or_hurry, wait_timeout,
};
use support::cli::Common;
use support::errors::context;
use support::interrupt::{Interrupt, exit_code_for};
use support::output::Stdout;
use support::progress::{ProgressLine, percent};

/// Stop threads cooperatively; terminate, kill and signal child processes.
#[derive(Parser, Debug)]
struct Args {
    #[command(flatten)]
    common: Common,

    /// Make the task child abort (crash) after this step, to watch the parent report it
    #[arg(long, value_name = "STEP", value_parser = support::cli::step)]
    crash_at: Option<u32>,

    /// How long a child may take to stop after SIGTERM before it gets SIGKILL, in ms
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 500,
        value_parser = support::cli::millis
    )]
    grace_ms: u64,

    /// Run as a child: the task, answering SIGUSR1 and stopping on SIGTERM
    #[arg(long, hide = true)]
    child: bool,

    /// (child) Run until stopped, like a server, instead of `--steps` steps
    #[arg(long, hide = true)]
    forever: bool,

    /// (child) Ignore SIGTERM
    #[arg(long, hide = true)]
    stubborn: bool,
}

/// How long one wait for a child's line lasts before the parent looks at the interrupt.
const POLL: Duration = Duration::from_millis(50);
/// How often the parent asks the task child for its progress.
const ASK_EVERY: Duration = Duration::from_millis(100);
/// The most a child gets to stop once the parent itself is interrupted, whatever
/// `--grace-ms` says: a program asked to stop must stop within a second.
const STOP_GRACE: Duration = Duration::from_millis(300);

fn main() {
    let args: Args = support::cli::parse();
    support::cli::check_crash_at(args.crash_at, args.common.steps);
    let seed = args.common.seed_or_random();
    let work = Work {
        value: args.common.value,
        steps: args.common.steps,
        max_sleep_ms: args.common.max_sleep_ms,
        seed,
    };
    if args.child {
        child_role(&args, work);
    }
    let interrupt =
        Interrupt::install().unwrap_or_else(|e| fail("cannot install handlers", e));
    let grace = Duration::from_millis(args.grace_ms);
    // Results go through `writeln!(out, ...)?`: `println!` would panic if stdout were
    // closed (`| head`) or full; this way it is an error, reported in one line.
    let mut out = support::output::stdout();
    if let Err(err) = run(&args, work, &interrupt, grace, &mut out) {
        // Every child has been stopped and reaped on the way out (`Worker`'s drop).
        std::process::exit(support::output::report(err));
    }
}

/// The demos, one after the other; between them, a look at Ctrl-C.
fn run(
    args: &Args,
    work: Work,
    interrupt: &Interrupt,
    grace: Duration,
    out: &mut Stdout,
) -> io::Result<()> {
    // Threads: a demo's step may sleep up to --max-sleep-ms, so no wait below blocks
    // for more than POLL without looking at Ctrl-C.
    stop_with_a_flag(&work, interrupt, out).map_err(|e| context("the stop flag", e))?;
    exit_if_interrupted(interrupt);
    cancel_a_sleep(out).map_err(|e| context("the cancel channel", e))?;
    exit_if_interrupted(interrupt);
    join_with_a_deadline(out).map_err(|e| context("the join with a deadline", e))?;
    exit_if_interrupted(interrupt);
    cancel_queued_jobs(&work, interrupt, out).map_err(|e| context("the pool", e))?;
    exit_if_interrupted(interrupt);

    // Processes: every wait on a child is short, and looks at Ctrl-C each time round.
    let seed = work.seed;
    let value = ask_for_progress(args, seed, interrupt, grace, out)
        .map_err(|e| context("the task child", e))?;
    exit_if_interrupted(interrupt);
    stop_politely(args, seed, interrupt, grace, out)
        .map_err(|e| context("the service child", e))?;
    exit_if_interrupted(interrupt);
    kill_the_stubborn(args, seed, interrupt, grace, out)
        .map_err(|e| context("the stubborn child", e))?;
    exit_if_interrupted(interrupt);

    writeln!(out, "Result: {value}")
}

/// Waits until `done()`, looking at Ctrl-C every [`POLL`] (and exiting on it: a thread
/// ends with its process).
fn wait_or_exit(interrupt: &Interrupt, mut done: impl FnMut() -> bool) {
    while !done() {
        exit_if_interrupted(interrupt);
        thread::sleep(POLL);
    }
}

/// The next message on `channel` (`None` once it is closed), looking at Ctrl-C every
/// [`POLL`] while none comes.
fn recv_or_exit<T>(
    channel: &crossbeam_channel::Receiver<T>,
    interrupt: &Interrupt,
) -> Option<T> {
    loop {
        match channel.recv_timeout(POLL) {
            Ok(message) => return Some(message),
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => exit_if_interrupted(interrupt),
        }
    }
}

/// A thread that checks a stop flag between steps, asked to stop once its first step ends.
fn stop_with_a_flag(
    work: &Work,
    interrupt: &Interrupt,
    out: &mut Stdout,
) -> io::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let (step_tx, steps) = crossbeam_channel::unbounded();
    let worker = {
        let (work, stop) = (*work, Arc::clone(&stop));
        // `thread::spawn` would panic if the system refused the thread.
        thread::Builder::new()
            .spawn(move || {
                task_with_flag(&work, &stop, |done| {
                    let _ = step_tx.send(done);
                })
            })
            .map_err(|e| context("starting its thread", e))?
    };
    // The first step has ended (or the task has).
    let _ = recv_or_exit(&steps, interrupt);
    stop.store(true, Ordering::Relaxed);
    wait_or_exit(interrupt, || worker.is_finished());
    let outcome = worker.join().expect("the task does not panic");
    writeln!(out, "stop flag: the thread {outcome}")
}

/// A thread asleep for 10 s, woken at once by closing its cancel channel.
fn cancel_a_sleep(out: &mut Stdout) -> io::Result<()> {
    let (cancel, cancelled) = crossbeam_channel::bounded::<()>(0);
    let (ready_tx, ready) = crossbeam_channel::bounded(0);
    let sleeper = thread::Builder::new()
        .spawn(move || {
            let _ = ready_tx.send(());
            sleep_or_cancel(&cancelled, Duration::from_secs(10))
        })
        .map_err(|e| context("starting its thread", e))?;
    let _ = ready.recv();
    let start = Instant::now();
    drop(cancel); // closing the channel wakes every receiver
    let was_cancelled = sleeper.join().expect("the sleeper does not panic");
    let ms = start.elapsed().as_millis();
    match was_cancelled {
        true => writeln!(
            out,
            "cancel channel: a 10 s sleep ended {ms} ms after the cancel"
        ),
        false => writeln!(out, "cancel channel: the sleep ran its full 10 s"),
    }
}

/// A thread that never looks at any flag, waited for with a deadline, then detached.
fn join_with_a_deadline(out: &mut Stdout) -> io::Result<()> {
    // Stuck in a call with no timeout and nothing that wakes it: here a channel that
    // nobody sends on; in real programs, a blocking read from a socket, say.
    let (nobody, never) = crossbeam_channel::bounded::<()>(0);
    let stuck = spawn_watched(move || never.recv().is_ok())
        .map_err(|e| context("starting its thread", e))?;
    match stuck.join_timeout(Duration::from_millis(100)) {
        Ok(_) => writeln!(out, "join with a deadline: the thread ended in time")?,
        Err(still_running) => {
            drop(still_running); // detaches it: it cannot be killed, only left behind
            writeln!(
                out,
                "join with a deadline: still running after 100 ms, so it was detached"
            )?;
        }
    }
    // Dropping `nobody` here unblocks the detached thread, which then ends by itself.
    // Had we kept it, the thread would have lived until the process exits.
    drop(nobody);
    Ok(())
}

/// A pool of two workers and four jobs: the two queued jobs are cancelled, the two running
/// ones are stopped through the cancel channel they share.
fn cancel_queued_jobs(
    work: &Work,
    interrupt: &Interrupt,
    out: &mut Stdout,
) -> io::Result<()> {
    let pool = Pool::new(2).map_err(|e| context("starting its worker threads", e))?;
    let (stop_all, cancelled) = crossbeam_channel::bounded::<()>(0);
    let (step_tx, steps) = crossbeam_channel::unbounded();
    let tickets: Vec<_> = (0..4)
        .map(|i| {
            let work = Work {
                seed: work.seed.wrapping_add(i),
                ..*work
            };
            let (cancelled, step_tx) = (cancelled.clone(), step_tx.clone());
            pool.submit(move || {
                task_with_cancel(&work, &cancelled, |done| {
                    let _ = step_tx.send(done);
                })
            })
        })
        .collect();
    drop(step_tx);
    // Jobs 0 and 1 keep both workers busy, so 2 and 3 are (almost surely) still queued.
    // A cancel that comes too late returns false; the cancel channel then stops that job.
    for ticket in &tickets[2..] {
        ticket.cancel();
    }
    let _ = recv_or_exit(&steps, interrupt); // a running job has done a step
    drop(stop_all); // every job that runs now stops at once
    for (i, ticket) in tickets.into_iter().enumerate() {
        match ticket.wait() {
            Some(outcome) => writeln!(out, "pool: job {i} {outcome}")?,
            None => writeln!(out, "pool: job {i} was cancelled before it started")?,
        }
    }
    Ok(())
}

/// The child's side: runs the task, answers SIGUSR1 with its progress and stops cleanly on
/// SIGTERM, between two steps.
fn child_role(args: &Args, work: Work) -> ! {
    let started = child::watch_parent().and_then(|()| Requests::install());
    let Requests { stop, asked } =
        started.unwrap_or_else(|e| fail("child: starting", e));
    if args.stubborn {
        // Replaces the SIGTERM handler just installed: the kernel now drops SIGTERM.
        // SAFETY: SIG_IGN installs no code of ours.
        unsafe { signal(Signal::SIGTERM, SigHandler::SigIgn) }.expect("ignore SIGTERM");
    }
    // Only now may the parent signal us: SIGUSR1's default action is to end the process.
    say(Report::Ready);

    let steps = if args.forever { u32::MAX } else { work.steps };
    let outcome = task_with_flag(&Work { steps, ..work }, &stop, |done| {
        if args.crash_at == Some(done) {
            // A deliberate crash, as a bug in native code would crash; no core file.
            #[cfg(target_os = "linux")]
            let _ = nix::sys::prctl::set_dumpable(false);
            std::process::abort();
        }
        if asked.swap(false, Ordering::Relaxed) {
            say(Report::Progress(done));
        }
    });
    match outcome {
        Outcome::Finished(value) => {
            say(Report::Done(value));
            std::process::exit(0)
        }
        Outcome::Stopped { after } => {
            say(Report::Stopped(after));
            std::process::exit(EXIT_STOPPED)
        }
    }
}

/// One report, one line, one `write`: far below PIPE_BUF, so it arrives whole.
fn say(report: Report) {
    let line = format!("{report}\n");
    let mut out = io::stdout().lock();
    // If the parent is gone, there is nobody to tell (and PDEATHSIG is on its way).
    let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
}

/// A child running this program in its child role, with its stdout read line by line.
struct Worker {
    child: Child,
    lines: Lines,
}

impl Worker {
    fn spawn<S: AsRef<OsStr>>(
        args: &Args,
        seed: u64,
        role: &[S],
    ) -> io::Result<Worker> {
        let c = &args.common;
        let mut command = child::self_command()?;
        command
            .arg("--child")
            .args(role)
            .arg(format!("--value={}", c.value))
            .arg(format!("--steps={}", c.steps))
            .arg(format!("--max-sleep-ms={}", c.max_sleep_ms))
            .arg(format!("--seed={seed}"))
            .stdout(Stdio::piped());
        let mut child = command.spawn().map_err(|e| context("starting it", e))?;
        let lines = Lines::new(child.stdout.take().expect("stdout is piped"));
        Ok(Worker { child, lines })
    }

    // ANCHOR: interrupted
    /// Up to [`POLL`] for a line; looks at the interrupt before, and after an EOF.
    fn listen(&mut self, interrupt: &Interrupt, grace: Duration) -> io::Result<Next> {
        self.stop_if_interrupted(interrupt, grace)?;
        let next = self.lines.next(POLL)?;
        if next == Next::Eof {
            // Ctrl-C reaches the child too: its end may be our interrupt, not a crash.
            self.stop_if_interrupted(interrupt, grace)?;
        }
        Ok(next)
    }

    /// After SIGINT or SIGTERM: stops and reaps the child, exits with 128 + signal.
    /// We are being stopped ourselves, so the child gets [`STOP_GRACE`] at most.
    fn stop_if_interrupted(
        &mut self,
        interrupt: &Interrupt,
        grace: Duration,
    ) -> io::Result<()> {
        if let Some(sig) = interrupt.signal() {
            let (_, ending) = terminate(&mut self.child, grace.min(STOP_GRACE))?;
            eprintln!("interrupted by signal {sig}: the child {ending}");
            std::process::exit(exit_code_for(sig));
        }
        Ok(())
    }
    // ANCHOR_END: interrupted

    /// [`terminate`] for a demo: the grace period ends at once on Ctrl-C, and then we
    /// exit (the child is reaped).
    fn terminate(
        &mut self,
        interrupt: &Interrupt,
        grace: Duration,
    ) -> io::Result<(Sent, Ending)> {
        let ended =
            terminate_or_hurry(&mut self.child, grace, || interrupt.requested())?;
        self.stop_if_interrupted(interrupt, grace)?;
        Ok(ended)
    }

    /// The child's next report; `None` once it has closed its stdout.
    fn report(
        &mut self,
        interrupt: &Interrupt,
        grace: Duration,
    ) -> io::Result<Option<Report>> {
        loop {
            match self.listen(interrupt, grace)? {
                Next::Line(line) => {
                    return line.parse().map(Some).map_err(io::Error::other);
                }
                Next::Timeout => continue,
                Next::Eof => return Ok(None),
            }
        }
    }

    /// Waits for the child's `ready`: only then may it be signalled.
    fn ready(&mut self, interrupt: &Interrupt, grace: Duration) -> io::Result<()> {
        match self.report(interrupt, grace)? {
            Some(Report::Ready) => Ok(()),
            other => Err(unexpected(other)),
        }
    }
}

fn unexpected(report: Option<Report>) -> io::Error {
    match report {
        Some(report) => io::Error::other(format!("unexpected report '{report}'")),
        None => io::Error::other("the child ended without a word"),
    }
}

/// std's `Child` neither kills nor reaps on drop: on an early return, this does. On
/// the usual path the child is already reaped, and this sends nothing.
// ANCHOR: worker_drop
impl Drop for Worker {
    fn drop(&mut self) {
        let _ = terminate(&mut self.child, Duration::from_millis(100));
    }
}
// ANCHOR_END: worker_drop

/// Runs the task in a child and asks for its progress with SIGUSR1 every [`ASK_EVERY`];
/// returns its value. If the child crashes, says so and exits with status 1.
fn ask_for_progress(
    args: &Args,
    seed: u64,
    interrupt: &Interrupt,
    grace: Duration,
    out: &mut Stdout,
) -> io::Result<f64> {
    let crash_at = args.crash_at.map(|step| format!("--crash-at={step}"));
    let mut worker = Worker::spawn(args, seed, crash_at.as_slice())?;
    worker.ready(interrupt, grace)?;
    let (mut progress, mut answers, mut value) = (ProgressLine::new(), 0, None);
    let mut asked_at: Option<Instant> = None;
    // ANCHOR: ask_loop
    loop {
        if asked_at.is_none_or(|at| at.elapsed() >= ASK_EVERY) {
            send_signal(&mut worker.child, Signal::SIGUSR1)?;
            asked_at = Some(Instant::now());
        }
        match worker.listen(interrupt, grace)? {
            Next::Line(line) => match line.parse().map_err(io::Error::other)? {
                Report::Progress(done) => {
                    answers += 1;
                    let pct = percent(percent_done(done, args.common.steps));
                    progress.show(&format!("task child: {pct}"));
                }
                Report::Done(v) => value = Some(v),
                other => return Err(unexpected(Some(other))),
            },
            Next::Timeout => {}
            Next::Eof => break,
        }
    }
    // ANCHOR_END: ask_loop
    progress.finish();
    // Its stdout is closed, so it is exiting: reap it (and if it lingers, stop it).
    let ending = match wait_timeout(&mut worker.child, grace.min(STOP_GRACE))? {
        Some(ending) => ending,
        None => worker.terminate(interrupt, grace)?.1,
    };
    match (ending, value) {
        (Ending::Exited(0), Some(value)) => {
            let plural = if answers == 1 { "" } else { "s" };
            writeln!(
                out,
                "SIGUSR1: the task child gave {answers} progress answer{plural}, then {ending}"
            )?;
            Ok(value)
        }
        _ => {
            eprintln!("error: the task child crashed: it {ending}");
            std::process::exit(1);
        }
    }
}

/// A child that runs until stopped: ask how far it is, then SIGTERM it.
fn stop_politely(
    args: &Args,
    seed: u64,
    interrupt: &Interrupt,
    grace: Duration,
    out: &mut Stdout,
) -> io::Result<()> {
    let mut worker = Worker::spawn(args, seed, &["--forever"])?;
    worker.ready(interrupt, grace)?;
    send_signal(&mut worker.child, Signal::SIGUSR1)?;
    let answer = match worker.report(interrupt, grace)? {
        Some(answer @ Report::Progress(_)) => answer,
        other => return Err(unexpected(other)),
    };
    let (_, ending) = worker.terminate(interrupt, grace)?;
    // Reaped first, read after: its one short last line waits in the pipe, and a dead
    // child's pipe always ends, so neither step can hang.
    let last_words = match worker.report(interrupt, grace)? {
        Some(report) => format!("said '{report}' and"),
        None => "said nothing and".to_string(),
    };
    writeln!(
        out,
        "SIGTERM: the service child answered '{answer}', then on SIGTERM {last_words} {ending}"
    )
}

/// A child that ignores SIGTERM: after the grace period it gets SIGKILL.
fn kill_the_stubborn(
    args: &Args,
    seed: u64,
    interrupt: &Interrupt,
    grace: Duration,
    out: &mut Stdout,
) -> io::Result<()> {
    let mut worker = Worker::spawn(args, seed, &["--forever", "--stubborn"])?;
    worker.ready(interrupt, grace)?;
    let (sent, ending) = worker.terminate(interrupt, grace)?;
    let what = match sent {
        Sent::SigtermThenSigkill => {
            format!("ignored SIGTERM for {} ms, so it", grace.as_millis())
        }
        Sent::Sigterm => "stopped on SIGTERM after all and".to_string(),
        Sent::Nothing => "had already ended and".to_string(),
    };
    writeln!(out, "SIGKILL: the stubborn child {what} {ending}")
}

fn exit_if_interrupted(interrupt: &Interrupt) {
    if let Some(sig) = interrupt.signal() {
        eprintln!("interrupted by signal {sig}");
        std::process::exit(exit_code_for(sig));
    }
}

fn fail(what: &str, err: io::Error) -> ! {
    eprintln!("error: {}", context(what, err));
    std::process::exit(1);
}
