//! Exercise 3: answer at once, mid-step. The lesson's child answers SIGUSR1 only
//! between two steps, when its loop looks at the flag. Answer from a thread of its own
//! instead: `signal_hook::iterator::Signals` turns each signal into an item of an
//! iterator, on a plain thread where sending and allocating are allowed. The answer is
//! the current progress, which the task keeps in an `AtomicU32`.

use crossbeam_channel::Sender;
use signal_hook::iterator::{Handle, Signals};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

// ANCHOR: answer_on_signal
/// Answers each `signal` at once by sending the current `progress` on `answers`.
/// Returns the handle that ends the answering thread (`handle.close()`).
pub fn answer_on_signal(
    signal: i32,
    progress: Arc<AtomicU32>,
    answers: Sender<u32>,
) -> io::Result<Handle> {
    // TODO: register `signal` with `Signals::new`, keep its handle, and move the
    // `Signals` into a thread that sends `progress` for each signal it yields.
    // SOLUTION
    // The real handler stays tiny (it writes a byte to a pipe); the thread reads the
    // pipe and does the rest.
    let mut signals = Signals::new([signal])?;
    let handle = signals.handle();
    thread::spawn(move || {
        // `forever` ends when the handle is closed.
        for _ in signals.forever() {
            if answers.send(progress.load(Ordering::Relaxed)).is_err() {
                break;
            }
        }
    });
    Ok(handle)
    // END SOLUTION
}
// ANCHOR_END: answer_on_signal

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::RecvTimeoutError;
    use nix::sys::signal::{Signal, raise};
    use std::time::Duration;

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    #[test]
    fn each_signal_gets_the_progress_of_that_moment() {
        let progress = Arc::new(AtomicU32::new(3));
        let (answers_tx, answers) = crossbeam_channel::unbounded();
        let handle =
            answer_on_signal(libc::SIGUSR2, Arc::clone(&progress), answers_tx).unwrap();
        raise(Signal::SIGUSR2).unwrap();
        assert_eq!(answers.recv_timeout(HANG_GUARD), Ok(3));
        progress.store(7, Ordering::Relaxed);
        raise(Signal::SIGUSR2).unwrap();
        assert_eq!(answers.recv_timeout(HANG_GUARD), Ok(7));
        // Closing the handle ends the thread, which drops its end of the channel.
        handle.close();
        assert_eq!(
            answers.recv_timeout(HANG_GUARD),
            Err(RecvTimeoutError::Disconnected)
        );
    }
}
