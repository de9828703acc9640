//! Solutions to the chapter's exercises.

use crossbeam_channel::{Receiver, select, tick};
use std::time::Duration;

// ANCHOR: eta
/// Exercise 1: the time left, guessed from the progress (percent) made in `elapsed`.
///
/// It assumes the rest goes at the average speed so far: all one number can tell.
/// `None` before any progress: nothing to extrapolate from, and no division by zero.
pub fn eta(progress: f32, elapsed: Duration) -> Option<Duration> {
    if progress.is_nan() || progress <= 0.0 {
        return None;
    }
    let left = (100.0 - f64::from(progress.min(100.0))) / f64::from(progress);
    Some(elapsed.mul_f64(left))
}
// ANCHOR_END: eta

// ANCHOR: slowest
/// Exercise 2: the worker furthest behind, as `(index, progress)`; `None` if none.
///
/// `f32` is not `Ord` (NaN compares with nothing), so `min_by` with `total_cmp`, which
/// orders every float, instead of `min`.
pub fn slowest(progress: &[f32]) -> Option<(usize, f32)> {
    progress
        .iter()
        .copied()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// A one-line display built on [`slowest`]: `slowest: #2  40.00% (3 workers)`.
pub fn slowest_line(progress: &[f32]) -> String {
    match slowest(progress) {
        Some((i, p)) => format!("slowest: #{i} {p:6.2}% ({} workers)", progress.len()),
        None => "no workers".to_string(),
    }
}
// ANCHOR_END: slowest

// ANCHOR: watch_channel
/// Exercise 3: reads `(worker, percent)` messages until every sender is gone, shows
/// the latest progress of each worker every `every`, and returns the final progress.
///
/// No `is_finished` polling: a worker's sender is dropped when it ends (even by a
/// panic), so "all senders gone" means "all workers done". `select!` waits for
/// whichever comes first, a message or a tick, so messages are taken as they come and
/// the display keeps its pace. The caller must drop its own sender, or this never
/// returns.
pub fn watch_channel(
    messages: &Receiver<(usize, f32)>,
    workers: usize,
    every: Duration,
    mut show: impl FnMut(&[f32]),
) -> Vec<f32> {
    let ticks = tick(every);
    let mut latest = vec![0.0; workers];
    loop {
        select! {
            recv(messages) -> message => match message {
                Ok((worker, progress)) => latest[worker] = progress,
                Err(_) => break, // disconnected: every worker has finished
            },
            recv(ticks) -> _ => show(&latest),
        }
    }
    show(&latest);
    latest
}
// ANCHOR_END: watch_channel

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Work, task};
    use std::thread;

    #[test]
    fn eta_extrapolates_the_average_speed() {
        let ten_s = Duration::from_secs(10);
        assert_eq!(eta(25.0, ten_s), Some(Duration::from_secs(30)));
        assert_eq!(eta(50.0, ten_s), Some(ten_s));
        assert_eq!(eta(100.0, ten_s), Some(Duration::ZERO));
        assert_eq!(eta(120.0, ten_s), Some(Duration::ZERO));
    }

    #[test]
    fn eta_is_unknown_before_any_progress() {
        assert_eq!(eta(0.0, Duration::from_secs(1)), None);
        assert_eq!(eta(-1.0, Duration::from_secs(1)), None);
        assert_eq!(eta(f32::NAN, Duration::from_secs(1)), None);
    }

    #[test]
    fn slowest_finds_the_worker_furthest_behind() {
        assert_eq!(slowest(&[80.0, 20.0, 60.0]), Some((1, 20.0)));
        assert_eq!(slowest(&[]), None);
        assert_eq!(
            slowest_line(&[80.0, 40.0]),
            "slowest: #1  40.00% (2 workers)"
        );
        assert_eq!(slowest_line(&[]), "no workers");
    }

    #[test]
    fn watch_channel_returns_once_every_worker_is_done() {
        let (sender, receiver) = crossbeam_channel::unbounded();
        let work = Work {
            steps: 5,
            max_sleep_ms: 1,
            seed: 7,
            fail_at: None,
        };
        let mut shown = Vec::new();
        let last = thread::scope(|s| {
            for worker in 0..3 {
                let sender = sender.clone();
                let work = &work;
                s.spawn(move || task(4.5, work, |p| sender.send((worker, p)).unwrap()));
            }
            drop(sender); // else the channel never disconnects
            watch_channel(&receiver, 3, Duration::from_millis(10), |p| {
                shown.push(p.to_vec())
            })
        });
        assert_eq!(last, [100.0, 100.0, 100.0]);
        assert_eq!(shown.last().map(Vec::as_slice), Some(&last[..]));
    }

    #[test]
    fn watch_channel_ends_when_a_worker_panics() {
        let (sender, receiver) = crossbeam_channel::unbounded();
        let work = Work {
            steps: 4,
            max_sleep_ms: 0,
            seed: 7,
            fail_at: Some(3),
        };
        let (last, outcome) = thread::scope(|s| {
            let worker =
                s.spawn(move || task(4.5, &work, |p| sender.send((0, p)).unwrap()));
            let last = watch_channel(&receiver, 1, Duration::from_millis(10), |_| {});
            (last, worker.join())
        });
        assert!(outcome.is_err());
        assert_eq!(last, [50.0], "the last progress sent before the panic");
    }
}
