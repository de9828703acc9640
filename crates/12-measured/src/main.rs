//! Lesson `measured`: each row runs a Rust building block and its Python twin back to
//! back, a few times, and reports the medians, how many times better Rust did, and how
//! close Rust came to the machine's ceiling for the same operation.
//!
//! `just bench` (or `just bench --quick`); `--json` for a machine-readable table,
//! `--svg PATH` for a chart.

use clap::Parser;
use measured::chart::{Spread, Workload};
use measured::python::Python;
use measured::{Figures, Load, Row, SPECS, Samples, Spec};
use measured::{ceiling, connections, idioms, machine, pools};
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use support::interrupt::{Interrupt, exit_code_for};
use support::progress::ProgressLine;

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

/// Measure Rust's building blocks against the Python idioms they port, and against the
/// plainest way the machine does the same (python3 on PATH runs the Python side;
/// without it only the Rust side is reported). Unlike the other lessons, this one takes
/// none of --value, --steps, --max-sleep-ms or --seed: its workloads are fixed so that
/// runs compare.
#[derive(Parser, Debug)]
#[command(name = "measured")]
struct Args {
    /// Smaller sizes (still 7 paired runs per row, for steady medians): a few minutes
    #[arg(long)]
    quick: bool,

    /// Print the rows as JSON instead of tables
    #[arg(long)]
    json: bool,

    /// Also write a chart of the run to this SVG file
    #[arg(long, value_name = "PATH")]
    svg: Option<PathBuf>,

    /// Paired runs per row
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    repeats: u32,

    /// Measure only these rows (comma-separated)
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(SPECS.map(|s| s.name)))]
    only: Vec<String>,

    /// Do not run the Python twins, even if python3 is on PATH
    #[arg(long)]
    no_python: bool,

    /// (internal) tiny sizes, for the end-to-end tests: checks that every row runs,
    /// measures nothing
    #[arg(long, hide = true)]
    smoke: bool,

    /// (internal) run as a child process with this role
    #[arg(long, hide = true, num_args = 1.., allow_hyphen_values = true)]
    child: Option<Vec<String>>,
}

// ANCHOR: sizes
/// How much work one run of each row does, (Python, Rust) where they differ. Python
/// does most steps tens of times slower, so it gets less work: a run should last long
/// enough (mostly a tenth of a second or more) for the clock and the odd interruption
/// not to matter, and short enough to repeat.
struct Sizes {
    pool_tasks: (u64, u64),
    roundtrips: (u64, u64),
    cpu_iters: (u64, u64), // loop turns per worker; 2 workers
    io_sleeps: u64,        // sleeps of 10 ms per worker; 4 workers, both languages
    starts: (u32, u32),    // spawn
    fork_starts: (u32, u32),
    empty_starts: (u32, u32),
    messages: (u64, u64),
    updates: (u64, u64),
    process_increments: (u64, u64), // per process; 2 processes
    thread_increments: (u64, u64),  // per thread; 1 and 2 threads
    process_pool_tasks: (u64, u64),
    rayon_iters: u64, // per job, 16 jobs (Python: cpu_iters, 2 processes)
    connections: usize,
    /// How long to wait for a quiet machine before each row.
    quiet: Duration,
}

const QUICK: Sizes = Sizes {
    pool_tasks: (20_000, 200_000),
    roundtrips: (3_000, 50_000),
    cpu_iters: (2_000_000, 200_000_000),
    io_sleeps: 5,
    starts: (5, 20),
    fork_starts: (50, 200),
    empty_starts: (10, 50),
    messages: (20_000, 200_000),
    updates: (300_000, 50_000_000),
    process_increments: (50_000, 1_000_000),
    thread_increments: (200_000, 2_000_000),
    process_pool_tasks: (5_000, 50_000),
    rayon_iters: 25_000_000,
    connections: 1_000,
    quiet: Duration::from_secs(2),
};

const FULL: Sizes = Sizes {
    pool_tasks: (50_000, 1_000_000),
    roundtrips: (10_000, 200_000),
    cpu_iters: (4_000_000, 300_000_000),
    io_sleeps: 10,
    starts: (20, 100),
    fork_starts: (200, 1_000),
    empty_starts: (20, 200),
    messages: (100_000, 1_000_000),
    updates: (1_000_000, 200_000_000),
    process_increments: (200_000, 5_000_000),
    thread_increments: (1_000_000, 10_000_000),
    process_pool_tasks: (10_000, 200_000),
    rayon_iters: 50_000_000,
    connections: 1_000,
    quiet: Duration::from_secs(10),
};
// ANCHOR_END: sizes

/// Just enough work to run every code path once (`--smoke`, for the tests).
const SMOKE: Sizes = Sizes {
    pool_tasks: (10, 10),
    roundtrips: (10, 10),
    cpu_iters: (1_000, 1_000),
    io_sleeps: 1,
    starts: (1, 2),
    fork_starts: (1, 2),
    empty_starts: (1, 2),
    messages: (10, 10),
    updates: (10, 10),
    process_increments: (10, 10),
    thread_increments: (10, 10),
    process_pool_tasks: (10, 10),
    rayon_iters: 1_000,
    connections: 10,
    quiet: Duration::ZERO,
};

const POOL_WORKERS: usize = 2;
const CPU_WORKERS: usize = 2;
const IO_WORKERS: usize = 4;
const IO_SLEEP_MS: u64 = 10;
const RAYON_JOBS: usize = 16;

/// Which sizes a run uses; the word travels to the child that measures the Rust side.
#[derive(Clone, Copy)]
enum Profile {
    Smoke,
    Quick,
    Full,
}

impl Profile {
    fn sizes(self) -> &'static Sizes {
        match self {
            Profile::Smoke => &SMOKE,
            Profile::Quick => &QUICK,
            Profile::Full => &FULL,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Profile::Smoke => "smoke",
            Profile::Quick => "quick",
            Profile::Full => "full",
        }
    }

    fn from_word(word: &str) -> Option<Self> {
        [Profile::Smoke, Profile::Quick, Profile::Full]
            .into_iter()
            .find(|p| p.word() == word)
    }
}

fn main() {
    // Lesson 9's pool workers are this program again: serve tasks if we are one.
    process_pool::serve_if_worker(&pools::tasks());
    let args: Args = support::cli::parse();
    if let Some(role) = &args.child {
        std::process::exit(child_main(role));
    }
    // Ctrl-C or SIGTERM: finish the run under way (so its children are reaped and its
    // shared memory removed), then stop.
    let interrupt = Interrupt::install().unwrap_or_else(|err| {
        eprintln!("error: cannot install the signal handlers: {err}");
        std::process::exit(1);
    });
    let profile = match (args.smoke, args.quick) {
        (true, _) => Profile::Smoke,
        (false, true) => Profile::Quick,
        (false, false) => Profile::Full,
    };
    let sizes = profile.sizes();
    let repeats = args.repeats;
    let runs = measured::runs_for(&args.only);
    let python = if args.no_python { None } else { Python::find() };
    match &python {
        Some(py) => eprintln!(
            "measuring against {} ({} paired runs per row)",
            py.version, repeats
        ),
        None => eprintln!(
            "python3 not found (or --no-python): measuring the Rust side only"
        ),
    }

    let mut harness = Harness {
        profile,
        repeats,
        python,
        interrupt,
        progress: ProgressLine::new(),
        failed: false,
    };
    let (mut py_all, mut rs_all) = (Samples::default(), Samples::default());
    let mut rows = Vec::new();
    for spec in runs {
        // The I/O row's server runs here, for the Rust and the Python clients alike.
        let server = match spec.name {
            "io-many-connections" => match connections::start_server(sizes.connections)
            {
                Ok(server) => Some(server),
                Err(err) => {
                    harness.fail(&format!(
                        "{}: cannot start the server: {err}",
                        spec.name
                    ));
                    continue;
                }
            },
            _ => None,
        };
        let context = server.as_ref().map(|s| s.addr().to_string());
        let Some((load, py_samples, rs_samples)) = harness.measure(spec, context)
        else {
            break; // interrupted
        };
        // The row and its companions, whose figures came from the same runs.
        for s in SPECS
            .iter()
            .filter(|s| s.name == spec.name || s.part_of == Some(spec.name))
        {
            rows.push(Row::from_runs(*s, &py_samples, &rs_samples, load));
        }
        py_all.push_all(&py_samples);
        rs_all.push_all(&rs_samples);
    }
    harness.progress.finish();
    let mut failed = harness.failed;
    if let Some(signal) = harness.interrupt.signal() {
        eprintln!("interrupted: stopped after the run under way; no table");
        std::process::exit(exit_code_for(signal));
    }

    let cpu = workload("cpu", &py_all, &rs_all, CPU_WORKERS);
    let io = workload("io", &py_all, &rs_all, IO_WORKERS);
    if args.json {
        say_out!("{}", measured::to_json(&rows));
    } else {
        say_out!("{}", measured::table(&rows).trim_end_matches('\n'));
        say_out!();
        print_cpu_wall(&rows);
        say_out!(
            "threads vs processes, speedup over running the same work sequentially:"
        );
        for (name, w) in [("CPU-bound", &cpu), ("I/O-bound", &io)] {
            let x = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}x"));
            say_out!(
                "  {name}, {} workers: Python threads {}, processes {}; Rust threads {}, processes {}",
                w.workers,
                x(w.python.threads),
                x(w.python.processes),
                x(w.rust.threads),
                x(w.rust.processes)
            );
        }
        say_out!("{}", measured::result_line(&rows));
    }
    if let Some(path) = &args.svg
        && let Err(err) = measured::chart::write(path, &rows, &cpu, &io)
    {
        eprintln!("error: cannot write {}: {err}", path.display());
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
}

/// What the rows share while they are measured.
struct Harness {
    profile: Profile,
    repeats: u32,
    python: Option<Python>,
    interrupt: Interrupt,
    progress: ProgressLine,
    /// A Rust side failed (or a server would not start): the run exits with 1.
    failed: bool,
}

impl Harness {
    fn fail(&mut self, message: &str) {
        self.progress.finish();
        eprintln!("error: {message}");
        self.failed = true;
    }

    // ANCHOR: pairs
    /// The paired runs of one row: first a bounded wait for a quiet machine (the load is
    /// reported with the row), then each run's Rust side and, at once, its Python side.
    /// `None` if Ctrl-C came.
    fn measure(
        &mut self,
        spec: &Spec,
        context: Option<String>,
    ) -> Option<(Load, Samples, Samples)> {
        let (name, repeats) = (spec.name, self.repeats);
        self.progress
            .show(&format!("{name:<24} waiting for a quiet machine"));
        let load = machine::wait_for_quiet(self.profile.sizes().quiet);
        let (mut python, mut rust) = (Samples::default(), Samples::default());
        for run in 1..=repeats {
            if self.interrupt.requested() {
                return None;
            }
            self.progress
                .show(&format!("{name:<24} run {run}/{repeats}"));
            // Back to back, so both sides see the same machine (load, clock speed,
            // cache).
            match rust_side(name, self.profile, context.as_deref()) {
                Ok(figures) => rust.push(&figures),
                Err(_) if self.interrupt.requested() => {}
                Err(err) => self.fail(&format!("{name}: rust side: {err}")),
            }
            let Some(py) = &self.python else { continue };
            match python_side(py, name, self.profile.sizes(), context.as_deref()) {
                Ok(figures) => python.push(&figures),
                Err(_) if self.interrupt.requested() => {}
                Err(err) => {
                    self.progress.finish();
                    eprintln!("warning: {name}: python side: {err}");
                }
            }
        }
        Some((load, python, rust))
    }
    // ANCHOR_END: pairs
}

/// The rows where two workers should run at once: did they? CPU time over wall time.
fn print_cpu_wall(rows: &[Row]) {
    let with: Vec<&Row> = rows
        .iter()
        .filter(|r| r.cpu_wall.0.is_some() || r.cpu_wall.1.is_some())
        .collect();
    if with.is_empty() {
        return;
    }
    say_out!(
        "CPU time over wall time (2.0: both workers ran all the time, 1.0: one at a time):"
    );
    for row in with {
        let x = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
        let ceiling = row
            .ceiling_cpu_wall
            .map_or(String::new(), |v| format!(", its ceiling {v:.2}"));
        say_out!(
            "  {}: Python {}, Rust {}{ceiling}",
            row.spec.name,
            x(row.cpu_wall.0),
            x(row.cpu_wall.1)
        );
    }
    say_out!();
}

/// The chart's view of one workload: the medians of the per-run speedups.
fn workload(key: &str, python: &Samples, rust: &Samples, workers: usize) -> Workload {
    let spread = |side: &Samples| Spread {
        threads: measured::median(side.get(&format!("chart:{key}:threads"))),
        processes: measured::median(side.get(&format!("chart:{key}:processes"))),
    };
    Workload {
        workers,
        python: spread(python),
        rust: spread(rust),
    }
}

/// What a child started with `--child ...` does; returns its exit status.
fn child_main(role: &[String]) -> i32 {
    match role {
        [word, name, profile, rest @ ..] if word == "row" => {
            row_child(name, profile, rest)
        }
        [word, way, addr, n] if word == "connections" => {
            let parsed = (addr.parse::<SocketAddr>(), n.parse::<usize>());
            let (Ok(addr), Ok(n)) = parsed else {
                eprintln!("error: child `connections`: bad address or count");
                return 2;
            };
            match connections::client(way, addr, n) {
                Ok((elapsed, peak)) => {
                    say_out!("{} {peak}", elapsed.as_secs_f64() * 1e3);
                    0
                }
                Err(err) => {
                    eprintln!("error: child `connections {way}`: {err}");
                    1
                }
            }
        }
        _ => idioms::child_main(role),
    }
}

// ANCHOR: rust_side
/// One run of the Rust side of a row, in a fresh process, as every Python run is: a row
/// that grew this process's heap (a million queued tasks) would otherwise slow down the
/// next row's `fork()`, which copies the parent's page tables. The child prints its
/// figures as `key=value` words.
fn rust_side(
    name: &str,
    profile: Profile,
    context: Option<&str>,
) -> Result<Figures, String> {
    let out = measured::child::self_command()
        .and_then(|mut command| {
            command
                .args(["--child", "row", name, profile.word()])
                .args(context)
                .stdin(Stdio::null())
                .stderr(Stdio::inherit())
                .output()
        })
        .map_err(|err| format!("cannot start the measuring child: {err}"))?;
    if !out.status.success() {
        return Err(format!("the measuring child ended with {}", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .map(|word| {
            let (key, value) = word
                .split_once('=')
                .ok_or(format!("not key=value: {word}"))?;
            let value: f64 =
                value.parse().map_err(|_| format!("not a number: {word}"))?;
            Ok((key.to_string(), value))
        })
        .collect()
}
// ANCHOR_END: rust_side

/// The measuring child (`--child row NAME PROFILE [SERVER]`): prints the row's figures
/// on one line.
fn row_child(name: &str, profile: &str, context: &[String]) -> i32 {
    let Some(profile) = Profile::from_word(profile) else {
        eprintln!("error: unknown profile {profile}");
        return 2;
    };
    // Ctrl-C reaches this process too: finish the run (reaping its children, removing
    // its shared memory), then report the signal instead of a figure.
    let interrupt = Interrupt::install().ok();
    let figures = rust_figures(name, profile.sizes(), context);
    if let Some(signal) = interrupt.as_ref().and_then(Interrupt::signal) {
        return exit_code_for(signal);
    }
    match figures {
        Ok(figures) => {
            let words: Vec<String> =
                figures.iter().map(|(k, v)| format!("{k}={v}")).collect();
            say_out!("{}", words.join(" "));
            0
        }
        Err(err) => {
            eprintln!("error: {name}: {err}");
            1
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Figures from `(key, value)` pairs; a key that is just `+` stands for the row's name,
/// and `ceiling`, `cpu_wall`, `ceiling_cpu_wall` get `:NAME` added.
fn figures(name: &str, pairs: &[(&str, f64)]) -> Figures {
    pairs
        .iter()
        .map(|&(key, value)| {
            let key = match key {
                "+" => name.to_string(),
                "ceiling" | "cpu_wall" | "ceiling_cpu_wall" => format!("{key}:{name}"),
                other => other.to_string(),
            };
            (key, value)
        })
        .collect()
}

// ANCHOR: rust_figures
/// What the measuring child measures: the row's Rust figures (and its ceiling), in the
/// row's unit.
fn rust_figures(name: &str, sizes: &Sizes, context: &[String]) -> io::Result<Figures> {
    let this = std::env::current_exe()?;
    let this = this.to_str().ok_or(io::ErrorKind::InvalidData)?;
    let three = |key: &str, time: &dyn Fn(idioms::Way) -> io::Result<Duration>| {
        let seq = ms(time(idioms::Way::Sequential)?);
        let (threads, processes) = (
            ms(time(idioms::Way::Threads)?),
            ms(time(idioms::Way::Processes)?),
        );
        let row = if key == "cpu" { seq / threads } else { threads };
        let (t, p) = (
            format!("chart:{key}:threads"),
            format!("chart:{key}:processes"),
        );
        Ok::<_, io::Error>(figures(
            name,
            &[("+", row), (&t, seq / threads), (&p, seq / processes)],
        ))
    };
    let rs = sizes.pool_tasks.1;
    Ok(match name {
        "pool-batch" => {
            let chunk = idioms::MAP_CHUNK as u64;
            figures(
                name,
                &[
                    ("+", idioms::pool_batch(POOL_WORKERS, rs)?),
                    ("ceiling", ceiling::channel_batch(POOL_WORKERS, rs)),
                    ("pool-map", idioms::pool_map(POOL_WORKERS, rs)?),
                    (
                        "ceiling:pool-map",
                        ceiling::channel_chunks(POOL_WORKERS, rs, chunk),
                    ),
                ],
            )
        }
        "pool-roundtrip" => figures(
            name,
            &[
                (
                    "+",
                    us(idioms::pool_roundtrip(POOL_WORKERS, sizes.roundtrips.1)?),
                ),
                ("ceiling", us(ceiling::spin_roundtrip(sizes.roundtrips.1)?)),
            ],
        ),
        "cpu-threads-speedup" => three("cpu", &|way| {
            idioms::cpu_bound(way, CPU_WORKERS, sizes.cpu_iters.1)
        })?,
        "io-threads" => three("io", &|way| {
            idioms::io_bound(way, IO_WORKERS, sizes.io_sleeps, IO_SLEEP_MS)
        })?,
        "process-start" => figures(
            name,
            &[
                ("+", ms(idioms::process_start(sizes.starts.1)?)),
                (
                    "ceiling",
                    ms(ceiling::plain_start(
                        this,
                        &["--child", "noop"],
                        sizes.starts.1,
                    )?),
                ),
            ],
        ),
        "process-start-fork" => figures(
            name,
            &[
                ("+", ms(idioms::process_start_fork(sizes.fork_starts.1)?)),
                ("ceiling", ms(ceiling::fork_pipe(sizes.fork_starts.1)?)),
            ],
        ),
        "empty-start" => figures(
            name,
            &[
                (
                    "+",
                    ms(ceiling::plain_start(
                        this,
                        &["--child", "noop"],
                        sizes.empty_starts.1,
                    )?),
                ),
                (
                    "ceiling",
                    ms(ceiling::plain_start(
                        ceiling::true_program(),
                        &[],
                        sizes.empty_starts.1,
                    )?),
                ),
            ],
        ),
        "queue" => {
            // Bulk traffic moves about 20 times faster: 10 times the messages keep its
            // clock well above the noise.
            let bulk = sizes.messages.1 * 10;
            figures(
                name,
                &[
                    ("+", idioms::queue_throughput(sizes.messages.1)?),
                    ("ceiling", ceiling::pipe_messages(sizes.messages.1)?),
                    ("queue-batched", idioms::queue_batched_throughput(bulk)?),
                    (
                        "ceiling:queue-batched",
                        ceiling::pipe_messages_batched(bulk)?,
                    ),
                ],
            )
        }
        "shared-value" => {
            let (rust, ceiling) = (
                idioms::shared_value(sizes.updates.1)?,
                ceiling::shared_store(sizes.updates.1)?,
            );
            figures(
                name,
                &[
                    ("+", rust),
                    ("ceiling", ceiling),
                    ("shared-value-nolock", rust),
                    ("ceiling:shared-value-nolock", ceiling),
                ],
            )
        }
        "process-lock-contended" => {
            let (rate, cpu_wall) = idioms::process_lock(sizes.process_increments.1)?;
            let (ceiling_rate, ceiling_cpu_wall) =
                ceiling::robust_mutex(sizes.process_increments.1)?;
            figures(
                name,
                &[
                    ("+", rate),
                    ("cpu_wall", cpu_wall),
                    ("ceiling", ceiling_rate),
                    ("ceiling_cpu_wall", ceiling_cpu_wall),
                ],
            )
        }
        "thread-lock" => {
            let (two, two_cpu) = idioms::thread_lock(2, sizes.thread_increments.1);
            let (one, one_cpu) = idioms::thread_lock(1, sizes.thread_increments.1);
            figures(
                name,
                &[
                    ("+", two),
                    ("cpu_wall", two_cpu),
                    ("thread-lock-uncontended", one),
                    ("cpu_wall:thread-lock-uncontended", one_cpu),
                ],
            )
        }
        "process-pool-batch" => figures(
            name,
            &[
                ("+", pools::process_pool_batch(sizes.process_pool_tasks.1)?),
                (
                    "ceiling",
                    ceiling::pipe_workers(sizes.process_pool_tasks.1)?,
                ),
            ],
        ),
        "cpu-processes-speedup" => {
            let ways = pools::cpu_processes(sizes.cpu_iters.1)?;
            figures(
                name,
                &[("+", ways.speedup()), ("ceiling", ways.threads_speedup())],
            )
        }
        "cpu-rayon-speedup" => {
            let ways = pools::cpu_rayon(RAYON_JOBS, sizes.rayon_iters);
            figures(
                name,
                &[("+", ways.speedup()), ("ceiling", ways.threads_speedup())],
            )
        }
        "io-many-connections" => {
            let addr: SocketAddr =
                context
                    .first()
                    .and_then(|a| a.parse().ok())
                    .ok_or(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "no server address",
                    ))?;
            let tasks = connections::in_child("tasks", addr, sizes.connections)?;
            let threads = connections::in_child("threads", addr, sizes.connections)?;
            figures(
                name,
                &[
                    ("+", tasks.beyond_ms),
                    ("io-many-connections-threads", threads.beyond_ms),
                    ("io-many-connections-mem", tasks.peak_mb),
                    ("io-many-connections-threads-mem", threads.peak_mb),
                ],
            )
        }
        _ => return Err(io::Error::other(format!("no such row: {name}"))),
    })
}
// ANCHOR_END: rust_figures

/// One run of the Python twin of a row: the figures its programs printed.
fn python_side(
    py: &Python,
    name: &str,
    sizes: &Sizes,
    context: Option<&str>,
) -> Result<Figures, String> {
    let run = |script: &str, args: &[&str]| -> Result<Vec<f64>, String> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        py.run_all(script, &args)
    };
    let one = |script: &str, args: &[&str]| -> Result<f64, String> {
        run(script, args)?
            .last()
            .copied()
            .ok_or(format!("{script} printed nothing"))
    };
    let n = |x: u64| x.to_string();
    let (pool, cpu_workers) = (POOL_WORKERS.to_string(), CPU_WORKERS.to_string());
    let cpu = |mode: &str| {
        one(
            "cpu_bound.py",
            &[
                "--mode",
                mode,
                "--workers",
                &cpu_workers,
                "--iters",
                &n(sizes.cpu_iters.0),
            ],
        )
    };
    let three = |key: &str, time: &dyn Fn(&str) -> Result<f64, String>| {
        let (seq, threads, processes) =
            (time("seq")?, time("threads")?, time("processes")?);
        let row = if key == "cpu" { seq / threads } else { threads };
        let (t, p) = (
            format!("chart:{key}:threads"),
            format!("chart:{key}:processes"),
        );
        Ok::<_, String>(figures(
            name,
            &[("+", row), (&t, seq / threads), (&p, seq / processes)],
        ))
    };
    Ok(match name {
        "pool-batch" => {
            let args = ["--tasks", &n(sizes.pool_tasks.0), "--workers", &pool];
            let chunk = idioms::MAP_CHUNK.to_string();
            let map_args = [&args[..], &["--chunksize", &chunk]].concat();
            figures(
                name,
                &[
                    ("+", one("pool_batch.py", &args)?),
                    ("pool-map", one("pool_batch.py", &map_args)?),
                ],
            )
        }
        "pool-roundtrip" => figures(
            name,
            &[(
                "+",
                one(
                    "pool_roundtrip.py",
                    &["--rounds", &n(sizes.roundtrips.0), "--workers", &pool],
                )?,
            )],
        ),
        "cpu-threads-speedup" => three("cpu", &cpu)?,
        "io-threads" => three("io", &|mode| {
            one(
                "io_bound.py",
                &[
                    "--mode",
                    mode,
                    "--workers",
                    &IO_WORKERS.to_string(),
                    "--sleeps",
                    &n(sizes.io_sleeps),
                    "--sleep-ms",
                    &n(IO_SLEEP_MS),
                ],
            )
        })?,
        "process-start" => figures(
            name,
            &[(
                "+",
                one(
                    "process_start.py",
                    &["--method", "spawn", "--starts", &sizes.starts.0.to_string()],
                )?,
            )],
        ),
        "process-start-fork" => figures(
            name,
            &[(
                "+",
                one(
                    "process_start.py",
                    &[
                        "--method",
                        "fork",
                        "--starts",
                        &sizes.fork_starts.0.to_string(),
                    ],
                )?,
            )],
        ),
        "empty-start" => {
            figures(name, &[("+", ms(py.empty_start(sizes.empty_starts.0)?))])
        }
        "queue" => figures(
            name,
            &[(
                "+",
                one("queue_throughput.py", &["--messages", &n(sizes.messages.0)])?,
            )],
        ),
        "shared-value" => figures(
            name,
            &[
                (
                    "+",
                    one("shared_value.py", &["--updates", &n(sizes.updates.0)])?,
                ),
                (
                    "shared-value-nolock",
                    one(
                        "shared_value.py",
                        &["--updates", &n(sizes.updates.0), "--no-lock"],
                    )?,
                ),
            ],
        ),
        "process-lock-contended" => match run(
            "process_lock.py",
            &["--increments", &n(sizes.process_increments.0)],
        )?[..]
        {
            [rate, cpu_wall] => figures(name, &[("+", rate), ("cpu_wall", cpu_wall)]),
            ref other => return Err(format!("process_lock.py printed {other:?}")),
        },
        "thread-lock" => {
            let ops = n(sizes.thread_increments.0);
            let (two, one_thread) = (
                run("thread_lock.py", &["--threads", "2", "--ops", &ops])?,
                run("thread_lock.py", &["--threads", "1", "--ops", &ops])?,
            );
            match (&two[..], &one_thread[..]) {
                (&[two, two_cpu], &[one, one_cpu]) => figures(
                    name,
                    &[
                        ("+", two),
                        ("cpu_wall", two_cpu),
                        ("thread-lock-uncontended", one),
                        ("cpu_wall:thread-lock-uncontended", one_cpu),
                    ],
                ),
                other => return Err(format!("thread_lock.py printed {other:?}")),
            }
        }
        "process-pool-batch" => figures(
            name,
            &[(
                "+",
                one(
                    "pool_batch.py",
                    &[
                        "--executor",
                        "processes",
                        "--tasks",
                        &n(sizes.process_pool_tasks.0),
                        "--workers",
                        &pool,
                    ],
                )?,
            )],
        ),
        "cpu-processes-speedup" => figures(name, &[("+", cpu("seq")? / cpu("pool")?)]),
        "cpu-rayon-speedup" => figures(name, &[("+", cpu("seq")? / cpu("processes")?)]),
        "io-many-connections" => {
            let port = context
                .and_then(|a| a.parse::<SocketAddr>().ok())
                .ok_or("no server address")?
                .port()
                .to_string();
            let way = |mode: &str| {
                run(
                    "io_connections.py",
                    &[
                        "--mode",
                        mode,
                        "--port",
                        &port,
                        "--connections",
                        &sizes.connections.to_string(),
                    ],
                )
            };
            match (&way("asyncio")?[..], &way("threads")?[..]) {
                (&[asyncio, asyncio_mb], &[threads, threads_mb]) => figures(
                    name,
                    &[
                        ("+", asyncio),
                        ("io-many-connections-threads", threads),
                        ("io-many-connections-mem", asyncio_mb),
                        ("io-many-connections-threads-mem", threads_mb),
                    ],
                ),
                other => return Err(format!("io_connections.py printed {other:?}")),
            }
        }
        _ => return Err(format!("no such row: {name}")),
    })
}
