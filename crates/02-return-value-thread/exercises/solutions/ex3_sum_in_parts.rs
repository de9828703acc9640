//! Exercise 3: a slice in parts, on scoped threads.
//!
//! Split `data` into at most `parts` chunks, run `chunk_sum` on each chunk on a scoped
//! thread of its own, all at once, and add up what they return. The threads borrow the
//! slice: no `Arc`, no copy. If a chunk's work panics, the caller's thread panics with
//! that same message. (The work is passed in, so that the same function adds up
//! squares as well as numbers, and so that the tests can see which thread got which
//! chunk.)

use std::thread;

// ANCHOR: sum_in_parts
/// Adds up `chunk_sum(chunk)` over at most `parts` chunks of `data`, each on its own
/// scoped thread.
pub fn sum_in_parts(
    data: &[f64],
    parts: usize,
    chunk_sum: impl Fn(&[f64]) -> f64 + Sync,
) -> f64 {
    // TODO: pick a chunk length so that `data.chunks(len)` gives at most `parts`
    // chunks (`div_ceil` rounds up; mind `parts == 0` and an empty slice), start one
    // scoped thread per chunk, then join them and add up. A thread's panic: pass it on
    // with `std::panic::resume_unwind`, so its message survives.
    // SOLUTION
    if data.is_empty() {
        return 0.0;
    }
    let chunk_len = data.len().div_ceil(parts.max(1));
    let chunk_sum = &chunk_sum; // each thread borrows the closure, as it does `data`
    thread::scope(|s| {
        let handles: Vec<_> = data
            .chunks(chunk_len)
            .map(|chunk| s.spawn(move || chunk_sum(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
            })
            .sum()
    })
    // END SOLUTION
}
// ANCHOR_END: sum_in_parts

#[cfg(test)]
mod tests {
    use super::*;
    use return_value_thread::panic_message;
    use std::collections::HashSet;
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::{Condvar, Mutex};
    use std::thread::ThreadId;
    use std::time::Duration;

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    fn plain_sum(chunk: &[f64]) -> f64 {
        chunk.iter().sum()
    }

    /// Runs `sum_in_parts`, noting which thread got which part of `data`.
    fn sum_and_record(
        data: &[f64],
        parts: usize,
    ) -> (f64, Vec<(ThreadId, usize, usize)>) {
        let seen = Mutex::new(Vec::new());
        let total = sum_in_parts(data, parts, |chunk| {
            // Where the chunk starts inside `data`: a copy would be somewhere else.
            let start = (chunk.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize)
                / size_of::<f64>();
            let id = thread::current().id();
            seen.lock().unwrap().push((id, start, chunk.len()));
            plain_sum(chunk)
        });
        (total, seen.into_inner().unwrap())
    }

    #[test]
    fn the_sum_is_right_for_any_number_of_parts() {
        let data: Vec<f64> = (1..=100).map(f64::from).collect();
        for parts in [0, 1, 2, 3, 4, 7, 100, 1000] {
            assert_eq!(
                sum_in_parts(&data, parts, plain_sum),
                5050.0,
                "parts = {parts}"
            );
        }
        assert_eq!(sum_in_parts(&[], 4, plain_sum), 0.0);
        let squares =
            sum_in_parts(&[1.0, 2.0, 3.0], 2, |c| c.iter().map(|x| x * x).sum());
        assert_eq!(squares, 14.0);
    }

    #[test]
    fn each_chunk_is_borrowed_from_the_slice_and_summed_on_a_thread_of_its_own() {
        let data: Vec<f64> = (1..=10).map(f64::from).collect();
        for parts in [1, 3, 4, 10, 50] {
            let (total, mut seen) = sum_and_record(&data, parts);
            assert_eq!(total, 55.0, "parts = {parts}");
            assert!(
                seen.len() <= parts,
                "{} chunks for {parts} parts",
                seen.len()
            );
            // Sorted by where they start, the chunks must tile `data` exactly: each
            // one a piece of the slice itself, not of a copy.
            seen.sort_by_key(|&(_, start, _)| start);
            let mut next = 0;
            for &(_, start, len) in &seen {
                assert_eq!(
                    start, next,
                    "parts = {parts}: not a piece of `data`: {seen:?}"
                );
                next += len;
            }
            assert_eq!(next, data.len(), "parts = {parts}: {seen:?}");
            let threads: HashSet<ThreadId> = seen.iter().map(|&(id, ..)| id).collect();
            assert!(
                !threads.contains(&thread::current().id()),
                "a chunk ran on the caller"
            );
            assert_eq!(
                threads.len(),
                seen.len(),
                "parts = {parts}: one thread per chunk"
            );
        }
    }

    #[test]
    fn the_chunks_are_summed_at_the_same_time() {
        // Each chunk's work waits until all four have begun, which happens only if the
        // four threads run at once. Joined one by one as they start, the first one
        // waits in vain, and gives up after the hang guard.
        let data: Vec<f64> = (1..=100).map(f64::from).collect();
        let arrived = (Mutex::new(0), Condvar::new());
        let all_at_once = |chunk: &[f64]| {
            let (count, changed) = &arrived;
            let mut count = count.lock().unwrap();
            *count += 1;
            changed.notify_all();
            let (count, waited) = changed
                .wait_timeout_while(count, HANG_GUARD, |count| *count < 4)
                .unwrap();
            assert!(!waited.timed_out(), "only {count} of 4 chunks ran at once");
            plain_sum(chunk)
        };
        assert_eq!(sum_in_parts(&data, 4, all_at_once), 5050.0);
    }

    #[test]
    fn a_panicking_chunk_panics_the_caller_with_its_own_message() {
        let data: Vec<f64> = (1..=100).map(f64::from).collect();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            sum_in_parts(&data, 2, |chunk| {
                assert!(chunk[0] != 51.0, "the second half is bad");
                plain_sum(chunk)
            })
        }));
        let payload = outcome.expect_err("the chunk's panic reaches the caller");
        assert_eq!(panic_message(&*payload), "the second half is bad");
    }
}
