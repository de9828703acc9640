//! The rows of lessons 9 and 10: lesson 9's pool of worker processes, with a batch of
//! trivial tasks and with the CPU-bound loop, and lesson 10's `par_iter` over the same
//! loop. Each CPU row also times 2 plain threads on the same work: the ceiling of a
//! speedup on this machine.

use crate::idioms::spin;
use process_pool::work::INC;
use process_pool::{ProcessPool, Task, Tasks};
use std::io;
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: tasks
/// The CPU-bound loop as a task the pool's workers know by name.
pub const SPIN: Task<u64, u64> = Task::new("measured-spin", spin);

/// The tasks this program's pool workers serve: lesson 9's `INC` (`x + 1`) and
/// [`SPIN`]. `main` hands them to `process_pool::serve_if_worker` first thing.
pub fn tasks() -> Tasks {
    Tasks::new().register(&INC).register(&SPIN)
}
// ANCHOR_END: tasks

fn other(err: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::other(err)
}

// ANCHOR: process_pool_batch
/// Tasks per second through lesson 9's pool of 2 worker processes: the pool is started
/// and has run one task before the clock starts; the clock covers `map` over a batch
/// of trivial tasks and collecting every result. (`python/pool_batch.py --executor
/// processes`)
pub fn process_pool_batch(tasks: u64) -> io::Result<f64> {
    let pool = ProcessPool::new(2).map_err(other)?;
    pool.submit(&INC, &0).result().map_err(other)?;
    let start = Instant::now();
    let mut total = 0;
    for handle in pool.map(&INC, 0..tasks) {
        total += handle.result().map_err(other)?;
    }
    let elapsed = start.elapsed();
    assert_eq!(total, tasks * (tasks + 1) / 2, "a result went missing");
    pool.shutdown();
    Ok(tasks as f64 / elapsed.as_secs_f64())
}
// ANCHOR_END: process_pool_batch

/// How long two runs of a CPU-bound job take each way: one after the other, spread
/// over the way under test, and on 2 plain threads (the ceiling).
#[derive(Clone, Copy, Debug)]
pub struct TwoWays {
    pub sequential: Duration,
    pub spread: Duration,
    pub threads: Duration,
}

impl TwoWays {
    /// The way under test's speedup over sequential.
    pub fn speedup(&self) -> f64 {
        self.sequential.as_secs_f64() / self.spread.as_secs_f64()
    }

    /// Plain threads' speedup over sequential.
    pub fn threads_speedup(&self) -> f64 {
        self.sequential.as_secs_f64() / self.threads.as_secs_f64()
    }
}

/// Times `job` on the calling thread.
fn timed<T>(job: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = job();
    (out, start.elapsed())
}

// ANCHOR: cpu_processes
/// `spin(iters)` twice: one after the other, then as `pool.map(&SPIN, [iters; 2])` over
/// lesson 9's pool of 2 workers (started before the clock), then on 2 plain threads.
/// (`python/cpu_bound.py --mode pool`)
pub fn cpu_processes(iters: u64) -> io::Result<TwoWays> {
    let pool = ProcessPool::new(2).map_err(other)?;
    let (expected, sequential) = timed(|| spin(iters) + spin(iters));
    let (sums, spread) = timed(|| {
        pool.map(&SPIN, [iters; 2])
            .into_iter()
            .map(|handle| handle.result().map_err(other))
            .sum::<io::Result<u64>>()
    });
    assert_eq!(sums?, expected, "the workers computed something else");
    pool.shutdown();
    let threads = on_two_threads(|| spin(iters), |a, b| a + b, expected);
    Ok(TwoWays {
        sequential,
        spread,
        threads,
    })
}
// ANCHOR_END: cpu_processes

// ANCHOR: cpu_rayon
/// Lesson 10's `sum_sequential` against `sum_parallel` over `seeds` jobs of `iters`
/// loop turns each, then the same jobs split in two halves on 2 plain threads. One
/// small parallel call first starts rayon's pool, so that the clock does not time its
/// threads' creation.
pub fn cpu_rayon(jobs: usize, iters: u64) -> TwoWays {
    let seeds = rayon_parallel::seeds(jobs, 1);
    rayon_parallel::sum_parallel(&seeds[..2.min(jobs)], 1_000); // the pool is up
    let (expected, sequential) =
        timed(|| rayon_parallel::sum_sequential(&seeds, iters));
    let (sum, spread) = timed(|| rayon_parallel::sum_parallel(&seeds, iters));
    assert_eq!(sum, expected, "par_iter computed something else");
    let (first, second) = seeds.split_at(seeds.len() / 2);
    let threads = thread::scope(|s| {
        let start = Instant::now();
        let half = s.spawn(|| rayon_parallel::sum_sequential(second, iters));
        let total = rayon_parallel::sum_sequential(first, iters) + half.join().unwrap();
        assert_eq!(total, expected);
        start.elapsed()
    });
    TwoWays {
        sequential,
        spread,
        threads,
    }
}
// ANCHOR_END: cpu_rayon

/// The time `job` takes on 2 threads at once (this one and one more); `add` combines
/// their results, which must come to `expected`.
fn on_two_threads<T: Send + PartialEq + std::fmt::Debug>(
    job: impl Fn() -> T + Sync,
    add: impl Fn(T, T) -> T,
    expected: T,
) -> Duration {
    thread::scope(|s| {
        let start = Instant::now();
        let other = s.spawn(&job);
        let mine = job();
        assert_eq!(add(mine, other.join().unwrap()), expected);
        start.elapsed()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workers_know_both_tasks() {
        let tasks = tasks();
        assert!(tasks.knows("inc") && tasks.knows("measured-spin"));
    }

    #[test]
    fn rayon_and_threads_compute_the_same_sum() {
        let ways = cpu_rayon(4, 1_000);
        assert!(ways.speedup() > 0.0 && ways.threads_speedup() > 0.0);
    }
}
