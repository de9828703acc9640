//! Exercise 3: a file lock that gives up. The robust mutex can wait with a timeout
//! (`RobustMutex::lock_timeout`, with `pthread_mutex_timedlock`), but `flock` has no
//! timed form. Build one from `FileLock::try_lock`: while another open file holds the
//! lock, sleep a little and try again, until the deadline passes.

use locks::{FileLock, FileLockGuard};
use std::io;
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: lock_timeout
/// Takes `lock`, waiting at most `timeout` for whoever holds it; `Ok(None)` if it is
/// still held then. A zero timeout still tries once.
pub fn lock_timeout(
    lock: &FileLock,
    timeout: Duration,
) -> io::Result<Option<FileLockGuard<'_>>> {
    // TODO: set the deadline on the monotonic clock (`Instant`: the wall clock may
    // jump). Then loop: `lock.try_lock()?` gives a guard (done) or `None` (held); past
    // the deadline, give up; else sleep a little (1 ms, doubling up to 20 ms, never
    // past the deadline) and try again.
    // SOLUTION
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(guard) = lock.try_lock()? {
            return Ok(Some(guard));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
    // END SOLUTION
}
// ANCHOR_END: lock_timeout

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// How long a test waits for something that should come much sooner: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    /// Two open files of one new lock file (whose name is removed at once): two
    /// holders that exclude each other, as two processes would.
    fn two_openings(tag: &str) -> (FileLock, FileLock) {
        let path = std::env::temp_dir()
            .join(format!("locks-ex3-{tag}-{}", std::process::id()));
        let first = FileLock::create(&path).unwrap();
        let second = FileLock::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        (first, second)
    }

    #[test]
    fn a_free_lock_is_taken_even_with_no_time_to_wait() {
        let (first, _second) = two_openings("free");
        let guard = lock_timeout(&first, Duration::ZERO).unwrap();
        assert!(guard.is_some(), "nobody holds it");
    }

    #[test]
    fn a_held_lock_is_given_up_after_the_timeout() {
        let (first, second) = two_openings("held");
        let _held = first.lock().unwrap();
        let start = Instant::now();
        let guard = lock_timeout(&second, Duration::from_millis(200)).unwrap();
        assert!(guard.is_none(), "two holders at once");
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(200),
            "gave up after {waited:?}"
        );
        assert!(waited < HANG_GUARD, "waited {waited:?}");
    }

    #[test]
    fn a_lock_released_while_waiting_is_taken() {
        let (first, second) = two_openings("released");
        let (held_tx, held_rx) = mpsc::channel();
        thread::scope(|s| {
            s.spawn(move || {
                let guard = first.lock().unwrap();
                held_tx.send(()).unwrap();
                thread::sleep(Duration::from_millis(100));
                drop(guard);
            });
            held_rx
                .recv_timeout(HANG_GUARD)
                .expect("the holder took the lock");
            let start = Instant::now();
            let guard = lock_timeout(&second, HANG_GUARD).unwrap();
            assert!(guard.is_some(), "the lock was released after 100 ms");
            assert!(
                start.elapsed() < HANG_GUARD,
                "it waited out the whole timeout"
            );
        });
    }
}
