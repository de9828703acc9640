//! CPU work inside async: what it does to the other tasks, and `spawn_blocking`.
//!
//! A task gives its thread back only at an `.await` that has to wait. Code between two
//! `.await`s runs to its end, and every other task on that thread waits for it: a long
//! computation (or a blocking call like `std::thread::sleep`) inside a task stalls all
//! the connections its thread serves.

/// Stands in for the CPU-heavy part of handling a request (hashing, compressing,
/// parsing a large body): `rounds` rounds of a 64-bit mix.
pub fn checksum(seed: u64, rounds: u64) -> u64 {
    (0..rounds).fold(seed, |hash, i| {
        (hash ^ i)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29)
    })
}

// ANCHOR: spawn_blocking
/// CPU work from inside a task, done right: it runs on tokio's blocking pool (threads
/// kept apart for this), and the task awaits its result, so the runtime's own threads
/// go on moving the other tasks forward meanwhile.
pub async fn checksum_off_the_runtime(seed: u64, rounds: u64) -> u64 {
    tokio::task::spawn_blocking(move || checksum(seed, rounds))
        .await
        .expect("checksum does not panic")
}
// ANCHOR_END: spawn_blocking

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// A runtime with one thread, where "the other tasks on this thread" are all of
    /// them.
    fn one_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    // ANCHOR: starved
    #[test]
    fn work_without_an_await_holds_up_every_other_task_on_its_thread() {
        let (ran, other_ran) = mpsc::channel();
        one_thread().block_on(async move {
            let other = tokio::spawn(async move { ran.send(()).unwrap() });
            // Blocking work (here: waiting for the other task) with no `.await`: the
            // other task cannot run until it ends.
            let seen = other_ran.recv_timeout(Duration::from_millis(300)).is_ok();
            assert!(!seen, "the other task ran while this one held the thread");
            other.await.unwrap(); // now it runs
        });
    }

    #[test]
    fn spawn_blocking_leaves_the_thread_to_the_other_tasks() {
        let (ran, other_ran) = mpsc::channel();
        one_thread().block_on(async move {
            let other = tokio::spawn(async move { ran.send(()).unwrap() });
            // The same blocking work, on the blocking pool: the other task runs.
            let wait = move || other_ran.recv_timeout(Duration::from_secs(10)).is_ok();
            let seen = tokio::task::spawn_blocking(wait).await.unwrap();
            assert!(seen, "the other task never ran");
            other.await.unwrap();
        });
    }
    // ANCHOR_END: starved

    #[test]
    fn the_checksum_is_the_same_on_the_blocking_pool() {
        let inline = checksum(7, 100_000);
        let pooled = one_thread().block_on(checksum_off_the_runtime(7, 100_000));
        assert_eq!(inline, pooled);
        assert_ne!(checksum(7, 10), checksum(8, 10));
    }
}
