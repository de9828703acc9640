//! What steps 3 and 4 buy: round trips per second (one `submit`, then its `result()`)
//! and batch tasks per second (submit them all, then collect), through the same
//! two-worker pool, for each step's handle. Run it optimised, as the chapter does:
//!
//!     cargo bench -p futures-pool --bench round_trips
//!
//! Each figure is the best of five runs: on a shared machine, the best run is the one
//! the other programs disturbed least.

use futures_pool::ThreadPool;
use futures_pool::steps::{s1_channel, s2_handle, s3_slot};
use std::time::{Duration, Instant};

const WORKERS: usize = 2;
const ROUNDS: u64 = 20_000;
const BATCH: u64 = 50_000;
const RUNS: usize = 5;

/// Times `f(pool, count)` on a fresh pool, `RUNS` times; returns `count / best time`.
fn best_rate(count: u64, f: impl Fn(&ThreadPool, u64)) -> f64 {
    let best = (0..RUNS)
        .map(|_| {
            let pool = ThreadPool::new(WORKERS).expect("a pool of two workers");
            f(&pool, 1); // the workers are up
            let start = Instant::now();
            f(&pool, count);
            start.elapsed()
        })
        .min()
        .unwrap_or(Duration::MAX);
    count as f64 / best.as_secs_f64()
}

/// Measures one step's `submit(&pool, task)` and prints its row.
macro_rules! row {
    ($name:expr, $submit:path) => {{
        let round_trips = best_rate(ROUNDS, |pool, n| {
            for i in 0..n {
                assert_eq!($submit(pool, move || i).result().ok(), Some(i));
            }
        });
        let batch = best_rate(BATCH, |pool, n| {
            let handles: Vec<_> = (0..n).map(|i| $submit(pool, move || i)).collect();
            for (i, handle) in (0..n).zip(handles) {
                assert_eq!(handle.result().ok(), Some(i));
            }
        });
        println!(
            "{:<30} {:>12} {:>12}",
            $name,
            sig3(round_trips),
            sig3(batch)
        );
    }};
}

/// A rate rounded to three significant digits: the noise is larger than that.
fn sig3(rate: f64) -> f64 {
    let step = 10f64.powi((rate.log10().floor() as i32 - 2).max(0));
    (rate / step).round() * step
}

fn main() {
    println!("{WORKERS} workers, best of {RUNS} runs, per second:");
    println!("{:<30} {:>12} {:>12}", "", "round trips", "batch tasks");
    row!("step 1: a channel per task", s1_channel::submit);
    row!("step 2: the handle, a channel", s2_handle::submit);
    row!("step 3: the handle, a slot", s3_slot::submit);
    row!("step 4: one allocation", ThreadPool::submit);
}
