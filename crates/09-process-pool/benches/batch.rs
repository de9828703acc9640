//! What sending tasks ahead buys: trivial tasks per second through a pool of 2 worker
//! processes, a batch submitted at once, then every result collected (the way
//! `python/pool_batch.py` measures `ProcessPoolExecutor`). Run with
//! `cargo bench -p process-pool --bench batch`.

use process_pool::ProcessPool;
use process_pool::work::INC;
use std::time::Instant;

const LESSON: &str = env!("CARGO_BIN_EXE_process-pool");
const TASKS: u64 = 20_000;

fn tasks_per_second(send_ahead: usize) -> f64 {
    let pool = ProcessPool::builder(2)
        .program(LESSON)
        .send_ahead(send_ahead)
        .start()
        .expect("the pool starts");
    pool.submit(&INC, &0).result().expect("the workers are up");
    let start = Instant::now();
    let handles = pool.map(&INC, 0..TASKS);
    let total: u64 = handles
        .into_iter()
        .map(|h| h.result().expect("a result"))
        .sum();
    let elapsed = start.elapsed();
    assert_eq!(total, TASKS * (TASKS + 1) / 2);
    pool.shutdown();
    TASKS as f64 / elapsed.as_secs_f64()
}

fn main() {
    for send_ahead in [0, 8] {
        let mut samples: Vec<f64> =
            (0..5).map(|_| tasks_per_second(send_ahead)).collect();
        samples.sort_by(f64::total_cmp);
        println!(
            "send_ahead {send_ahead}: {:>9.0} tasks/s (median of 5 batches of {TASKS})",
            samples[2]
        );
    }
}
