//! What the pool costs per task: trivial tasks per second through a pool of 2 worker
//! processes, a batch submitted at once, then every result collected (the way
//! `python/pool_batch.py` measures `ProcessPoolExecutor`); sending 0, 8 or 128 (the
//! default) tasks ahead to each worker (step 4); and the CPU time each task took in
//! this process, the caller's thread and the pool's manager thread (step 6). Run with
//! `cargo bench -p process-pool --bench batch`.

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike;
use process_pool::ProcessPool;
use process_pool::work::INC;
use std::time::Instant;

const LESSON: &str = env!("CARGO_BIN_EXE_process-pool");
const TASKS: u64 = 50_000;
const RUNS: usize = 5;

/// CPU time this process has used so far (all its threads), in microseconds.
fn cpu_us() -> f64 {
    let usage = getrusage(UsageWho::RUSAGE_SELF).expect("getrusage");
    (usage.user_time().num_microseconds() + usage.system_time().num_microseconds())
        as f64
}

/// One batch: (tasks per second, microseconds of this process's CPU per task).
fn batch(send_ahead: usize) -> (f64, f64) {
    let pool = ProcessPool::builder(2)
        .program(LESSON)
        .send_ahead(send_ahead)
        .start()
        .expect("the pool starts");
    pool.submit(&INC, &0).result().expect("the workers are up");
    let (start, cpu) = (Instant::now(), cpu_us());
    let handles = pool.map(&INC, 0..TASKS);
    let total: u64 = handles
        .into_iter()
        .map(|h| h.result().expect("a result"))
        .sum();
    let (elapsed, cpu) = (start.elapsed(), cpu_us() - cpu);
    assert_eq!(total, TASKS * (TASKS + 1) / 2);
    pool.shutdown();
    (TASKS as f64 / elapsed.as_secs_f64(), cpu / TASKS as f64)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    println!("2 workers, {TASKS} trivial tasks a batch, medians of {RUNS} batches:");
    for send_ahead in [0, 8, 128] {
        let (rates, cpu): (Vec<f64>, Vec<f64>) =
            (0..RUNS).map(|_| batch(send_ahead)).unzip();
        let (rate, cpu) = (median(rates), median(cpu));
        print!("send_ahead {send_ahead:>3}: {rate:>9.0} tasks/s, ");
        println!("{cpu:.1} µs of CPU per task");
    }
}
