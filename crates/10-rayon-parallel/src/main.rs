//! Lesson `rayon-parallel`, the walkthrough: the tutorial's CPU-bound work with
//! rayon, after the tutorial's outline.
//!
//! 1. how many cores, and how many threads rayon's global pool has (`--threads`);
//! 2. `--steps` jobs of CPU-bound work, with `iter`, then with `par_iter` while the
//!    main thread shows how many jobs are done;
//! 3. the same loop in a local pool of one thread (`install`);
//! 4. `rayon::scope`: a task per job, each writing its own slot of a borrowed `Vec`;
//! 5. a job that panics, and what the caller of `par_iter` sees;
//! 6. blocking calls (`--max-sleep-ms` each) inside a pool, and beside it.
//!
//! The result is the sum of every job's loop: the same whichever way it was computed.

use clap::Parser;
use rayon::ThreadPoolBuilder;
use rayon_parallel::blocking::{
    blocking_in_pool, blocking_on_threads, job_behind_blocking, job_beside_blocking,
};
use rayon_parallel::{
    catch_panic, core_count, in_local_pool, panic_message, seeds, set_global_threads,
    sum_counting, sum_parallel, sum_sequential, sum_with_failing_job, sums_scoped,
    watch,
};
use std::error::Error;
use std::io::Write;
use std::num::NonZero;
use std::panic;
use std::thread;
use std::time::{Duration, Instant};
use support::cli::Common;
use support::output::Stdout;
use support::progress::{ProgressLine, percent};

/// Data parallelism with rayon: par_iter, join, pools, and what not to do in them.
///
/// The work is CPU-bound: --steps jobs, each a loop of --iters turns starting from its
/// own seed (--seed, --seed + 1, ...). The result is the sum of the loops, not
/// --value × 2; --max-sleep-ms is how long each blocking call takes at the end.
#[derive(Parser, Debug)]
#[command(name = "rayon-parallel")]
struct Args {
    #[command(flatten)]
    common: Common,

    /// Threads in rayon's global pool [default: one per core, or $RAYON_NUM_THREADS]
    #[arg(long, value_parser = support::cli::workers::<usize>(256))]
    threads: Option<usize>,

    /// Loop turns in each job
    #[arg(long, default_value_t = 1_000_000, value_parser = iters_in_range)]
    iters: u64,
}

/// `--iters`: 1 to a billion (a job of a billion turns takes seconds).
fn iters_in_range(text: &str) -> Result<u64, String> {
    support::cli::in_range(text, 1, 1_000_000_000)
}

/// How often the main thread looks at the count of jobs done.
const POLL: Duration = Duration::from_millis(100);

fn main() {
    let args: Args = support::cli::parse();
    // Results go through `writeln!(out, ...)?`: `println!` would panic if stdout were
    // a closed pipe or a full disk (see support::output).
    let mut out = support::output::stdout();
    let result = run(&args, &mut out);
    let ended = result.and_then(|total| Ok(writeln!(out, "Result: {total}")?));
    if let Err(err) = ended {
        std::process::exit(support::output::report(err));
    }
}

fn run(args: &Args, out: &mut Stdout) -> Result<u64, Box<dyn Error>> {
    let Common {
        steps,
        max_sleep_ms,
        ..
    } = args.common;
    let iters = args.iters;
    let seeds = seeds(steps as usize, args.common.seed_or_random());
    let threads = args.threads.and_then(NonZero::new);

    // ANCHOR: threads
    // The global pool is built once: by the first parallel work, or here.
    if let Some(threads) = threads {
        set_global_threads(threads).map_err(|err| format!("--threads: {err}"))?;
    }
    let threads = rayon::current_num_threads();
    writeln!(out, "Cores this process may use: {}", core_count())?;
    writeln!(out, "Threads in rayon's global pool: {threads}")?;
    // ANCHOR_END: threads

    // ANCHOR: compare
    // The same jobs with `iter`, then with `par_iter`, watched as they end.
    writeln!(
        out,
        "The CPU-bound work: {steps} jobs of {iters} loop turns each"
    )?;
    let (sequential, one_by_one) = timed(|| sum_sequential(&seeds, iters));
    writeln!(out, "iter:     {}", ms(one_by_one))?;
    let mut line = ProgressLine::new();
    let show = |done: usize| {
        let share = 100.0 * done as f32 / steps as f32;
        line.show(&format!("jobs done: {done}/{steps} {}", percent(share)));
    };
    let work = |done: &_| sum_counting(&seeds, iters, done);
    let (parallel, in_parallel) = timed(|| watch(work, POLL, show));
    line.finish();
    let speedup = one_by_one.as_secs_f64() / in_parallel.as_secs_f64();
    writeln!(out, "par_iter: {} ({speedup:.1}x as fast)", ms(in_parallel))?;
    // ANCHOR_END: compare

    // A local pool of one thread: inside `install`, par_iter uses it.
    let one = NonZero::new(1).expect("1 is not 0");
    let local_work = || (rayon::current_num_threads(), sum_parallel(&seeds, iters));
    let (local, in_local) = timed(|| in_local_pool(one, local_work));
    let (size, local) = local.map_err(|err| format!("a local pool: {err}"))?;
    let in_local = ms(in_local);
    writeln!(
        out,
        "par_iter in a local pool of {}: {in_local}",
        threads_word(size)
    )?;

    // rayon::scope, whose tasks borrow `seeds` and a slot each.
    let sums = sums_scoped(&seeds, iters);
    writeln!(
        out,
        "rayon::scope: {} tasks, each wrote its own slot",
        sums.len()
    )?;
    let scoped: u64 = sums.iter().sum();

    // ANCHOR: panic
    // Job number `bad` panics. The panic comes back on this thread, where
    // `catch_panic` stops it; the pool keeps all its threads.
    let bad = seeds.len() / 2;
    let failing = || catch_panic(|| sum_with_failing_job(&seeds, iters, bad));
    match one_line_panics(failing) {
        Err(message) => {
            writeln!(out, "The caller of par_iter got the panic: {message}")?
        }
        Ok(sum) => writeln!(out, "The failing loop returned {sum}?")?,
    }
    let again = sum_parallel(&seeds, iters);
    let left = rayon::current_num_threads();
    writeln!(out, "Threads in the pool after the panic: {left}")?;
    // ANCHOR_END: panic

    blocking_calls(out, threads, max_sleep_ms)?;

    let ways = [
        ("par_iter", parallel),
        ("the local pool", local),
        ("rayon::scope", scoped),
        ("par_iter after the panic", again),
    ];
    for (way, sum) in ways {
        if sum != sequential {
            return Err(format!("{way} gave {sum}, iter gave {sequential}").into());
        }
    }
    Ok(sequential)
}

/// Blocking calls of `max_sleep_ms` each, in a pool of `threads` threads, then beside
/// it; and a small CPU job given to the pool meanwhile.
fn blocking_calls(
    out: &mut Stdout,
    threads: usize,
    max_sleep_ms: u64,
) -> Result<(), Box<dyn Error>> {
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|err| format!("a pool for the blocking calls: {err}"))?;
    let wait = Duration::from_millis(max_sleep_ms);
    let small_seeds = seeds(16, 1);
    let small_job = || sum_parallel(&small_seeds, 10_000);

    // ANCHOR: blocking
    // A sleep stands in for a blocking call: a read from a socket, a slow disk.
    let blocking = move || thread::sleep(wait);
    let calls = 4 * threads;
    writeln!(out, "{calls} blocking calls of {max_sleep_ms} ms each:")?;
    let in_pool = ms(blocking_in_pool(&pool, calls, blocking));
    writeln!(
        out,
        "  as a par_iter on {}: {in_pool}",
        threads_word(threads)
    )?;
    let on_threads = ms(blocking_on_threads(calls, blocking));
    writeln!(out, "  on {calls} threads of their own: {on_threads}")?;
    let (_, behind) = job_behind_blocking(&pool, blocking, small_job);
    writeln!(
        out,
        "A small CPU job, the pool's threads blocked: {}",
        ms(behind)
    )?;
    let (_, beside) = job_beside_blocking(&pool, blocking, threads, small_job);
    writeln!(
        out,
        "The same job, the calls on threads of their own: {}",
        ms(beside)
    )?;
    // ANCHOR_END: blocking
    Ok(())
}

/// Runs `work` with a panic hook that reports a panic in one line on stderr (no
/// backtrace, whatever RUST_BACKTRACE says), then puts the previous hook back.
fn one_line_panics<T>(work: impl FnOnce() -> T) -> T {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        eprintln!("a rayon job panicked: {}", panic_message(info.payload()));
    }));
    let value = work();
    panic::set_hook(previous);
    value
}

/// Runs `work` and returns its value and how long it took.
fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = work();
    (value, start.elapsed())
}

/// `1 thread`, `2 threads`
fn threads_word(n: usize) -> String {
    if n == 1 {
        "1 thread".to_string()
    } else {
        format!("{n} threads")
    }
}

/// `12.3 ms`
fn ms(time: Duration) -> String {
    format!("{:.1} ms", time.as_secs_f64() * 1e3)
}
