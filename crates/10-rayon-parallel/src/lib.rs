//! Lesson `rayon-parallel`: data parallelism with rayon, what Rust programmers reach
//! for where Python reaches for `ProcessPoolExecutor.map`.
//!
//! - [`spin`]: the CPU-bound work, the same loop as `python/cpu_bound.py`'s;
//!   [`sum_sequential`] and [`sum_parallel`] run it over many inputs, with `iter` and
//!   with `par_iter`.
//! - Setting the number of threads: [`set_global_threads`] (once, at start-up) and
//!   [`in_local_pool`] (a pool of its own, entered with `install`).
//! - [`sums_scoped`]: `rayon::scope`, whose tasks may borrow local data.
//! - [`sum_counting`] and [`watch`]: a parallel loop whose progress the caller watches.
//! - [`catch_panic`]: what the caller of a `par_iter` sees when a job panics.
//! - [`blocking`]: why blocking calls do not belong on rayon's threads, measured.
//!
//! What the compiler refuses: a job of a parallel loop may not change a captured
//! variable, since every thread runs the same closure at once (E0594):
//!
//! ```compile_fail,E0594
#![doc = include_str!("refused_total.rs")]
//! ```
//!
//! And `rayon::spawn`, unlike a task of `rayon::scope`, may not borrow a local: nothing
//! waits for it before the local is gone (E0597):
//!
//! ```compile_fail,E0597
#![doc = include_str!("refused_spawn.rs")]
//! ```

pub mod blocking;

use rayon::prelude::*;
use rayon::{ThreadPoolBuildError, ThreadPoolBuilder};
use std::any::Any;
use std::hint::black_box;
use std::num::NonZero;
use std::panic::{self, UnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

// ANCHOR: spin
/// The CPU-bound work: a linear congruential generator, summed. Nothing to wait for,
/// so only more cores make it faster. The same arithmetic as `spin` in
/// `python/cpu_bound.py`, starting from `seed` (its low 32 bits) instead of 1.
///
/// `black_box` keeps the optimiser from computing a loop whose inputs it knows.
pub fn spin(seed: u64, iters: u64) -> u64 {
    let (mut x, mut total) = (seed as u32, 0u64);
    for _ in 0..black_box(iters) {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        total += u64::from(x >> 16);
    }
    total
}
// ANCHOR_END: spin

/// The inputs of `count` jobs: `first`, `first + 1`, ...
pub fn seeds(count: usize, first: u64) -> Vec<u64> {
    (0..count as u64).map(|i| first.wrapping_add(i)).collect()
}

// ANCHOR: sums
/// Every job, one after the other: Python's `sum(map(spin, seeds))`.
pub fn sum_sequential(seeds: &[u64], iters: u64) -> u64 {
    seeds.iter().map(|&seed| spin(seed, iters)).sum()
}

/// The same, on rayon's pool: `iter` becomes `par_iter`, and nothing else changes.
pub fn sum_parallel(seeds: &[u64], iters: u64) -> u64 {
    seeds.par_iter().map(|&seed| spin(seed, iters)).sum()
}
// ANCHOR_END: sums

/// How many threads this process may run at once (the affinity mask and, on Linux, a
/// cgroup quota count): what rayon sizes its global pool by.
pub fn core_count() -> usize {
    thread::available_parallelism().map_or(1, NonZero::get)
}

// ANCHOR: global_pool
/// Sizes rayon's global pool, the one `par_iter` uses unless told otherwise. It is
/// built once, by the first call to this or the first parallel work, so this must come
/// first: a second call, or a call after any parallel work, is an error.
///
/// `NonZero`, because rayon reads `num_threads(0)` as "choose for me".
pub fn set_global_threads(threads: NonZero<usize>) -> Result<(), ThreadPoolBuildError> {
    ThreadPoolBuilder::new()
        .num_threads(threads.get())
        .build_global()
}
// ANCHOR_END: global_pool

// ANCHOR: local_pool
/// Runs `work` on a pool of its own, with `threads` threads. Inside `install`, every
/// `par_iter`, `join` and `scope` uses this pool, and `rayon::current_num_threads()`
/// says its size. The pool's threads end when it is dropped, here at the return.
pub fn in_local_pool<T: Send>(
    threads: NonZero<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T, ThreadPoolBuildError> {
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads.get())
        .thread_name(|i| format!("local-pool-{i}"))
        .build()?;
    Ok(pool.install(work))
}
// ANCHOR_END: local_pool

// ANCHOR: scope
/// Each job's own sum, in the order of `seeds`. Every task spawned into the scope
/// borrows: a seed from `seeds`, and one slot of `sums` to write into. That is allowed
/// because `rayon::scope` returns only when every task spawned into it has ended.
pub fn sums_scoped(seeds: &[u64], iters: u64) -> Vec<u64> {
    let mut sums = vec![0; seeds.len()];
    rayon::scope(|s| {
        for (slot, &seed) in sums.iter_mut().zip(seeds) {
            s.spawn(move |_| *slot = spin(seed, iters));
        }
    });
    sums
}
// ANCHOR_END: scope

// ANCHOR: counting
/// [`sum_parallel`], counting finished jobs in `done` as it goes. Each job adds one
/// with `fetch_add`; `Relaxed` is enough, since the count is only shown (lesson 3).
pub fn sum_counting(seeds: &[u64], iters: u64, done: &AtomicUsize) -> u64 {
    seeds
        .par_iter()
        .map(|&seed| {
            let sum = spin(seed, iters);
            done.fetch_add(1, Relaxed);
            sum
        })
        .sum()
}
// ANCHOR_END: counting

// ANCHOR: progress
/// Runs `work` on a thread of its own and calls `show(count)` every `every` until it
/// ends, then once more with the final count; returns what `work` returned. `work`
/// gets the counter to add to, as [`sum_counting`] does.
///
/// A `par_iter` keeps its caller waiting until the whole loop is done, so the loop
/// gets a thread of its own (a scoped one: it may borrow) and this thread is free to
/// watch. It waits for the loop's end with a timeout rather than sleeping, so it
/// returns as soon as the loop is done. A panic in `work` is passed on to our caller.
pub fn watch<T: Send>(
    work: impl FnOnce(&AtomicUsize) -> T + Send,
    every: Duration,
    mut show: impl FnMut(usize),
) -> T {
    let count = &AtomicUsize::new(0);
    let (finished, end) = mpsc::channel::<()>();
    thread::scope(|s| {
        let running = s.spawn(move || {
            let _finished = finished; // dropped when `work` returns or panics
            work(count)
        });
        show(count.load(Relaxed));
        while end.recv_timeout(every) == Err(RecvTimeoutError::Timeout) {
            show(count.load(Relaxed));
        }
        let value = running
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic));
        show(count.load(Relaxed));
        value
    })
}
// ANCHOR_END: progress

// ANCHOR: catch_panic
/// Runs `work` and returns its value, or the message of a panic inside it.
///
/// A job that panics in a `par_iter` (or `join`, or `scope`) does not take its
/// worker thread down: rayon catches the panic there, lets the jobs already running
/// finish, and raises it again on the thread that called `par_iter`, with the same
/// message, as if the loop had panicked right there. `catch_unwind` stops it.
pub fn catch_panic<T>(work: impl FnOnce() -> T + UnwindSafe) -> Result<T, String> {
    panic::catch_unwind(work).map_err(|payload| panic_message(&*payload))
}

/// A sum in which job number `bad` panics, for [`catch_panic`] to catch.
pub fn sum_with_failing_job(seeds: &[u64], iters: u64, bad: usize) -> u64 {
    seeds
        .par_iter()
        .enumerate()
        .map(|(i, &seed)| {
            if i == bad {
                panic!("job {i} failed: simulated failure");
            }
            spin(seed, iters)
        })
        .sum()
}
// ANCHOR_END: catch_panic

/// The text a panic carried: `panic!` makes a `&str` or a `String`.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

/// Panics that tests cause on purpose stay quiet: on threads whose name starts with
/// `quiet-`, the panic hook prints nothing (the test checks the panic instead).
#[cfg(test)]
pub(crate) fn quiet_test_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let quiet = thread::current()
                .name()
                .is_some_and(|name| name.starts_with("quiet-"));
            if !quiet {
                previous(info);
            }
        }));
    });
}

/// A pool of `threads` threads named `quiet-N`, whose panics the tests keep quiet.
#[cfg(test)]
pub(crate) fn quiet_pool(threads: usize) -> rayon::ThreadPool {
    quiet_test_panics();
    ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("quiet-{i}"))
        .build()
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::AssertUnwindSafe;

    const ITERS: u64 = 1_000;

    #[test]
    fn spin_matches_the_python_loop() {
        // python3 -c 'import sys; sys.path.insert(0, "python"); import cpu_bound;
        // print(cpu_bound.spin(5))'  (which starts from 1)
        assert_eq!(spin(1, 5), 179_579);
        assert_eq!(spin(1, 0), 0);
        // The twins' figure: python3 python/examples/rayon_par_iter.py
        assert_eq!(sum_sequential(&seeds(8, 1), 500_000), 131_084_833_242);
    }

    #[test]
    fn seeds_count_up_from_the_first() {
        assert_eq!(seeds(3, 7), [7, 8, 9]);
        assert_eq!(seeds(2, u64::MAX), [u64::MAX, 0]);
        assert!(seeds(0, 1).is_empty());
    }

    #[test]
    fn par_iter_gives_the_sequential_sum() {
        for count in [0, 1, 2, 7, 64] {
            let seeds = seeds(count, 3);
            assert_eq!(sum_parallel(&seeds, ITERS), sum_sequential(&seeds, ITERS));
        }
    }

    #[test]
    fn a_local_pool_has_the_size_asked_for_and_the_same_sum() {
        let seeds = seeds(20, 1);
        for threads in [1, 3] {
            let threads = NonZero::new(threads).unwrap();
            let (size, sum) = in_local_pool(threads, || {
                (rayon::current_num_threads(), sum_parallel(&seeds, ITERS))
            })
            .unwrap();
            assert_eq!(size, threads.get());
            assert_eq!(sum, sum_sequential(&seeds, ITERS));
        }
    }

    #[test]
    fn install_runs_the_work_on_the_local_pools_threads() {
        let one = NonZero::new(1).unwrap();
        let names = in_local_pool(one, || {
            (0..8)
                .into_par_iter()
                .map(|_| thread::current().name().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .unwrap();
        assert!(
            names.iter().all(|n| n.as_deref() == Some("local-pool-0")),
            "{names:?}"
        );
    }

    #[test]
    fn scoped_tasks_fill_every_slot_in_order() {
        let seeds = seeds(33, 5);
        let sums = sums_scoped(&seeds, ITERS);
        let expected: Vec<u64> = seeds.iter().map(|&s| spin(s, ITERS)).collect();
        assert_eq!(sums, expected);
        assert!(sums_scoped(&[], ITERS).is_empty());
    }

    #[test]
    fn the_counter_reaches_every_job() {
        let seeds = seeds(40, 1);
        let done = AtomicUsize::new(0);
        let sum = sum_counting(&seeds, ITERS, &done);
        assert_eq!(done.load(Relaxed), 40);
        assert_eq!(sum, sum_sequential(&seeds, ITERS));
    }

    #[test]
    fn progress_never_goes_back_and_ends_at_every_job() {
        let seeds = seeds(30, 1);
        let mut shown = Vec::new();
        let every = Duration::from_millis(1);
        let sum = watch(
            |done| sum_counting(&seeds, 20_000, done),
            every,
            |done| shown.push(done),
        );
        assert_eq!(sum, sum_sequential(&seeds, 20_000));
        assert!(shown.is_sorted(), "{shown:?}");
        assert_eq!(shown.last(), Some(&30), "{shown:?}");
    }

    #[test]
    fn a_panic_in_par_iter_reaches_the_caller_with_its_message() {
        let pool = quiet_pool(2);
        let seeds = seeds(16, 1);
        let caught =
            pool.install(|| catch_panic(|| sum_with_failing_job(&seeds, ITERS, 5)));
        assert_eq!(caught, Err("job 5 failed: simulated failure".to_string()));
        // The pool lost no thread: the next loop uses both and gets the right sum.
        let (size, sum) = pool.install(|| {
            (
                rayon::current_num_threads(),
                catch_panic(|| sum_parallel(&seeds, ITERS)),
            )
        });
        assert_eq!(size, 2);
        assert_eq!(sum, Ok(sum_sequential(&seeds, ITERS)));
    }

    #[test]
    fn a_panic_in_the_watched_loop_reaches_the_caller() {
        let pool = quiet_pool(2);
        let seeds = seeds(8, 1);
        let mut shown = Vec::new();
        let caught = catch_panic(AssertUnwindSafe(|| {
            let work = |_: &AtomicUsize| {
                pool.install(|| sum_with_failing_job(&seeds, ITERS, 0))
            };
            watch(work, Duration::from_millis(1), |done| shown.push(done))
        }));
        assert_eq!(caught, Err("job 0 failed: simulated failure".to_string()));
        assert!(
            shown.iter().all(|&done| done == 0),
            "nothing counted: {shown:?}"
        );
    }

    #[test]
    fn panic_messages_are_recovered() {
        let text: Box<dyn Any + Send> = Box::new("plain");
        assert_eq!(panic_message(&*text), "plain");
        let owned: Box<dyn Any + Send> = Box::new(String::from("owned"));
        assert_eq!(panic_message(&*owned), "owned");
        let other: Box<dyn Any + Send> = Box::new(7);
        assert_eq!(panic_message(&*other), "(a panic without a message)");
    }
}
