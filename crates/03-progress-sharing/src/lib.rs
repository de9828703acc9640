//! Lesson `progress-sharing`: reading a running thread's progress.
//!
//! The tutorial shows two ways for a Python thread to expose its progress: write it
//! into a dict that the caller passed in, or into an attribute the caller reads through
//! a getter. Both rely on the GIL to make a plain float safe to share. Rust has no GIL,
//! and the compiler refuses a plain `f32` written by one thread while another reads it
//! (E0502; [`refused`] checks this and every other such claim of the chapter). The same
//! shape compiles once the progress is an [`AtomicF32`]:
//!
//! ```
//! use progress_sharing::AtomicF32;
//! use std::sync::atomic::Ordering::Relaxed;
//!
//! let progress = AtomicF32::new(0.0);
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         for step in 1..=50 {
//!             progress.store(step as f32 * 2.0, Relaxed);
//!         }
//!     });
//!     println!("{:.2}%", progress.load(Relaxed));
//! });
//! assert_eq!(progress.load(Relaxed), 100.0);
//! ```
//!
//! This crate holds the building blocks the lesson's binary combines:
//! - [`task`]: the tutorial's simulated work, reporting its progress to a callback;
//! - [`AtomicF32`]: an `f32` that threads may share, stored as `AtomicU32` bits;
//! - [`TaskObject`]: the tutorial's class with a progress getter;
//! - [`progress_line`]: how the main thread shows several workers at once;
//! - [`refused`]: what the compiler refuses, as `compile_fail` doctests.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

pub mod refused;

// ANCHOR: task
/// How the simulated work runs: everything about [`task`] except its input.
#[derive(Debug, Clone, PartialEq)]
pub struct Work {
    /// Number of steps; each one sleeps a random time.
    pub steps: u32,
    /// Upper bound of one step's sleep, in milliseconds.
    pub max_sleep_ms: u64,
    /// Seed of the sleeps, so that a run can be repeated exactly.
    pub seed: u64,
    /// Panic at this step (1-based), to show a worker that dies mid-way.
    pub fail_at: Option<u32>,
}

/// The tutorial's task: `steps` steps of a random sleep each, then `value * 2`.
///
/// After each step it calls `report` with its progress in percent (and with `0.0`
/// before the first), so that the caller decides where the progress goes: a map, an
/// atomic, a channel. The task itself knows nothing about threads.
///
/// # Panics
///
/// At step [`Work::fail_at`], if set.
pub fn task(value: f64, work: &Work, mut report: impl FnMut(f32)) -> f64 {
    let mut rng = StdRng::seed_from_u64(work.seed);
    report(0.0);
    for step in 1..=work.steps {
        thread::sleep(Duration::from_millis(
            rng.random_range(0..=work.max_sleep_ms),
        ));
        if work.fail_at == Some(step) {
            panic!("simulated failure at step {step} of {}", work.steps);
        }
        report(step as f32 * 100.0 / work.steps as f32);
    }
    value * 2.0
}
// ANCHOR_END: task

// ANCHOR: atomic_f32
/// An `f32` that several threads may read and write: its bits in an [`AtomicU32`].
///
/// std has atomic integers but no atomic floats. An `f32` is 32 bits, so
/// [`f32::to_bits`] and [`f32::from_bits`] carry it in and out of an `AtomicU32`
/// exactly. A load never sees half of a store: no torn value, no lock, no data race.
#[derive(Debug, Default)]
pub struct AtomicF32(AtomicU32);

impl AtomicF32 {
    /// A new atomic holding `value`.
    pub fn new(value: f32) -> Self {
        Self(AtomicU32::new(value.to_bits()))
    }

    /// Reads the value. `Relaxed` is enough for a number that is only displayed; see
    /// the chapter for when it is not.
    pub fn load(&self, order: Ordering) -> f32 {
        f32::from_bits(self.0.load(order))
    }

    /// Writes the value.
    pub fn store(&self, value: f32, order: Ordering) {
        self.0.store(value.to_bits(), order);
    }
}
// ANCHOR_END: atomic_f32

// ANCHOR: task_object
/// The tutorial's class with a progress attribute and a getter, ported.
///
/// Its methods take `&self`, not `&mut self`: the worker thread runs
/// [`TaskObject::task`] while the main thread calls [`TaskObject::progress`], and Rust
/// allows that only because the progress is an atomic (with a plain `f32` field, `task`
/// would need `&mut self`, and no one could call the getter while it runs).
#[derive(Debug, Default)]
pub struct TaskObject {
    progress: AtomicF32,
}

impl TaskObject {
    /// A task object at 0 % progress.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs [`task`], publishing its progress for [`TaskObject::progress`] to read.
    pub fn task(&self, value: f64, work: &Work) -> f64 {
        task(value, work, |p| self.progress.store(p, Ordering::Relaxed))
    }

    /// The last published progress, in percent; callable from any thread at any time.
    pub fn progress(&self) -> f32 {
        self.progress.load(Ordering::Relaxed)
    }
}
// ANCHOR_END: task_object

/// One line showing every worker's progress: `#0  40.00% | #1 100.00% | #2  60.00%`.
pub fn progress_line(progress: &[f32]) -> String {
    let parts: Vec<String> = progress
        .iter()
        .enumerate()
        .map(|(i, &p)| format!("#{i} {p:6.2}%"))
        .collect();
    parts.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::Relaxed;

    fn quick(steps: u32) -> Work {
        Work {
            steps,
            max_sleep_ms: 1,
            seed: 7,
            fail_at: None,
        }
    }

    #[test]
    fn task_reports_every_step_and_returns_twice_its_input() {
        let mut seen = Vec::new();
        let result = task(4.5, &quick(5), |p| seen.push(p));
        assert_eq!(result, 9.0);
        assert_eq!(seen, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
    }

    #[test]
    fn task_ends_at_exactly_100_for_awkward_step_counts() {
        for steps in [1, 3, 7, 49, 50] {
            let work = Work {
                max_sleep_ms: 0,
                ..quick(steps)
            };
            let mut last = None;
            task(1.0, &work, |p| last = Some(p));
            assert_eq!(last, Some(100.0), "steps = {steps}");
        }
    }

    #[test]
    fn task_stops_reporting_when_it_panics() {
        let mut seen = Vec::new();
        let work = Work {
            fail_at: Some(3),
            ..quick(5)
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            task(4.5, &work, |p| seen.push(p))
        }));
        assert!(outcome.is_err());
        assert_eq!(seen, [0.0, 20.0, 40.0]);
    }

    #[test]
    fn atomic_f32_round_trips_exactly() {
        let cell = AtomicF32::new(0.0);
        for value in [0.1, -2.5, 100.0, f32::MIN_POSITIVE, f32::INFINITY, -0.0] {
            cell.store(value, Relaxed);
            assert_eq!(cell.load(Relaxed).to_bits(), value.to_bits());
        }
        cell.store(f32::NAN, Relaxed);
        assert!(cell.load(Relaxed).is_nan());
    }

    #[test]
    fn task_object_progress_is_readable_while_the_task_runs() {
        let object = TaskObject::new();
        assert_eq!(object.progress(), 0.0);
        let work = quick(20);
        let readings = thread::scope(|s| {
            let worker = s.spawn(|| object.task(4.5, &work));
            let mut readings = Vec::new();
            while !worker.is_finished() {
                readings.push(object.progress());
                thread::yield_now();
            }
            assert_eq!(worker.join().unwrap(), 9.0);
            readings
        });
        // Whatever the timing, what the main thread saw is valid progress that never
        // goes back: even `Relaxed` loads of one atomic by one thread never see an
        // older store after a newer one (the stores come from one thread, in increasing
        // order).
        assert!(readings.iter().all(|p| (0.0..=100.0).contains(p)));
        assert!(readings.windows(2).all(|w| w[0] <= w[1]), "{readings:?}");
        assert_eq!(object.progress(), 100.0);
    }

    #[test]
    fn progress_line_shows_every_worker() {
        assert_eq!(
            progress_line(&[40.0, 100.0, 0.0]),
            "#0  40.00% | #1 100.00% | #2   0.00%"
        );
        assert_eq!(progress_line(&[]), "");
    }
}
