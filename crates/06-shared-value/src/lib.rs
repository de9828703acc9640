//! Lesson 6, `shared-value`: Python's `mp.Value('f')` and `mp.Array` ported to atomics
//! in a shared-memory segment made with the `shared_memory` crate.
//!
//! - [`slots`]: [`SharedSlots`], a named segment of 32-bit atomic slots (create, open
//!   by name, unlink early), and [`AtomicF32`].
//! - [`setup`]: the parent/child conversation that gets a segment mapped by every
//!   process and its name unlinked, with no instant at which a crash could leak the
//!   name.
//! - [`child`]: shared-memory names, and children that die with their parent.
//! - Here: the simulated [`task`], the per-worker [`Report`] (progress, done flag,
//!   result), and the two ways to add one ([`add_one_racy`], [`add_one_atomic`]).
//!
//! The library uses nothing of the course's `support` crate: copy it and it stands
//! alone.
//!
//! No slot outlives its mapping: the compiler refuses to use one after the segment is
//! dropped (E0505, "cannot move out of `slots` because it is borrowed"):
//!
//! ```compile_fail,E0505
#![doc = include_str!("refused_slot.rs")]
//! ```
//!
//! Other crates (the benchmarks of the measured lesson) use [`SharedSlots`] directly: `create` in
//! the parent, `open` by name in the child, `unlink` once both have mapped it, then
//! `f32(i)`/`u32(i)` for `load`, `store` and `fetch_add`.

pub mod child;
pub mod setup;
pub mod slots;

pub use child::unique_shm_name;
pub use slots::{AtomicF32, SLOT_BYTES, SharedSlots, unlink_name};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The tutorial's simulated work: `steps` steps, each sleeping a random
/// 0..=`max_sleep_ms` milliseconds (from `seed`), storing the progress in percent after
/// each; returns `value * 2`. With `crash_at: Some(k)` the process aborts when it
/// reaches step `k` (counting from 1), to show what the parent sees when a child
/// crashes.
pub fn task(
    value: f64,
    steps: u32,
    max_sleep_ms: u64,
    seed: u64,
    crash_at: Option<u32>,
    progress: &AtomicF32,
) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed);
    // Relaxed is enough for progress: the reader only displays it, and no other memory
    // is published along with it.
    progress.store(0.0, Ordering::Relaxed);
    for k in 0..steps {
        if crash_at == Some(k + 1) {
            // One `write` for the whole line: `eprintln!` writes it in pieces, which
            // the parent's output (the same terminal) could split.
            let line = format!(
                "worker {}: aborting at step {}\n",
                std::process::id(),
                k + 1
            );
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            // A crash on purpose: no core file. (macOS writes none unless `ulimit -c`
            // allows it.)
            #[cfg(target_os = "linux")]
            let _ = nix::sys::prctl::set_dumpable(false);
            std::process::abort();
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(0..=max_sleep_ms)));
        progress.store((k + 1) as f32 * 100.0 / steps as f32, Ordering::Relaxed);
    }
    value * 2.0
}

/// Slots per worker in the shared array: progress, done flag, and the result (an `f64`,
/// stored as two 32-bit halves).
pub const SLOTS_PER_WORKER: usize = 4;

/// One worker's record in the shared array: Python's `mp.Array` with one entry per
/// worker, plus a way to hand the result back.
pub struct Report<'a> {
    slots: &'a SharedSlots,
    base: usize,
}

impl<'a> Report<'a> {
    /// Worker `worker`'s record in `slots` (`SLOTS_PER_WORKER` slots per worker).
    pub fn new(slots: &'a SharedSlots, worker: usize) -> Self {
        assert!(
            (worker + 1) * SLOTS_PER_WORKER <= slots.len(),
            "no slots for worker {worker}"
        );
        Self {
            slots,
            base: worker * SLOTS_PER_WORKER,
        }
    }

    /// The progress in percent, written by the worker, read by the parent at any time.
    pub fn progress(&self) -> &'a AtomicF32 {
        self.slots.f32(self.base)
    }
}

// ANCHOR: report
impl Report<'_> {
    fn done(&self) -> &AtomicU32 {
        self.slots.u32(self.base + 1)
    }

    /// Writer: the result's two halves, *then* the done flag, with `Release`.
    pub fn publish(&self, result: f64) {
        let bits = result.to_bits();
        let (low, high) =
            (self.slots.u32(self.base + 2), self.slots.u32(self.base + 3));
        low.store(bits as u32, Ordering::Relaxed);
        high.store((bits >> 32) as u32, Ordering::Relaxed);
        self.done().store(1, Ordering::Release);
    }

    /// Reader: the flag, with `Acquire`, *then* the halves. `None` until published.
    pub fn result(&self) -> Option<f64> {
        if self.done().load(Ordering::Acquire) == 0 {
            return None;
        }
        let low = self.slots.u32(self.base + 2).load(Ordering::Relaxed);
        let high = self.slots.u32(self.base + 3).load(Ordering::Relaxed);
        Some(f64::from_bits(u64::from(high) << 32 | u64::from(low)))
    }
}
// ANCHOR_END: report

// ANCHOR: add_one
/// `counter += 1` as a load, then a store: Python's `v.value += 1` without
/// `v.get_lock()`. A store by another process between the two is overwritten: lost.
pub fn add_one_racy(counter: &AtomicU32) {
    let seen = counter.load(Ordering::Relaxed);
    counter.store(seen.wrapping_add(1), Ordering::Relaxed);
}

/// `counter += 1` as one indivisible read-modify-write (`lock xadd` on x86).
pub fn add_one_atomic(counter: &AtomicU32) {
    counter.fetch_add(1, Ordering::Relaxed);
}
// ANCHOR_END: add_one

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_reports_full_progress_and_doubles() {
        let progress = AtomicF32::new(-1.0);
        assert_eq!(task(4.5, 5, 1, 7, None, &progress), 9.0);
        assert_eq!(progress.load(Ordering::Relaxed), 100.0);
    }

    #[test]
    fn crash_step_beyond_the_last_never_fires() {
        let progress = AtomicF32::new(0.0);
        assert_eq!(task(-1.25, 4, 0, 1, Some(9), &progress), -2.5);
        assert_eq!(progress.load(Ordering::Relaxed), 100.0);
    }

    #[test]
    fn published_result_crosses_to_another_mapping() {
        let name = unique_shm_name("test");
        let mut writer = SharedSlots::create(&name, 2 * SLOTS_PER_WORKER).unwrap();
        let reader = SharedSlots::open(&name).unwrap();
        writer.unlink().unwrap();
        assert_eq!(Report::new(&reader, 1).result(), None);
        std::thread::scope(|s| {
            s.spawn(|| {
                let report = Report::new(&writer, 1);
                report.progress().store(100.0, Ordering::Relaxed);
                report.publish(0.1 + 0.2);
            });
            let report = Report::new(&reader, 1);
            let result = loop {
                if let Some(result) = report.result() {
                    break result;
                }
                std::thread::yield_now();
            };
            // Exact: all 64 bits of the f64 came through.
            assert_eq!(result, 0.1 + 0.2);
        });
        assert_eq!(Report::new(&reader, 0).result(), None, "worker 0 untouched");
    }

    #[test]
    #[should_panic(expected = "no slots for worker 2")]
    fn report_outside_the_array_panics() {
        let name = unique_shm_name("test");
        let slots = SharedSlots::create(&name, 2 * SLOTS_PER_WORKER).unwrap();
        let _ = Report::new(&slots, 2);
    }

    #[test]
    fn fetch_add_is_exact_and_load_store_never_overshoots() {
        let racy = AtomicU32::new(0);
        let exact = AtomicU32::new(0);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..100_000 {
                        add_one_racy(&racy);
                        add_one_atomic(&exact);
                    }
                });
            }
        });
        assert_eq!(exact.load(Ordering::Relaxed), 200_000);
        // Lost updates depend on timing, so we only check the bound that always holds.
        assert!(racy.load(Ordering::Relaxed) <= 200_000);
    }
}
