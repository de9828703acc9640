// Exercise: replace each `todo!()` with your code, then run
// `just exercise measured 2` (`just hint measured 2` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 2: how noisy was a run? Say how far a row's samples spread, as a fraction of
//! their median, so that you can tell a real finding from a busy machine.

use measured::median;

// ANCHOR: relative_range
/// The spread of `samples` (largest minus smallest) as a fraction of their median:
/// 0.05 means the runs agree within 5%. `None` for no samples or a median of zero.
pub fn relative_range(samples: &[f64]) -> Option<f64> {
    // TODO: find the median (`measured::median`), the smallest and the largest
    // sample; divide the difference by the median's size.
    todo!()
}
// ANCHOR_END: relative_range

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_within_ten_percent_of_ten_spread_by_a_fifth() {
        assert_eq!(relative_range(&[9.0, 10.0, 11.0]), Some(0.2));
        assert_eq!(relative_range(&[11.0, 9.0, 10.0]), Some(0.2));
    }

    #[test]
    fn one_sample_agrees_with_itself() {
        assert_eq!(relative_range(&[5.0]), Some(0.0));
    }

    #[test]
    fn no_samples_or_a_zero_median_gives_none() {
        assert_eq!(relative_range(&[]), None);
        assert_eq!(relative_range(&[-1.0, 0.0, 1.0]), None);
    }
}
