//! Exercise 1: a whole run in one number. Averaging the ratios is wrong: the mean of
//! 100x and 1x says 50x, although one row is a hundred times better and the other no
//! better at all. Write the right average for ratios.

// ANCHOR: geometric_mean
/// The average of `ratios` that respects that ratios multiply. `None` if there is
/// nothing to average or a ratio is not a positive, finite number.
pub fn geometric_mean(ratios: &[f64]) -> Option<f64> {
    // TODO: refuse an empty list and ratios that are not positive and finite; then
    // average the logarithms of the ratios and take the exponential of that mean.
    // SOLUTION
    if ratios.is_empty() || ratios.iter().any(|r| !(r.is_finite() && *r > 0.0)) {
        return None;
    }
    let mean_log = ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64;
    Some(mean_log.exp())
    // END SOLUTION
}
// ANCHOR_END: geometric_mean

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn a_hundred_times_and_once_average_to_ten_times() {
        let mean = geometric_mean(&[100.0, 1.0]).expect("two good ratios");
        assert!(close(mean, 10.0), "{mean}");
    }

    #[test]
    fn one_ratio_is_its_own_average_and_order_does_not_matter() {
        assert_eq!(geometric_mean(&[4.0]), Some(4.0));
        let a = geometric_mean(&[2.0, 8.0, 0.5]).unwrap();
        let b = geometric_mean(&[0.5, 2.0, 8.0]).unwrap();
        assert!(close(a, b) && close(a, 2.0), "{a} {b}");
    }

    #[test]
    fn nothing_or_a_bad_ratio_gives_none() {
        assert_eq!(geometric_mean(&[]), None);
        assert_eq!(geometric_mean(&[2.0, 0.0]), None);
        assert_eq!(geometric_mean(&[2.0, -1.0]), None);
        assert_eq!(geometric_mean(&[2.0, f64::NAN]), None);
    }
}
