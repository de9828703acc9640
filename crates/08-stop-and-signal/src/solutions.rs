//! Solutions to the exercises of the chapter "Stopping and signalling".

use crate::{Ending, send_signal, terminate, wait_timeout};
use crossbeam_channel::Sender;
use nix::sys::signal::Signal;
use signal_hook::iterator::{Handle, Signals};
use std::io;
use std::process::Child;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: stop_token
/// Exercise 1: a stop request that also wakes sleepers, with the standard library only
/// (Python's `threading.Event`).
#[derive(Default)]
pub struct StopToken {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl StopToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every holder to stop, and wakes those asleep in [`StopToken::sleep`].
    pub fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }

    pub fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps for `duration` unless a stop comes first; true when stopped.
    pub fn sleep(&self, duration: Duration) -> bool {
        let stopped = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        // Checks the flag under the lock before sleeping, so a stop cannot slip in
        // between, and sleeps again after a spurious wake-up for the time that is left.
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, duration, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *stopped
    }
}
// ANCHOR_END: stop_token

// ANCHOR: terminate_all
/// Exercise 2: stops several children with one grace period shared by all (calling
/// `terminate` on each in turn could take one grace period per stubborn child).
pub fn terminate_all(
    children: &mut [Child],
    grace: Duration,
) -> io::Result<Vec<Ending>> {
    for child in children.iter_mut() {
        send_signal(child, Signal::SIGTERM)?;
    }
    let deadline = Instant::now() + grace;
    let mut endings = Vec::with_capacity(children.len());
    for child in children.iter_mut() {
        let left = deadline.saturating_duration_since(Instant::now());
        let ending = match wait_timeout(child, left)? {
            Some(ending) => ending,
            // The shared grace is over: no more waiting, straight to SIGKILL.
            None => terminate(child, Duration::ZERO)?.1,
        };
        endings.push(ending);
    }
    Ok(endings)
}
// ANCHOR_END: terminate_all

// ANCHOR: answer_on_signal
/// Exercise 3: answers `signal` at once, even in the middle of a step, by sending the
/// current `progress` on `answers`. Returns the handle that stops the answering thread.
///
/// `Signals` keeps the real handler tiny (it writes a byte to a pipe) and hands each
/// signal to a plain thread, where sending, locking and allocating are all allowed.
pub fn answer_on_signal(
    signal: i32,
    progress: Arc<AtomicU32>,
    answers: Sender<u32>,
) -> io::Result<Handle> {
    let mut signals = Signals::new([signal])?;
    let handle = signals.handle();
    thread::spawn(move || {
        for _ in signals.forever() {
            if answers.send(progress.load(Ordering::Relaxed)).is_err() {
                break;
            }
        }
    });
    Ok(handle)
}
// ANCHOR_END: answer_on_signal

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lines;
    use crate::Next;
    use crate::tests::sh;

    const GUARD: Duration = Duration::from_secs(10);

    #[test]
    fn stop_wakes_a_long_sleep() {
        let token = Arc::new(StopToken::new());
        let (woke_tx, woke) = crossbeam_channel::bounded(1);
        let sleeper = Arc::clone(&token);
        thread::spawn(move || woke_tx.send(sleeper.sleep(Duration::from_secs(3600))));
        token.stop();
        // Whether the stop came before or during the sleep, the hour is cut short.
        assert_eq!(woke.recv_timeout(GUARD), Ok(true));
        assert!(token.is_stopped());
    }

    #[test]
    fn unstopped_sleep_runs_out_and_stopped_one_returns_at_once() {
        let token = StopToken::new();
        assert!(!token.sleep(Duration::from_millis(5)));
        token.stop();
        assert!(token.sleep(Duration::from_secs(3600)));
    }

    /// Children of this test, killed and reaped even when an assertion fails.
    struct Children(Vec<Child>);

    impl Drop for Children {
        fn drop(&mut self) {
            for child in &mut self.0 {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    #[test]
    fn terminate_all_terms_the_polite_kills_the_stubborn_and_skips_the_ended() {
        let polite = sh("exec sleep 30");
        // `trap '' TERM` ignores SIGTERM; `exec` keeps that for `sleep`. It says
        // "ready" once the trap is set, so that our SIGTERM cannot come before it.
        let mut stubborn = sh("trap '' TERM; echo ready; exec sleep 30");
        let mut lines = Lines::new(stubborn.stdout.take().unwrap());
        assert_eq!(lines.next(GUARD).unwrap(), Next::Line("ready".into()));
        let mut ended = sh("exit 4");
        ended.wait().unwrap();
        let mut children = Children(vec![polite, stubborn, ended]);

        // The polite child dies on SIGTERM at once; the grace is the hang guard, so
        // that even a machine too busy to run it for a while reports that, and not a
        // SIGKILL. The stubborn child waits it out: this test takes the whole grace.
        let endings = terminate_all(&mut children.0, GUARD).unwrap();
        assert_eq!(
            endings,
            [
                Ending::Killed(libc::SIGTERM),
                Ending::Killed(libc::SIGKILL),
                Ending::Exited(4)
            ]
        );
    }

    #[test]
    fn a_signal_gets_the_current_progress_at_once() {
        let progress = Arc::new(AtomicU32::new(3));
        let (answers_tx, answers) = crossbeam_channel::unbounded();
        let handle =
            answer_on_signal(libc::SIGUSR2, Arc::clone(&progress), answers_tx).unwrap();
        nix::sys::signal::raise(Signal::SIGUSR2).unwrap();
        assert_eq!(answers.recv_timeout(GUARD), Ok(3));
        progress.store(7, Ordering::Relaxed);
        nix::sys::signal::raise(Signal::SIGUSR2).unwrap();
        assert_eq!(answers.recv_timeout(GUARD), Ok(7));
        handle.close();
    }
}
