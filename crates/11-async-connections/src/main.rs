//! Lesson `async-connections`: many slow connections, one thread each against one
//! tokio task each. Run it with
//! `just run async-connections --steps 5 --max-sleep-ms 1 --seed 7 --connections 20`.
//!
//! 1. a slow server starts on 127.0.0.1, on a port the system picks;
//! 2. `--connections` clients talk to it at once, one thread per connection;
//! 3. the same clients again, one tokio task per connection;
//! 4. a summary: wall time and peak memory of each way.
//!
//! Each way runs in a fresh copy of this program (a child with the hidden `--way`
//! argument), so that its peak memory is its own; the server stays in the parent.

use async_connections::{
    Behaviour, Delay, MAX_DELAY, Outcome, Plan, Report, SlowServer, Stop, peak_memory,
    tasks, threads,
};
use clap::{Parser, ValueEnum};
use std::io::{self, BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;
use support::cli::Common;
use support::progress::{ProgressLine, percent};

/// One line of results on stdout. If stdout fails (a closed pipe, a full disk), the run
/// ends the way every lesson's does (support::output): quietly with 141 for a closed
/// pipe, else one line and status 1. No child of ours is running when results print.
macro_rules! say_out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(err) = writeln!(support::output::stdout(), $($arg)*) {
            std::process::exit(support::output::report(err));
        }
    }};
}

/// Many slow connections: one thread per connection against one tokio task each.
#[derive(Parser, Debug)]
#[command(name = "async-connections")]
struct Args {
    #[command(flatten)]
    common: Common,

    /// How many connections are open at once (each sends --steps requests)
    #[arg(long, default_value_t = 200, value_parser = in_range(1, 10_000))]
    connections: u64,

    /// How long one call (connecting, or a request and its answer) may take, in ms
    #[arg(long, default_value_t = 5000, value_parser = in_range(1, 600_000))]
    timeout_ms: u64,

    /// The server reads every request and never answers: watch the timeouts fire
    #[arg(long)]
    silent_server: bool,

    /// (internal) Run as a child: the clients of one way
    #[arg(long, hide = true, value_enum, requires = "addr")]
    way: Option<Way>,

    /// (internal) The server's address, for a child
    #[arg(long, hide = true, requires = "way")]
    addr: Option<SocketAddr>,
}

/// A whole number from `low` to `high`.
fn in_range(low: u64, high: u64) -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(low..=high)
}

/// The two ways of holding many connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Way {
    Threads,
    Tasks,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Threads => "one thread each",
            Way::Tasks => "one tokio task each",
        }
    }
}

/// How often a child reports its count of answers, and the parent looks at Ctrl-C.
const TICK: Duration = Duration::from_millis(100);

fn main() {
    let args: Args = support::cli::parse();
    if args.common.max_sleep_ms > MAX_DELAY.as_millis() as u64 {
        eprintln!(
            "error: --max-sleep-ms {}: the server waits at most {} ms",
            args.common.max_sleep_ms,
            MAX_DELAY.as_millis()
        );
        std::process::exit(2);
    }
    let plan = Plan {
        connections: args.connections as usize,
        steps: args.common.steps,
        value: args.common.value,
        delay: Delay::UpTo(Duration::from_millis(args.common.max_sleep_ms)),
        seed: args.common.seed_or_random(),
        timeout: Duration::from_millis(args.timeout_ms),
    };
    let code = match (args.way, args.addr) {
        (Some(way), Some(addr)) => child_main(way, addr, plan),
        _ => parent_main(&args, plan),
    };
    std::process::exit(code);
}

// ANCHOR: run_way
/// One way of running the plan, and what it cost: the report, and the peak memory of
/// this process before and after (it runs in a fresh process, so that is its own).
fn run_way(
    way: Way,
    addr: SocketAddr,
    plan: Plan,
    answered: Arc<AtomicU64>,
) -> Summary {
    let before = peak_memory();
    let stop = Stop::new(); // nobody asks: Ctrl-C ends this process outright
    let report = match way {
        Way::Threads => Ok(threads::run(addr, plan, answered, stop)),
        Way::Tasks => tasks::run(addr, plan, answered, stop),
    };
    Summary {
        report,
        memory: (before, peak_memory()),
    }
}
// ANCHOR_END: run_way

/// What a child found out, as the parent receives it.
struct Summary {
    report: io::Result<Report>,
    /// Peak memory (bytes) before the clients started, and at the end.
    memory: (Option<u64>, Option<u64>),
}

/// A child: run one way, telling the parent on stdout how many answers came so far
/// (`answered N`, every tick), then the outcome, one `key value` line each.
fn child_main(way: Way, addr: SocketAddr, plan: Plan) -> i32 {
    #[cfg(unix)]
    async_connections::child::watch_parent();
    let answered = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (answered, done) = (Arc::clone(&answered), Arc::clone(&done));
        thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                say(&format!("answered {}", answered.load(Ordering::Relaxed)));
                thread::sleep(TICK);
            }
        })
    };
    let summary = run_way(way, addr, plan, Arc::clone(&answered));
    done.store(true, Ordering::Relaxed);
    let _ = ticker.join();
    let report = match summary.report {
        Ok(report) => report,
        Err(err) => {
            say(&format!("error {err}"));
            return 1;
        }
    };
    let count = |f: fn(&Outcome) -> bool| report.count(f);
    say(&format!("answered {}", answered.load(Ordering::Relaxed)));
    say(&format!(
        "outcomes {} {} {} {}",
        report.answered(),
        report.timed_out(),
        count(|o| matches!(o, Outcome::Failed { .. })),
        count(|o| matches!(o, Outcome::Stopped)),
    ));
    say(&format!("elapsed {}", report.elapsed.as_secs_f64()));
    if let (Some(before), Some(peak)) = summary.memory {
        say(&format!("memory {before} {peak}"));
    }
    if let Some(value) = report.value() {
        say(&format!("value {value}"));
    }
    if let Some(error) = report.first_error() {
        say(&format!("failure {error}"));
    }
    0
}

/// One line to the parent. A parent that is gone ends the child.
fn say(line: &str) {
    let mut out = io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        std::process::exit(1);
    }
}

/// What the parent learned about one way.
#[derive(Default)]
struct Tally {
    answered: u64,
    /// Connections that got every answer, timed out, failed, were stopped.
    outcomes: [u64; 4],
    elapsed: Option<f64>,
    memory: Option<(u64, u64)>,
    value: Option<f64>,
    failure: Option<String>,
    error: Option<String>,
}

impl Tally {
    /// Takes in one line from the child.
    fn read(&mut self, line: &str) {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        let numbers: Vec<f64> = rest
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        match (key, numbers.as_slice()) {
            ("answered", [n]) => self.answered = *n as u64,
            ("outcomes", [a, t, f, s]) => {
                self.outcomes = [*a as u64, *t as u64, *f as u64, *s as u64]
            }
            ("elapsed", [secs]) => self.elapsed = Some(*secs),
            ("memory", [before, peak]) => {
                self.memory = Some((*before as u64, *peak as u64))
            }
            ("value", [value]) => self.value = Some(*value),
            ("failure", _) => self.failure = Some(rest.to_string()),
            ("error", _) => self.error = Some(rest.to_string()),
            _ => {}
        }
    }
}

fn parent_main(args: &Args, plan: Plan) -> i32 {
    let interrupt = match Interrupt::install() {
        Ok(interrupt) => interrupt,
        Err(err) => {
            eprintln!("error: cannot install the signal handlers: {err}");
            return 1;
        }
    };
    if let Err(line) = make_room_for(plan.connections) {
        eprintln!("error: {line}");
        return 2;
    }
    let behaviour = if args.silent_server {
        Behaviour::Silent
    } else {
        Behaviour::Answer
    };
    let server = match SlowServer::start(behaviour) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("error: cannot start the server: {err}");
            return 1;
        }
    };
    say_out!(
        "The slow server listens on {}; each request asks it to wait up to {} ms.",
        server.addr(),
        args.common.max_sleep_ms
    );
    let requests = if plan.steps == 1 {
        "request"
    } else {
        "requests"
    };
    say_out!(
        "{} connections at once, each sending {} {requests} one after the other:",
        plan.connections,
        plan.steps
    );
    let mut tallies = Vec::new();
    for way in [Way::Threads, Way::Tasks] {
        match watch_child(args, way, server.addr(), plan, &interrupt) {
            Ok(tally) => tallies.push((way, tally)),
            Err(Stopped(signal)) => {
                server.stop();
                return interrupted(signal);
            }
        }
    }
    server.stop();
    if let Some(signal) = interrupt.signal() {
        return interrupted(signal);
    }
    print_summary(&tallies);
    verdict(&tallies, plan)
}

/// The parent was interrupted by this signal.
struct Stopped(i32);

/// Says so, and gives the exit status a shell reports for a program ended by `signal`.
fn interrupted(signal: i32) -> i32 {
    eprintln!("interrupted by signal {signal}: the server and clients stopped");
    128 + signal
}

/// Starts the child that runs `way`, shows its progress, and collects what it says.
/// Ctrl-C (or SIGTERM) ends the wait at the next tick; the child is killed and reaped.
fn watch_child(
    args: &Args,
    way: Way,
    addr: SocketAddr,
    plan: Plan,
    interrupt: &Interrupt,
) -> Result<Tally, Stopped> {
    let mut tally = Tally::default();
    let mut child = match start_child(args, way, addr, plan) {
        Ok(child) => child,
        Err(err) => {
            tally.error = Some(format!("cannot start the child: {err}"));
            return Ok(tally);
        }
    };
    let (lines, incoming) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped");
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let label = match way {
        Way::Threads => "threads",
        Way::Tasks => "tasks",
    };
    let mut progress = ProgressLine::new();
    let total = plan.requests();
    loop {
        if let Some(signal) = interrupt.signal() {
            progress.finish();
            let _ = finish(&mut child, reader, true);
            return Err(Stopped(signal));
        }
        match incoming.recv_timeout(TICK) {
            Ok(line) => tally.read(&line),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let share = 100.0 * tally.answered as f32 / total as f32;
        progress.show(&format!(
            "{label}: {}/{total} answers {}",
            tally.answered,
            percent(share)
        ));
    }
    progress.finish();
    let status = finish(&mut child, reader, false);
    if let Some(signal) = interrupt.signal().or_else(|| stopped_by(&status)) {
        return Err(Stopped(signal));
    }
    if tally.elapsed.is_none() && tally.error.is_none() {
        let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
        tally.error = Some(format!("the child ended without a report ({status})"));
    }
    Ok(tally)
}

/// Reaps the child (killing it first if `kill`), and joins the thread reading it.
fn finish(
    child: &mut Child,
    reader: thread::JoinHandle<()>,
    kill: bool,
) -> io::Result<ExitStatus> {
    if kill {
        let _ = child.kill();
    }
    let status = child.wait();
    let _ = reader.join();
    status
}

/// The signal that ended a child, if it was Ctrl-C's or SIGTERM: the child may see it
/// (and die of it, ending its output) a moment before this process's handler has run.
fn stopped_by(status: &io::Result<ExitStatus>) -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        let signal = status.as_ref().ok()?.signal()?;
        [libc::SIGINT, libc::SIGTERM]
            .contains(&signal)
            .then_some(signal)
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

/// This program again, as the child that runs `way`.
fn start_child(
    args: &Args,
    way: Way,
    addr: SocketAddr,
    plan: Plan,
) -> io::Result<Child> {
    #[cfg(unix)]
    let mut command = async_connections::child::self_command()?;
    #[cfg(not(unix))]
    let mut command = std::process::Command::new(std::env::current_exe()?);
    let way = way.to_possible_value().expect("not skipped");
    command
        .arg(format!("--way={}", way.get_name()))
        .arg(format!("--addr={addr}"))
        .arg(format!("--connections={}", plan.connections))
        .arg(format!("--steps={}", plan.steps))
        .arg(format!("--value={}", plan.value))
        .arg(format!("--max-sleep-ms={}", args.common.max_sleep_ms))
        .arg(format!("--seed={}", plan.seed))
        .arg(format!("--timeout-ms={}", args.timeout_ms))
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    command.spawn()
}

// ANCHOR: open_files
/// Every connection is a socket, and every socket an open file: the server (this
/// process) and the clients (a child, which inherits the limit) need one each per
/// connection, and a few more. Raise the soft limit as far as the hard one allows.
#[cfg(unix)]
fn make_room_for(connections: usize) -> Result<(), String> {
    let wanted = connections as u64 + 64;
    let now = async_connections::limits::raise_open_files(wanted)
        .map_err(|err| format!("cannot raise the open-files limit: {err}"))?;
    if now < wanted {
        return Err(format!(
            "--connections {connections} needs {wanted} open files, but this \
             process may open only {now}: run `ulimit -n {wanted}` first (at most \
             `ulimit -Hn`; root can raise that), or ask for fewer connections"
        ));
    }
    // Room for the server's sockets in this process's table of open files (step 4).
    #[cfg(target_os = "linux")]
    let _ = async_connections::limits::reserve_open_files(connections);
    Ok(())
}
// ANCHOR_END: open_files

/// Windows has no such limit to raise.
#[cfg(not(unix))]
fn make_room_for(_connections: usize) -> Result<(), String> {
    Ok(())
}

/// Bytes in MiB, one decimal.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// The table: per way, how its connections ended, its wall time, its peak memory, and
/// how much of that its clients added (the peak minus what the process held before).
fn print_summary(tallies: &[(Way, Tally)]) {
    say_out!(
        "{:<20} {:>8} {:>9} {:>6} {:>9} {:>11} {:>9}",
        "",
        "answered",
        "timed out",
        "failed",
        "wall time",
        "peak memory",
        "growth"
    );
    for (way, tally) in tallies {
        let [answered, timed_out, failed, _stopped] = tally.outcomes;
        let wall = tally
            .elapsed
            .map_or("-".to_string(), |secs| format!("{secs:.2} s"));
        let (peak, growth) = match tally.memory {
            Some((before, peak)) => (mib(peak), mib(peak.saturating_sub(before))),
            None => ("-".to_string(), "-".to_string()),
        };
        print!(
            "{:<20} {answered:>8} {timed_out:>9} {failed:>6}",
            way.name()
        );
        say_out!(" {wall:>9} {peak:>11} {growth:>9}");
    }
}

/// `Result: <value>` and 0 if every connection of both ways got every answer;
/// otherwise one error line per way that fell short, and 1.
fn verdict(tallies: &[(Way, Tally)], plan: Plan) -> i32 {
    let mut code = 0;
    let mut values = Vec::new();
    for (way, tally) in tallies {
        let [_, timed_out, failed, _] = tally.outcomes;
        let name = way.name();
        if let Some(error) = &tally.error {
            eprintln!("error: {name}: {error}");
            code = 1;
        } else if timed_out > 0 {
            eprintln!(
                "error: {name}: {timed_out} of {} connections timed out (a call took \
                 over --timeout-ms {})",
                plan.connections,
                plan.timeout.as_millis()
            );
            code = 1;
        } else if failed > 0 {
            let why = tally.failure.as_deref().unwrap_or("unknown");
            eprintln!(
                "error: {name}: {failed} of {} connections failed, the first with: \
                 {why}",
                plan.connections
            );
            code = 1;
        }
        values.push(tally.value);
    }
    match values.as_slice() {
        [Some(a), Some(b)] if code == 0 && a == b => say_out!("Result: {a}"),
        _ if code == 0 => {
            eprintln!("error: the two ways disagree: {values:?}");
            code = 1;
        }
        _ => {}
    }
    code
}

#[cfg(unix)]
use support::interrupt::Interrupt;

/// Windows: Ctrl-C ends every process of the console at once; nothing to notice.
#[cfg(not(unix))]
struct Interrupt;

#[cfg(not(unix))]
impl Interrupt {
    fn install() -> io::Result<Self> {
        Ok(Interrupt)
    }

    fn signal(&self) -> Option<i32> {
        None
    }
}
