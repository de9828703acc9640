//! What steps 3 and 4 buy: round trips per second (one `submit`, then its `result()`)
//! and batch tasks per second (submit them all, then collect), through the same
//! two-worker pool, for each step's handle. Run it optimised, as the chapter does:
//!
//!     cargo bench -p futures-pool --bench round_trips
//!
//! Each figure is the best of five runs: on a shared machine, the best run is the one
//! the other programs disturbed least.
//!
//! The last rows time a batch without a pool, as the measured chapter's ceiling does,
//! step 5's `map` (many items per task), and the memory a batch needs. Each of their runs is a fresh process (this program
//! started again with `fresh ROW`): in a warm process, the memory an earlier run freed
//! would be reused, and a fresh process is where the measured chapter times batches.

use futures_pool::ThreadPool;
use futures_pool::steps::{s1_channel, s2_handle, s3_slot};
use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const WORKERS: usize = 2;
const ROUNDS: u64 = 20_000;
const BATCH: u64 = 50_000;
const RUNS: usize = 5;
/// The size of step 4's allocation per task: the memory a batch keeps until read.
const TASK_BYTES: usize = 64;
const PAGE: usize = 4096;
/// Items per task in step 5's `map`.
const CHUNK: usize = 256;

/// Times `f(pool, count)` on a fresh pool, `runs` times; returns `count / best time`.
fn best_rate(runs: usize, count: u64, f: impl Fn(&ThreadPool, u64)) -> f64 {
    let best = (0..runs)
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

/// A batch through one step's `submit(&pool, task)`: submit `n` tasks, then collect.
macro_rules! batch {
    ($submit:path) => {
        |pool: &ThreadPool, n| {
            let handles: Vec<_> = (0..n).map(|i| $submit(pool, move || i)).collect();
            for (i, handle) in (0..n).zip(handles) {
                assert_eq!(handle.result().ok(), Some(i));
            }
        }
    };
}

/// Measures one step's `submit(&pool, task)` and prints its row.
macro_rules! row {
    ($name:expr, $submit:path) => {{
        let round_trips = best_rate(RUNS, ROUNDS, |pool, n| {
            for i in 0..n {
                assert_eq!($submit(pool, move || i).result().ok(), Some(i));
            }
        });
        let batch = best_rate(RUNS, BATCH, batch!($submit));
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

/// A batch of `BATCH` tasks with no pool, as the measured chapter's ceiling: a crossbeam
/// channel to two threads that write each result into an array made before the clock.
/// Returns tasks per second.
fn channel_batch() -> f64 {
    let results: Vec<AtomicU64> = (0..BATCH).map(|_| AtomicU64::new(0)).collect();
    let (send, receive) = crossbeam_channel::unbounded::<u64>();
    let elapsed = thread::scope(|s| {
        for _ in 0..WORKERS {
            let (receive, results) = (receive.clone(), &results);
            s.spawn(move || {
                for i in receive {
                    results[i as usize].store(i + 1, Ordering::Release);
                }
            });
        }
        let start = Instant::now();
        for i in 0..BATCH {
            send.send(i).expect("the workers are there");
        }
        drop(send);
        start // the scope waits for the workers before it returns
    })
    .elapsed();
    let total: u64 = results.iter().map(|r| r.load(Ordering::Acquire)).sum();
    assert_eq!(total, BATCH * (BATCH + 1) / 2, "a result went missing");
    BATCH as f64 / elapsed.as_secs_f64()
}

/// The same batch, and each task has its own 64-byte allocation (an `Arc`, as a pool's
/// handle is), sent to the worker and kept until its result is read: the memory a
/// pool's batch needs, and no pool.
fn allocating_batch() -> f64 {
    let results: Vec<AtomicU64> = (0..BATCH).map(|_| AtomicU64::new(0)).collect();
    let mut kept = Vec::with_capacity(BATCH as usize);
    let (send, receive) = crossbeam_channel::unbounded::<Arc<[u64; 6]>>();
    let start = thread::scope(|s| {
        for _ in 0..WORKERS {
            let (receive, results) = (receive.clone(), &results);
            s.spawn(move || {
                for task in receive {
                    results[task[0] as usize].store(task[0] + 1, Ordering::Release);
                }
            });
        }
        let start = Instant::now();
        for i in 0..BATCH {
            let task = Arc::new([i; 6]); // two counts and 48 bytes: 64 bytes
            kept.push(Arc::clone(&task));
            send.send(task).expect("the workers are there");
        }
        drop(send);
        start
    });
    let read = |task: Arc<[u64; 6]>| results[task[0] as usize].load(Ordering::Acquire);
    // Each task is read, then freed, inside the clock, as a pool's handles are.
    let total: u64 = kept.into_iter().map(read).sum();
    let elapsed = start.elapsed();
    assert_eq!(total, BATCH * (BATCH + 1) / 2, "a result went missing");
    BATCH as f64 / elapsed.as_secs_f64()
}

/// The time to write one byte into each 4 KiB page of a fresh buffer as big as a batch's
/// tasks, in nanoseconds per page. A zeroed buffer this big comes straight from the
/// kernel (`mmap` on Linux and macOS, `VirtualAlloc` on Windows), so every page is new:
/// the first write to it is when the kernel finds and clears a page.
fn first_touch() -> f64 {
    let mut buffer = black_box(vec![0u8; BATCH as usize * TASK_BYTES]);
    let start = Instant::now();
    for page in buffer.chunks_mut(PAGE) {
        page[0] = 1;
    }
    let elapsed = start.elapsed();
    let pages = black_box(buffer).len().div_ceil(PAGE);
    elapsed.as_nanos() as f64 / pages as f64
}

/// Runs `fresh ROW` in a new process of this program, `RUNS` times; returns the best.
fn fresh(row: &str, best: fn(f64, f64) -> f64) -> f64 {
    let program = std::env::current_exe().expect("this program's path");
    (0..RUNS)
        .map(|_| {
            let out = Command::new(&program).args(["fresh", row]).output();
            let out = out.expect("this program runs again");
            assert!(out.status.success(), "fresh {row} failed");
            let text = String::from_utf8_lossy(&out.stdout);
            text.trim()
                .parse::<f64>()
                .expect("the child prints a number")
        })
        .reduce(best)
        .unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, fresh, row] = &args[..]
        && fresh == "fresh"
    {
        let figure = match row.as_str() {
            "channel" => channel_batch(),
            "allocating" => allocating_batch(),
            "pool" => best_rate(1, BATCH, batch!(ThreadPool::submit)),
            "map" => best_rate(1, BATCH, |pool, n| {
                let total: u64 =
                    pool.map(|i| i + 1, 0..n, CHUNK).map(Result::unwrap).sum();
                assert_eq!(total, n * (n + 1) / 2);
            }),
            "touch" => first_touch(),
            other => panic!("no row {other}"),
        };
        println!("{figure}");
        return;
    }
    println!("{WORKERS} workers, best of {RUNS} runs, per second:");
    println!("{:<30} {:>12} {:>12}", "", "round trips", "batch tasks");
    row!("step 1: a channel per task", s1_channel::submit);
    row!("step 2: the handle, a channel", s2_handle::submit);
    row!("step 3: the handle, a slot", s3_slot::submit);
    row!("step 4: one allocation", ThreadPool::submit);
    println!("\nEach run a fresh process, {BATCH} tasks, best of {RUNS}, per second:");
    println!("{:<30} {:>12} {:>12}", "", "batch tasks", "of channel");
    let channel = fresh("channel", f64::max);
    for (name, rate) in [
        ("no pool: a bare channel", channel),
        ("no pool: 64 bytes per task", fresh("allocating", f64::max)),
        ("step 4: one allocation", fresh("pool", f64::max)),
        ("step 5: map, chunks of 256", fresh("map", f64::max)),
    ] {
        println!("{name:<30} {:>12} {:>12.2}", sig3(rate), rate / channel);
    }
    let page = fresh("touch", f64::min);
    let per_task = page / (PAGE / TASK_BYTES) as f64;
    println!(
        "first touch of a fresh 4 KiB page: {page:.0} ns, {per_task:.0} ns per task"
    );
}
