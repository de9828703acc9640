//! Why blocking calls do not belong on rayon's threads, measured.
//!
//! rayon's pool has one thread per core, and a job keeps its thread until it returns.
//! A job that waits (for a socket, a slow disk, a sleep, a lock, a channel) keeps its
//! thread and does nothing with it. Two things follow, one function pair each:
//!
//! - the waits queue up: `n` blocking calls on `t` threads take `n / t` times as long
//!   as one ([`blocking_in_pool`] against [`blocking_on_threads`]);
//! - everything else that uses the pool waits behind them, even an unrelated
//!   `par_iter` elsewhere in the program ([`job_behind_blocking`] against
//!   [`job_beside_blocking`]).
//!
//! The walkthrough measures both with sleeps; the tests prove both without timing,
//! with calls that wait for a signal.

use rayon::ThreadPool;
use rayon::prelude::*;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: waits_queue
/// `calls` blocking calls as a parallel loop in `pool`: at most one per thread at a
/// time, so they take turns. Returns the wall time.
pub fn blocking_in_pool(
    pool: &ThreadPool,
    calls: usize,
    blocking: impl Fn() + Sync,
) -> Duration {
    let start = Instant::now();
    pool.install(|| (0..calls).into_par_iter().for_each(|_| blocking()));
    start.elapsed()
}

/// The same calls, a thread each: they all wait at the same time.
pub fn blocking_on_threads(calls: usize, blocking: impl Fn() + Sync) -> Duration {
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..calls {
            s.spawn(&blocking);
        }
    });
    start.elapsed()
}
// ANCHOR_END: waits_queue

// ANCHOR: behind
/// Occupies every thread of `pool` with a `blocking` call, then runs `job` in the pool
/// and returns its value and how long it took, counted from the moment every thread
/// was waiting.
pub fn job_behind_blocking<T: Send>(
    pool: &ThreadPool,
    blocking: impl Fn() + Send + Sync + 'static,
    job: impl FnOnce() -> T + Send,
) -> (T, Duration) {
    let blocking = Arc::new(blocking);
    let (started, all_started) = mpsc::channel();
    for _ in 0..pool.current_num_threads() {
        let (blocking, started) = (Arc::clone(&blocking), started.clone());
        pool.spawn(move || {
            let _ = started.send(());
            blocking(); // this thread of the pool does nothing else until it returns
        });
    }
    all_started
        .iter()
        .take(pool.current_num_threads())
        .for_each(drop);
    let start = Instant::now();
    let value = pool.install(job); // waits until a thread of the pool is free
    (value, start.elapsed())
}
// ANCHOR_END: behind

// ANCHOR: beside
/// The fix: the blocking calls get threads of their own, which only wait, and `job`
/// finds the pool free. (The scope still waits for the calls before returning.)
pub fn job_beside_blocking<T: Send>(
    pool: &ThreadPool,
    blocking: impl Fn() + Sync,
    calls: usize,
    job: impl FnOnce() -> T + Send,
) -> (T, Duration) {
    thread::scope(|s| {
        for _ in 0..calls {
            s.spawn(&blocking);
        }
        let start = Instant::now();
        let value = pool.install(job);
        (value, start.elapsed())
    })
}
// ANCHOR_END: beside

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{seeds, sum_parallel, sum_sequential};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::{Barrier, Condvar, Mutex};

    /// A generous limit for what should take milliseconds: a hang guard only.
    const GUARD: Duration = Duration::from_secs(10);

    /// A signal that blocking calls wait for: a stand-in for a reply from a server.
    #[derive(Default)]
    struct Gate {
        open: Mutex<bool>,
        opened: Condvar,
    }

    impl Gate {
        fn open(&self) {
            *self.open.lock().unwrap() = true;
            self.opened.notify_all();
        }

        /// Waits for the gate to open, at most `limit`; says whether it did.
        fn wait(&self, limit: Duration) -> bool {
            let open = self.open.lock().unwrap();
            let (open, _) = self
                .opened
                .wait_timeout_while(open, limit, |o| !*o)
                .unwrap();
            *open
        }
    }

    fn pool(threads: usize) -> ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    #[test]
    fn a_job_behind_blocked_threads_cannot_start_until_one_returns() {
        // Each blocking call waits for the job to open the gate, but gives up after
        // 300 ms. The job cannot run while every thread waits, so every call gives up,
        // and only then does the job run.
        let pool = pool(2);
        let gate = Arc::new(Gate::default());
        let gave_up = Arc::new(AtomicUsize::new(0));
        let (g, count) = (Arc::clone(&gate), Arc::clone(&gave_up));
        let blocking = move || {
            if !g.wait(Duration::from_millis(300)) {
                count.fetch_add(1, SeqCst);
            }
        };
        let ((), _) = job_behind_blocking(&pool, blocking, || gate.open());
        assert!(
            gave_up.load(SeqCst) >= 1,
            "the job ran while every thread waited"
        );
    }

    #[test]
    fn a_job_beside_the_blocking_calls_runs_at_once() {
        // The same calls on threads of their own: the job runs, opens the gate, and
        // every call sees it open (within the hang guard).
        let pool = pool(2);
        let gate = Gate::default();
        let saw_it_open = AtomicUsize::new(0);
        let blocking = || {
            if gate.wait(GUARD) {
                saw_it_open.fetch_add(1, SeqCst);
            }
        };
        let seeds = seeds(8, 1);
        let (sum, _) = job_beside_blocking(&pool, blocking, 4, || {
            let sum = sum_parallel(&seeds, 1_000);
            gate.open();
            sum
        });
        assert_eq!(sum, sum_sequential(&seeds, 1_000));
        assert_eq!(saw_it_open.load(SeqCst), 4);
    }

    #[test]
    fn blocking_calls_in_a_pool_take_turns() {
        // Never more calls at once than the pool has threads.
        let pool = pool(2);
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        blocking_in_pool(&pool, 12, || {
            most.fetch_max(now.fetch_add(1, SeqCst) + 1, SeqCst);
            thread::sleep(Duration::from_millis(2));
            now.fetch_sub(1, SeqCst);
        });
        assert!(most.load(SeqCst) <= 2, "{most:?} at once on 2 threads");
    }

    #[test]
    fn blocking_calls_on_threads_all_wait_at_once() {
        // A barrier for 6 opens only when all 6 calls wait at the same time; in a pool
        // of 2 threads it would never open.
        let barrier = Barrier::new(6);
        let through = AtomicUsize::new(0);
        blocking_on_threads(6, || {
            barrier.wait();
            through.fetch_add(1, SeqCst);
        });
        assert_eq!(through.load(SeqCst), 6);
    }

    #[test]
    fn sleeping_calls_in_a_pool_of_two_take_at_least_half_their_sum() {
        // A lower bound holds whatever the machine's load: 4 sleeps of 20 ms, at most
        // 2 at a time, cannot end in under 40 ms.
        let wall =
            blocking_in_pool(&pool(2), 4, || thread::sleep(Duration::from_millis(20)));
        assert!(wall >= Duration::from_millis(40), "{wall:?}");
    }
}
