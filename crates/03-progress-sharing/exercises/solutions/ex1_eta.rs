//! Exercise 1: the time left.
//!
//! From a worker's progress (in percent) and the time it has run so far, estimate the
//! time it still needs, assuming the rest goes at the average speed so far. Before any
//! progress there is nothing to go on: `None`. Progress past 100 % leaves no time.

use std::time::Duration;

// ANCHOR: eta
/// The time left, guessed from the progress (percent) made in `elapsed`.
pub fn eta(progress: f32, elapsed: Duration) -> Option<Duration> {
    // TODO: `None` unless there is some progress (mind NaN: every comparison with it is
    // false); else the time the remaining percent takes at the average speed so far.
    // `Duration::mul_f64` scales a duration.
    // SOLUTION
    if progress.is_nan() || progress <= 0.0 {
        return None; // nothing to extrapolate from, and no division by zero
    }
    let left = (100.0 - f64::from(progress.min(100.0))) / f64::from(progress);
    Some(elapsed.mul_f64(left))
    // END SOLUTION
}
// ANCHOR_END: eta

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_goes_at_the_average_speed_so_far() {
        let ten_s = Duration::from_secs(10);
        assert_eq!(eta(25.0, ten_s), Some(Duration::from_secs(30)));
        assert_eq!(eta(50.0, ten_s), Some(ten_s));
        assert_eq!(
            eta(80.0, Duration::from_secs(8)),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn a_finished_worker_has_no_time_left() {
        let ten_s = Duration::from_secs(10);
        assert_eq!(eta(100.0, ten_s), Some(Duration::ZERO));
        assert_eq!(eta(120.0, ten_s), Some(Duration::ZERO));
    }

    #[test]
    fn the_time_left_is_unknown_before_any_progress() {
        assert_eq!(eta(0.0, Duration::from_secs(1)), None);
        assert_eq!(eta(-1.0, Duration::from_secs(1)), None);
        assert_eq!(eta(f32::NAN, Duration::from_secs(1)), None);
    }
}
