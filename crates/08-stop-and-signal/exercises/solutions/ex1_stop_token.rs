//! Exercise 1: a cancellable sleep with the standard library only, Python's
//! `threading.Event`. `stop()` is `set()`, `is_stopped()` is `is_set()`, and
//! `sleep(duration)` is `wait(timeout)`: it sleeps for `duration` unless a stop comes
//! first, and says whether it was stopped. A stop wakes every sleeper at once. No
//! channel this time: a `Mutex<bool>` and a `Condvar`.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

// ANCHOR: stop_token
/// A stop request that also wakes sleepers (Python's `threading.Event`).
#[derive(Default)]
pub struct StopToken {
    // TODO: the flag, and something a sleeper can wait on until the flag changes.
    // SOLUTION:
    stopped: Mutex<bool>,
    wake: Condvar,
    // END SOLUTION
}

impl StopToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every holder to stop, and wakes those asleep in [`StopToken::sleep`].
    pub fn stop(&self) {
        // TODO: set the flag, then wake every sleeper (not just one).
        // SOLUTION
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
        // END SOLUTION
    }

    pub fn is_stopped(&self) -> bool {
        // SOLUTION
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
        // END SOLUTION
    }

    /// Sleeps for `duration` unless a stop comes first; true when stopped.
    pub fn sleep(&self, duration: Duration) -> bool {
        // TODO: look at the flag and go to sleep under one lock, so that a stop cannot
        // slip in between; a wake-up may be spurious, so sleep on for the time left.
        // SOLUTION
        let stopped = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        // `wait_timeout_while` checks the flag before it sleeps, and sleeps again
        // after a spurious wake-up for the time that is left.
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, duration, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *stopped
        // END SOLUTION
    }
}
// ANCHOR_END: stop_token

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::mpsc::{self, Receiver};
    use std::thread;
    use std::time::Instant;

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);
    const AN_HOUR: Duration = Duration::from_secs(3600);

    /// Sleeps on `token` in a thread of its own; the outcome arrives on the channel.
    fn sleeper(token: &Arc<StopToken>, duration: Duration) -> Receiver<bool> {
        let (woke_tx, woke) = mpsc::channel();
        let token = Arc::clone(token);
        thread::spawn(move || woke_tx.send(token.sleep(duration)));
        woke
    }

    #[test]
    fn a_stop_wakes_a_long_sleep() {
        let token = Arc::new(StopToken::new());
        let woke = sleeper(&token, AN_HOUR);
        token.stop();
        // Whether the stop came before or during the sleep, the hour is cut short.
        assert_eq!(woke.recv_timeout(HANG_GUARD), Ok(true));
        assert!(token.is_stopped());
    }

    #[test]
    fn one_stop_wakes_every_sleeper() {
        let token = Arc::new(StopToken::new());
        let sleepers: Vec<_> = (0..3).map(|_| sleeper(&token, AN_HOUR)).collect();
        // Let them fall asleep, so that a stop that wakes only one of them shows. (A
        // right answer passes however late they are: it looks at the flag first.)
        thread::sleep(Duration::from_millis(100));
        token.stop();
        for woke in sleepers {
            assert_eq!(
                woke.recv_timeout(HANG_GUARD),
                Ok(true),
                "a sleeper slept on"
            );
        }
    }

    #[test]
    fn an_unstopped_sleep_runs_its_full_time() {
        let token = StopToken::new();
        let start = Instant::now();
        assert!(!token.sleep(Duration::from_millis(50)));
        assert!(
            start.elapsed() >= Duration::from_millis(50),
            "it woke early"
        );
        assert!(!token.is_stopped());
    }

    #[test]
    fn a_sleep_after_the_stop_returns_at_once() {
        let token = Arc::new(StopToken::new());
        token.stop();
        // An hour: only the flag, looked at before sleeping, ends it in time.
        assert_eq!(sleeper(&token, AN_HOUR).recv_timeout(HANG_GUARD), Ok(true));
    }
}
