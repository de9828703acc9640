// Exercise: replace each `todo!()` with your code, then run
// `just exercise progress-sharing 2` (`just hint progress-sharing 2` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 2: the worker furthest behind.
//!
//! Instead of every worker's progress, show only the one furthest behind: find it (the
//! first of them, if several are as far behind), then build the one-line display
//! `slowest: #2  40.00% (3 workers)`, or `no workers` for none.

// ANCHOR: slowest
/// The worker furthest behind, as `(index, progress)`; `None` if there are none.
pub fn slowest(progress: &[f32]) -> Option<(usize, f32)> {
    // TODO: the smallest progress and its index. `f32` is not `Ord` (NaN compares with
    // nothing), so `Iterator::min` is not there; `min_by` with `f32::total_cmp` is.
    todo!()
}

/// A one-line display built on [`slowest`]: `slowest: #2  40.00% (3 workers)`.
pub fn slowest_line(progress: &[f32]) -> String {
    // TODO: the progress is shown as `progress_line` shows it: `{:6.2}%`.
    todo!()
}
// ANCHOR_END: slowest

#[cfg(test)]
mod tests {
    use super::*;
    use progress_sharing::progress_line;

    #[test]
    fn slowest_finds_the_worker_furthest_behind() {
        assert_eq!(slowest(&[80.0, 20.0, 60.0]), Some((1, 20.0)));
        assert_eq!(slowest(&[0.0, 100.0]), Some((0, 0.0)));
        assert_eq!(slowest(&[100.0]), Some((0, 100.0)));
        assert_eq!(slowest(&[]), None);
    }

    #[test]
    fn of_several_as_far_behind_the_first_is_the_slowest() {
        assert_eq!(slowest(&[50.0, 20.0, 20.0]), Some((1, 20.0)));
    }

    #[test]
    fn the_line_shows_the_slowest_as_the_progress_line_does() {
        let progress = [80.0, 40.0, 60.0];
        assert_eq!(slowest_line(&progress), "slowest: #1  40.00% (3 workers)");
        // The same `#1  40.00%` as in the line with every worker.
        assert!(progress_line(&progress).contains("#1  40.00%"));
        assert_eq!(slowest_line(&[]), "no workers");
    }
}
