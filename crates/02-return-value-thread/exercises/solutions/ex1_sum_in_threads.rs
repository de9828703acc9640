//! Exercise 1: one thread per value.
//!
//! Run `f` on every value, each on its own `ReturnValueThread` named `sum-0`, `sum-1`,
//! …, and return the sum of the results, or the first error (a thread that panicked,
//! or one the OS refused to start). Start every thread before you join any: why?

use return_value_thread::{Panicked, ReturnValueThread};
use std::error::Error;

// ANCHOR: sum_in_threads
/// Runs `f` on every value, each on its own thread, and adds up the results.
pub fn sum_in_threads<F>(
    values: &[f64],
    f: F,
) -> Result<f64, Box<dyn Error + Send + Sync>>
where
    F: Fn(f64) -> f64 + Clone + Send + 'static,
{
    // TODO: start a `ReturnValueThread` named `sum-{i}` for each value (each gets its
    // own clone of `f`), keep them in a Vec, then join them all and add up the values.
    // `Result` implements `Sum`, and `?` turns a `Panicked` into the boxed error.
    // SOLUTION
    let mut threads = Vec::with_capacity(values.len());
    for (i, &value) in values.iter().enumerate() {
        let f = f.clone();
        threads.push(ReturnValueThread::start(&format!("sum-{i}"), move || {
            f(value)
        })?);
    }
    // All started: only now wait. Joining inside the loop above would wait for each
    // thread before starting the next, which is no concurrency at all. Every thread
    // is joined, even after a panic, so none is left running unobserved.
    let results: Vec<Result<f64, Panicked>> =
        threads.into_iter().map(|t| t.join()).collect();
    // The total of the values, or the first error.
    Ok(results.into_iter().sum::<Result<f64, Panicked>>()?)
    // END SOLUTION
}
// ANCHOR_END: sum_in_threads

#[cfg(test)]
mod tests {
    use super::*;
    use return_value_thread::{Work, task};
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::Duration;

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    #[test]
    fn sums_the_results_of_many_threads() {
        let work = Work {
            steps: 2,
            max_sleep_ms: 1,
            seed: 7,
            fail_at: None,
        };
        let total = sum_in_threads(&[1.0, 2.0, 3.0], move |v| task(v, &work));
        assert_eq!(total.unwrap(), 12.0);
        assert_eq!(sum_in_threads(&[], |v| v).unwrap(), 0.0);
    }

    #[test]
    fn a_panicking_thread_makes_the_sum_an_error() {
        let total = sum_in_threads(&[1.0, 2.0, 3.0], |v| {
            assert!(v != 2.0, "no twos");
            v
        });
        let err = total.expect_err("a thread panicked, so there is no sum");
        assert_eq!(err.to_string(), "thread 'sum-1' panicked: no twos");
        assert!(
            err.downcast_ref::<Panicked>().is_some(),
            "the error keeps its type"
        );
    }

    #[test]
    fn every_thread_is_started_before_any_is_joined() {
        // Each call waits until all four have begun: that happens only if all four
        // threads run at once. Started and joined one by one, the first call waits in
        // vain, and gives up after the hang guard.
        let arrived = Arc::new((Mutex::new(0), Condvar::new()));
        let all_at_once = move |v: f64| {
            let (count, changed) = &*arrived;
            let mut count = count.lock().unwrap();
            *count += 1;
            changed.notify_all();
            let (count, waited) = changed
                .wait_timeout_while(count, HANG_GUARD, |count| *count < 4)
                .unwrap();
            assert!(!waited.timed_out(), "only {count} of 4 threads ran at once");
            v
        };
        let total = sum_in_threads(&[1.0, 2.0, 3.0, 4.0], all_at_once);
        assert_eq!(total.map_err(|err| err.to_string()), Ok(10.0));
    }
}
