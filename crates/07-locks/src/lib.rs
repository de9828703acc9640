//! Lesson 7, locks: one thing at a time in a critical section, first between threads,
//! then between processes.
//!
//! - Threads: [`count_with_threads`] (a `Mutex<T>` owns the data it guards) and
//!   [`poison_and_recover`] (what a panic while holding the lock leaves behind).
//! - Processes: a [`SharedCounter`] in shared memory, guarded by one of two locks that
//!   survive the death of their holder: a [`FileLock`] (`flock`, Linux and macOS) or a
//!   `RobustMutex` (Linux only).
//! - [`child`]: children of our own binary that die with their parent, and the
//!   [`Guardian`] that removes shared-memory names if the parent is killed.
//! - [`task`]: the tutorial's simulated work, done here in turns by two processes.
//!
//! What the compiler refuses (each a `compile_fail` doctest here; `tests/refused.rs`
//! checks that each fails with the error named):
//!
//! Two threads writing one plain counter (E0499, "cannot borrow `count` as mutable more
//! than once at a time"); a `Mutex` owning the counter is the fix:
//!
//! ```compile_fail,E0499
#![doc = include_str!("refused_counter.rs")]
//! ```
//!
//! Once the guard is dropped, the data is out of reach: a reference to it kept past the
//! unlock (E0505, "cannot move out of `guard` because it is borrowed"):
//!
//! ```compile_fail,E0505
#![doc = include_str!("refused_guard.rs")]
//! ```
//!
//! A [`FileLock`] shared by threads, which would share its open file and so its lock
//! (E0277, "`Cell<()>` cannot be shared between threads safely"):
//!
//! ```compile_fail,E0277
#![doc = include_str!("refused_file_lock.rs")]
//! ```

pub mod child;
pub mod counter;
pub mod flock;
#[cfg(target_os = "linux")]
pub mod robust;

pub use child::Guardian;
pub use counter::{CounterGuard, LockKind, MAX_CHILDREN, SharedCounter};
pub use flock::{FileLock, FileLockGuard};
#[cfg(target_os = "linux")]
pub use robust::{RobustGuard, RobustMutex};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

/// One step of [`task`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The step's number, from 0.
    pub k: u32,
    /// How long the step's work takes (a random pause).
    pub pause: Duration,
    /// The progress in percent once this step is done: (k + 1) * 100 / steps.
    pub progress: f32,
}

/// The tutorial's simulated work: `steps` steps, each a random pause of up to
/// `max_sleep_ms` from a seeded generator (the same seed gives the same pauses). `work`
/// does each step; here it sleeps, partly inside a critical section. Returns
/// `value * 2`.
pub fn task(
    value: f64,
    steps: u32,
    max_sleep_ms: u64,
    seed: u64,
    mut work: impl FnMut(Step) -> io::Result<()>,
) -> io::Result<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    for k in 0..steps {
        let pause = Duration::from_millis(rng.random_range(0..=max_sleep_ms));
        let progress = (k + 1) as f32 * 100.0 / steps as f32;
        work(Step { k, pause, progress })?;
    }
    Ok(value * 2.0)
}

// ANCHOR: threads
/// `threads` threads each add 1 to one counter, `increments` times. The `Mutex` *owns*
/// the counter: the only way to reach it is `lock()`, so no thread can forget the lock
/// (in Python the lock merely stands beside the data). The guard unlocks when it is
/// dropped. (`Builder::spawn_scoped` is `s.spawn` that returns an error, instead of
/// panicking, when the system refuses a thread.)
pub fn count_with_threads(threads: usize, increments: u64) -> io::Result<u64> {
    let counter = Mutex::new(0u64);
    thread::scope(|s| {
        for _ in 0..threads {
            thread::Builder::new().spawn_scoped(s, || {
                for _ in 0..increments {
                    let mut count = counter.lock().unwrap();
                    *count += 1;
                } // `count`, the guard, is dropped here: unlocked
            })?;
        }
        Ok::<(), io::Error>(())
    })?;
    Ok(counter.into_inner().unwrap())
}
// ANCHOR_END: threads

// ANCHOR: poison
/// A thread panics while it holds the lock, maybe halfway through an update: the mutex
/// is now *poisoned*, and every `lock()` returns `Err(PoisonError)` to say so. The
/// error still carries the guard: `into_inner()` takes it, to inspect or repair the
/// data, and `clear_poison()` declares the mutex healthy again. Returns (was it
/// poisoned, the value).
pub fn poison_and_recover(counter: &Mutex<u64>) -> io::Result<(bool, u64)> {
    thread::scope(|s| {
        let holder =
            thread::Builder::new()
                .name("holder".into())
                .spawn_scoped(s, || {
                    let mut count = counter.lock().unwrap();
                    *count += 1;
                    panic!("on purpose, while holding the lock");
                })?;
        assert!(holder.join().is_err(), "the holder was meant to panic");
        Ok::<(), io::Error>(())
    })?;
    let was_poisoned = counter.is_poisoned();
    let value = match counter.lock() {
        Ok(count) => *count,
        Err(poisoned) => *poisoned.into_inner(),
    };
    counter.clear_poison();
    Ok((was_poisoned, value))
}
// ANCHOR_END: poison

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_reports_every_step_and_doubles_the_value() {
        let mut seen = Vec::new();
        let result = task(4.5, 4, 0, 1, |step| {
            seen.push(step.progress);
            Ok(())
        });
        assert_eq!(result.unwrap(), 9.0);
        assert_eq!(seen, [25.0, 50.0, 75.0, 100.0]);
    }

    #[test]
    fn task_pauses_depend_only_on_the_seed() {
        let pauses = |seed| {
            let mut all = Vec::new();
            task(4.5, 20, 50, seed, |step| {
                assert!(step.pause <= Duration::from_millis(50));
                all.push(step.pause);
                Ok(())
            })
            .unwrap();
            all
        };
        assert_eq!(pauses(7), pauses(7));
        assert_ne!(pauses(7), pauses(8));
    }

    #[test]
    fn task_stops_at_the_first_failed_step() {
        let mut calls = 0;
        let result = task(4.5, 5, 0, 1, |step| {
            calls += 1;
            if step.k == 1 {
                Err(io::Error::other("boom"))
            } else {
                Ok(())
            }
        });
        assert!(result.is_err());
        assert_eq!(calls, 2);
    }

    #[test]
    fn threads_count_exactly_under_a_mutex() {
        assert_eq!(count_with_threads(4, 10_000).unwrap(), 40_000);
    }

    #[test]
    fn a_panic_while_holding_the_lock_poisons_it_and_into_inner_recovers() {
        let counter = Mutex::new(41);
        let (was_poisoned, value) = poison_and_recover(&counter).unwrap();
        assert!(was_poisoned);
        assert_eq!(
            value, 42,
            "the holder's increment happened before its panic"
        );
        assert!(!counter.is_poisoned(), "clear_poison healed it");
        assert_eq!(*counter.lock().unwrap(), 42);
    }
}
