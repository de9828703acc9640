// Exercise: replace each `todo!()` with your code, then run
// `just exercise progress-sharing 3` (`just hint progress-sharing 3` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 3: watch the channel, not the threads.
//!
//! The walkthrough's channel method asks each thread `is_finished` every 100 ms.
//! Instead, read `(worker, percent)` messages until every sender is gone, and show the
//! latest progress of each worker every `every` (and once more at the end); return the
//! final progress. A worker's sender is dropped when it ends, even by a panic, so
//! "every sender gone" means "every worker done".

use crossbeam_channel::{Receiver, select, tick};
use std::time::Duration;

// ANCHOR: watch_channel
/// Reads `(worker, percent)` messages until every sender is gone, calls `show` with
/// the latest progress of each worker every `every` and once at the end, and returns
/// the final progress.
pub fn watch_channel(
    messages: &Receiver<(usize, f32)>,
    workers: usize,
    every: Duration,
    mut show: impl FnMut(&[f32]),
) -> Vec<f32> {
    // TODO: keep the latest progress per worker in a Vec. `crossbeam_channel::tick`
    // makes a channel that receives a message every `every`, and `select!` waits for
    // whichever comes first: a message (or the news that every sender is gone), or a
    // tick. When does the loop end?
    todo!()
}
// ANCHOR_END: watch_channel

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::{RecvTimeoutError, Sender, unbounded};
    use progress_sharing::{Work, task};
    use std::thread;
    use std::time::Instant;

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    /// `watch_channel` on a thread of its own, so that a version that never returns
    /// fails its test after the hang guard instead of hanging it.
    struct Watching {
        shown: Receiver<Vec<f32>>,
        last: Receiver<Vec<f32>>,
    }

    fn watch(messages: Receiver<(usize, f32)>, workers: usize) -> Watching {
        let (shown_tx, shown) = unbounded();
        let (last_tx, last) = unbounded();
        thread::spawn(move || {
            let show = |p: &[f32]| {
                let _ = shown_tx.send(p.to_vec());
            };
            let last =
                watch_channel(&messages, workers, Duration::from_millis(10), show);
            let _ = last_tx.send(last);
        });
        Watching { shown, last }
    }

    impl Watching {
        /// What `watch_channel` returned; it must return once every sender is gone.
        fn returned(&self) -> Vec<f32> {
            match self.last.recv_timeout(HANG_GUARD) {
                Ok(last) => last,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("watch_channel did not return after every sender was gone")
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("watch_channel panicked (its message is above)")
                }
            }
        }

        /// Waits until `show` is called with `expected`.
        fn wait_for_show(&self, expected: &[f32]) {
            let deadline = Instant::now() + HANG_GUARD;
            let mut seen = Vec::new();
            while let Ok(shown) = self.shown.recv_deadline(deadline) {
                if shown == expected {
                    return;
                }
                seen.push(shown);
            }
            let seen = &seen[seen.len().saturating_sub(3)..];
            panic!("no show of {expected:?} while the workers ran; the last: {seen:?}");
        }
    }

    fn start_workers(count: usize, work: &Work, sender: &Sender<(usize, f32)>) {
        for worker in 0..count {
            let (work, sender) = (work.clone(), sender.clone());
            thread::spawn(move || {
                task(4.5, &work, |p| sender.send((worker, p)).unwrap())
            });
        }
    }

    #[test]
    fn it_shows_the_progress_while_the_workers_run() {
        let (sender, receiver) = unbounded();
        let watching = watch(receiver, 2);
        // The test plays the workers; it keeps its sender until the show is seen.
        sender.send((0, 50.0)).unwrap();
        watching.wait_for_show(&[50.0, 0.0]);
        sender.send((1, 100.0)).unwrap();
        sender.send((0, 100.0)).unwrap();
        drop(sender);
        assert_eq!(watching.returned(), [100.0, 100.0]);
        let last_shown = watching.shown.try_iter().last();
        assert_eq!(
            last_shown.as_deref(),
            Some(&[100.0, 100.0][..]),
            "shown at the end"
        );
    }

    #[test]
    fn it_returns_once_every_worker_is_done() {
        let (sender, receiver) = unbounded();
        let work = Work {
            steps: 5,
            max_sleep_ms: 1,
            seed: 7,
            fail_at: None,
        };
        let watching = watch(receiver, 3);
        start_workers(3, &work, &sender);
        drop(sender); // else the channel never disconnects
        assert_eq!(watching.returned(), [100.0, 100.0, 100.0]);
    }

    #[test]
    fn it_returns_when_a_worker_panics() {
        let (sender, receiver) = unbounded();
        let work = Work {
            steps: 4,
            max_sleep_ms: 0,
            seed: 7,
            fail_at: Some(3),
        };
        let watching = watch(receiver, 2);
        start_workers(1, &work, &sender);
        let fine = Work {
            fail_at: None,
            ..work
        };
        let sender_of_1 = sender.clone();
        thread::spawn(move || task(4.5, &fine, |p| sender_of_1.send((1, p)).unwrap()));
        drop(sender);
        // Worker 0 sent 50 % before it panicked at step 3.
        assert_eq!(watching.returned(), [50.0, 100.0]);
    }
}
