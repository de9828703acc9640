//! Solutions to the chapter's exercises.

use crate::idioms::time_in_threads;
use std::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: geometric_mean
/// Exercise 1: one number for a whole run. Ratios multiply, so their fair average is
/// the geometric mean (the arithmetic mean of 100x and 1x would claim 50x). `None` if
/// there is nothing to average or a ratio is not positive.
pub fn geometric_mean(ratios: &[f64]) -> Option<f64> {
    if ratios.is_empty() || ratios.iter().any(|r| !(r.is_finite() && *r > 0.0)) {
        return None;
    }
    let mean_log = ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64;
    Some(mean_log.exp())
}
// ANCHOR_END: geometric_mean

// ANCHOR: relative_range
/// Exercise 2: how noisy were the runs? The spread of the samples (largest minus
/// smallest) as a fraction of their median: 0.05 means the runs agree within 5%.
pub fn relative_range(samples: &[f64]) -> Option<f64> {
    let median = crate::median(samples)?;
    let finite = samples.iter().copied().filter(|x| x.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    (median != 0.0).then(|| (hi - lo) / median.abs())
}
// ANCHOR_END: relative_range

// ANCHOR: atomic_counter
/// Exercise 3: the thread-lock row's counter without a lock. `fetch_add` makes the
/// read-add-write one indivisible step, so no update is lost and no thread ever waits
/// for another to unlock. Returns increments per second.
pub fn atomic_counter(threads: usize, per_thread: u64) -> f64 {
    let counter = AtomicU64::new(0);
    let elapsed = time_in_threads(threads, || {
        for _ in 0..per_thread {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let total = threads as u64 * per_thread;
    assert_eq!(counter.into_inner(), total, "an increment was lost");
    total as f64 / elapsed.as_secs_f64()
}
// ANCHOR_END: atomic_counter

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mean_of_ratios() {
        let g = geometric_mean(&[100.0, 1.0]).unwrap();
        assert!((g - 10.0).abs() < 1e-9, "{g}");
        assert_eq!(geometric_mean(&[4.0]), Some(4.0));
        assert_eq!(geometric_mean(&[]), None);
        assert_eq!(geometric_mean(&[2.0, 0.0]), None);
    }

    #[test]
    fn relative_range_measures_disagreement() {
        assert_eq!(relative_range(&[9.0, 10.0, 11.0]), Some(0.2));
        assert_eq!(relative_range(&[5.0]), Some(0.0));
        assert_eq!(relative_range(&[]), None);
    }

    #[test]
    fn atomic_counter_loses_nothing() {
        // The count is asserted inside; here only that a rate comes out.
        assert!(atomic_counter(2, 10_000) > 0.0);
    }
}
