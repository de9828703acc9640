//! Lesson `measured`: each row runs a Rust building block and its Python twin back to
//! back, a few times, and reports the medians and how many times better Rust did.
//!
//! `just bench` (or `just bench --quick`, about a minute); `--json` for a
//! machine-readable table, `--svg PATH` for a chart.

use clap::Parser;
use measured::chart::{Spread, Workload};
use measured::idioms::{self, Way};
use measured::python::Python;
use measured::{Row, SPECS, Spec, median};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use support::interrupt::{Interrupt, exit_code_for};
use support::progress::ProgressLine;

/// Measure Rust's building blocks against the Python idioms they port (python3 on PATH
/// runs the Python side; without it only the Rust side is reported). Unlike the other
/// lessons, this one takes none of --value, --steps, --max-sleep-ms or --seed: its
/// workloads are fixed so that runs compare.
#[derive(Parser, Debug)]
#[command(name = "measured")]
struct Args {
    /// Smaller sizes (still 7 paired runs per row, for steady medians): about a minute
    /// in all
    #[arg(long)]
    quick: bool,

    /// Print the rows as JSON instead of a table
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
/// How much work one run of each row does. Python does most steps tens of times slower,
/// so it gets less work: a run should last long enough (mostly a tenth of a second or
/// more) for the clock and the odd interruption not to matter, and short enough to
/// repeat.
struct Sizes {
    pool_tasks: (u32, u32), // (python, rust)
    roundtrips: (u32, u32),
    cpu_iters: (u64, u64), // loop turns per worker; 2 workers
    io_sleeps: u64,        // sleeps of 10 ms per worker; 4 workers, both languages
    starts: (u32, u32),
    messages: (u32, u32),
    updates: (u64, u64),
    process_increments: (u64, u64), // per process; 2 processes
    thread_increments: (u64, u64),  // per thread; 2 threads
}

const QUICK: Sizes = Sizes {
    pool_tasks: (20_000, 200_000),
    roundtrips: (3_000, 20_000),
    cpu_iters: (3_000_000, 200_000_000),
    io_sleeps: 5,
    starts: (5, 20),
    messages: (20_000, 200_000),
    updates: (300_000, 50_000_000),
    process_increments: (50_000, 1_000_000),
    thread_increments: (200_000, 2_000_000),
};

const FULL: Sizes = Sizes {
    pool_tasks: (50_000, 1_000_000),
    roundtrips: (10_000, 100_000),
    cpu_iters: (5_000_000, 300_000_000),
    io_sleeps: 10,
    starts: (20, 100),
    messages: (100_000, 1_000_000),
    updates: (1_000_000, 200_000_000),
    process_increments: (200_000, 5_000_000),
    thread_increments: (1_000_000, 10_000_000),
};
// ANCHOR_END: sizes

/// Just enough work to run every code path once (`--smoke`, for the tests).
const SMOKE: Sizes = Sizes {
    pool_tasks: (10, 10),
    roundtrips: (10, 10),
    cpu_iters: (1_000, 1_000),
    io_sleeps: 1,
    starts: (1, 2),
    messages: (10, 10),
    updates: (10, 10),
    process_increments: (10, 10),
    thread_increments: (10, 10),
};

const POOL_WORKERS: usize = 2;
const CPU_WORKERS: usize = 2;
const IO_WORKERS: usize = 4;
const IO_SLEEP_MS: u64 = 10;

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

/// One language's per-run speedups over sequential, for the chart: (threads,
/// processes).
#[derive(Default)]
struct Ways {
    cpu: (Vec<f64>, Vec<f64>),
    io: (Vec<f64>, Vec<f64>),
}

fn main() {
    let args: Args = support::cli::parse();
    if let Some(role) = &args.child {
        std::process::exit(match &role[..] {
            [word, name, profile] if word == "row" => row_child(name, profile),
            _ => idioms::child_main(role),
        });
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
    let repeats = args.repeats;
    let specs: Vec<Spec> = SPECS
        .into_iter()
        .filter(|s| args.only.is_empty() || args.only.iter().any(|o| o == s.name))
        .collect();
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

    let (mut py_ways, mut rs_ways) = (Ways::default(), Ways::default());
    let mut rows = Vec::new();
    let mut failed = false;
    let mut progress = ProgressLine::new();
    // ANCHOR: pairs
    'rows: for spec in &specs {
        let (mut py_samples, mut rs_samples) = (Vec::new(), Vec::new());
        for run in 1..=repeats {
            if interrupt.requested() {
                break 'rows;
            }
            progress.show(&format!("{:<24} run {run}/{repeats}", spec.name));
            // Back to back, so both sides see the same machine (load, clock speed,
            // cache).
            let rust = rust_side(spec.name, profile);
            match rust.and_then(|figures| score(spec.name, &figures, &mut rs_ways)) {
                Ok(x) => rs_samples.push(x),
                Err(_) if interrupt.requested() => {}
                Err(err) => {
                    progress.finish();
                    eprintln!("error: {}: rust side: {err}", spec.name);
                    failed = true;
                }
            }
            if let Some(py) = &python {
                let python = python_side(py, spec.name, profile.sizes());
                match python
                    .and_then(|figures| score(spec.name, &figures, &mut py_ways))
                {
                    Ok(x) => py_samples.push(x),
                    Err(_) if interrupt.requested() => {}
                    Err(err) => {
                        progress.finish();
                        eprintln!("warning: {}: python side: {err}", spec.name);
                    }
                }
            }
        }
        rows.push(Row::from_samples(*spec, &py_samples, &rs_samples));
    }
    // ANCHOR_END: pairs
    progress.finish();
    drop(progress);
    if let Some(signal) = interrupt.signal() {
        eprintln!("interrupted: stopped after the run under way; no table");
        std::process::exit(exit_code_for(signal));
    }

    let cpu = workload(&py_ways.cpu, &rs_ways.cpu, CPU_WORKERS);
    let io = workload(&py_ways.io, &rs_ways.io, IO_WORKERS);
    if args.json {
        println!("{}", measured::to_json(&rows));
    } else {
        print!("{}", measured::table(&rows));
        println!();
        println!(
            "threads vs processes, speedup over running the same work sequentially:"
        );
        for (name, w) in [("CPU-bound", &cpu), ("I/O-bound", &io)] {
            let x = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}x"));
            println!(
                "  {name}, {} workers: Python threads {}, processes {}; Rust threads {}, processes {}",
                w.workers,
                x(w.python.threads),
                x(w.python.processes),
                x(w.rust.threads),
                x(w.rust.processes)
            );
        }
        println!("{}", measured::result_line(&rows));
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

/// The chart's view of one workload: the medians of the per-run speedups.
fn workload(
    python: &(Vec<f64>, Vec<f64>),
    rust: &(Vec<f64>, Vec<f64>),
    workers: usize,
) -> Workload {
    let spread = |(threads, processes): &(Vec<f64>, Vec<f64>)| Spread {
        threads: median(threads),
        processes: median(processes),
    };
    Workload {
        workers,
        python: spread(python),
        rust: spread(rust),
    }
}

// ANCHOR: score
/// A row's figure from the numbers one run printed. The CPU and I/O rows print three
/// times (sequential, threads, processes): their speedups also go to the chart.
fn score(name: &str, figures: &[f64], ways: &mut Ways) -> Result<f64, String> {
    match (name, figures) {
        ("cpu-threads-speedup", &[seq, threads, processes]) => {
            ways.cpu.0.push(seq / threads);
            ways.cpu.1.push(seq / processes);
            Ok(seq / threads)
        }
        ("io-threads", &[seq, threads, processes]) => {
            ways.io.0.push(seq / threads);
            ways.io.1.push(seq / processes);
            Ok(threads)
        }
        (_, &[figure]) => Ok(figure),
        _ => Err(format!("unexpected figures {figures:?}")),
    }
}
// ANCHOR_END: score

// ANCHOR: rust_side
/// One run of the Rust side of a row, in a fresh process, as every Python run is: a row
/// that grew this process's heap (a million queued tasks) would otherwise slow down the
/// next row's `fork()`, which copies the parent's page tables.
fn rust_side(name: &str, profile: Profile) -> Result<Vec<f64>, String> {
    let out = measured::child::self_command()
        .and_then(|mut command| {
            command
                .args(["--child", "row", name, profile.word()])
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
            word.parse::<f64>()
                .map_err(|_| format!("not a number: {word}"))
        })
        .collect()
}
// ANCHOR_END: rust_side

/// The measuring child (`--child row NAME PROFILE`): prints the row's figures on one
/// line.
fn row_child(name: &str, profile: &str) -> i32 {
    let Some(profile) = Profile::from_word(profile) else {
        eprintln!("error: unknown profile {profile}");
        return 2;
    };
    // Ctrl-C reaches this process too: finish the run (reaping its children, removing
    // its shared memory), then report the signal instead of a figure.
    let interrupt = Interrupt::install().ok();
    let figures = rust_figures(name, profile.sizes());
    if let Some(signal) = interrupt.as_ref().and_then(Interrupt::signal) {
        return exit_code_for(signal);
    }
    match figures {
        Ok(figures) => {
            let words: Vec<String> = figures.iter().map(f64::to_string).collect();
            println!("{}", words.join(" "));
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

// ANCHOR: rust_figures
/// What the measuring child measures: the row's Rust figures, in the row's unit.
fn rust_figures(name: &str, sizes: &Sizes) -> std::io::Result<Vec<f64>> {
    let ways =
        |time: &dyn Fn(Way) -> std::io::Result<Duration>| -> std::io::Result<Vec<f64>> {
            Ok(vec![
                ms(time(Way::Sequential)?),
                ms(time(Way::Threads)?),
                ms(time(Way::Processes)?),
            ])
        };
    Ok(match name {
        "pool-batch" => {
            vec![idioms::pool_batch(POOL_WORKERS, sizes.pool_tasks.1.into())?]
        }
        "pool-roundtrip" => {
            let each = idioms::pool_roundtrip(POOL_WORKERS, sizes.roundtrips.1.into())?;
            vec![each.as_secs_f64() * 1e6]
        }
        "cpu-threads-speedup" => {
            ways(&|way| idioms::cpu_bound(way, CPU_WORKERS, sizes.cpu_iters.1))?
        }
        "io-threads" => ways(&|way| {
            idioms::io_bound(way, IO_WORKERS, sizes.io_sleeps, IO_SLEEP_MS)
        })?,
        "process-start" => vec![ms(idioms::process_start(sizes.starts.1)?)],
        "queue" => vec![idioms::queue_throughput(sizes.messages.1.into())?],
        "shared-value" => vec![idioms::shared_value(sizes.updates.1)?],
        "process-lock-contended" => {
            vec![idioms::process_lock(sizes.process_increments.1)?]
        }
        "thread-lock" => vec![idioms::thread_lock(2, sizes.thread_increments.1)],
        _ => return Err(std::io::Error::other(format!("no such row: {name}"))),
    })
}
// ANCHOR_END: rust_figures

/// One run of the Python twin of a row: the figures it printed (three for the CPU and
/// I/O rows, one run of the program per way).
fn python_side(py: &Python, name: &str, sizes: &Sizes) -> Result<Vec<f64>, String> {
    let run = |script: &str, args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        py.run(script, &args)
    };
    let three = |script: &str, args: &[&str]| -> Result<Vec<f64>, String> {
        ["seq", "threads", "processes"]
            .into_iter()
            .map(|mode| run(script, &[&["--mode", mode], args].concat()))
            .collect()
    };
    let n = |x: u64| x.to_string();
    let pool = POOL_WORKERS.to_string();
    Ok(match name {
        "pool-batch" => vec![run(
            "pool_batch.py",
            &["--tasks", &n(sizes.pool_tasks.0.into()), "--workers", &pool],
        )?],
        "pool-roundtrip" => vec![run(
            "pool_roundtrip.py",
            &[
                "--rounds",
                &n(sizes.roundtrips.0.into()),
                "--workers",
                &pool,
            ],
        )?],
        "cpu-threads-speedup" => three(
            "cpu_bound.py",
            &[
                "--workers",
                &CPU_WORKERS.to_string(),
                "--iters",
                &n(sizes.cpu_iters.0),
            ],
        )?,
        "io-threads" => three(
            "io_bound.py",
            &[
                "--workers",
                &IO_WORKERS.to_string(),
                "--sleeps",
                &n(sizes.io_sleeps),
                "--sleep-ms",
                &n(IO_SLEEP_MS),
            ],
        )?,
        "process-start" => vec![run(
            "process_start.py",
            &["--starts", &n(sizes.starts.0.into())],
        )?],
        "queue" => vec![run(
            "queue_throughput.py",
            &["--messages", &n(sizes.messages.0.into())],
        )?],
        "shared-value" => {
            vec![run("shared_value.py", &["--updates", &n(sizes.updates.0)])?]
        }
        "process-lock-contended" => vec![run(
            "process_lock.py",
            &["--increments", &n(sizes.process_increments.0)],
        )?],
        "thread-lock" => vec![run(
            "thread_lock.py",
            &["--threads", "2", "--ops", &n(sizes.thread_increments.0)],
        )?],
        _ => return Err(format!("no such row: {name}")),
    })
}
