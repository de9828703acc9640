// Exercise: replace each `todo!()` with your code, then run
// `just exercise process-queue 2` (`just hint process-queue 2` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 2: results in worker order.
//!
//! Results from several workers arrive in the order the workers finish. Collect them in
//! worker order instead, like Python's `Executor.map`, and give up after a timeout: a
//! parent must never wait for ever.

use process_queue::{Receiver, RecvError, Report};
use std::io;
use std::time::{Duration, Instant};

// ANCHOR: in_order
/// Reads until each of `workers` workers (numbered from 0) has sent its result, and
/// returns the results in worker order, whatever order they arrived in. Progress
/// messages are skipped. Fails with `RecvError::Closed` if the queue ends first, with
/// an `io::ErrorKind::TimedOut` error once `timeout` has passed, and with
/// `RecvError::Corrupt` for a result from a worker number out of range.
pub fn results_in_worker_order(
    receiver: &mut Receiver<Report>,
    workers: usize,
    timeout: Duration,
) -> Result<Vec<f64>, RecvError> {
    // TODO: keep one `Option<f64>` per worker; until every one is filled, wait for the
    // next message with `recv_timeout`, for no longer than what is left until the
    // deadline (`Ok(None)` means nothing came in that time).
    todo!()
}
// ANCHOR_END: in_order

#[cfg(test)]
mod tests {
    use super::*;
    use process_queue::{child, queue};
    use std::process::{Command, Stdio};

    /// The lesson's own binary: its hidden child role is a worker of the walkthrough.
    const LESSON: &str = env!("CARGO_BIN_EXE_process-queue");
    const HANG_GUARD: Duration = Duration::from_secs(10);

    fn result(worker: u32, value: f64) -> Report {
        Report::Result { worker, value }
    }

    #[test]
    fn results_come_back_in_worker_order() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        for (worker, value) in [(2, 2.5), (0, 0.5), (1, 1.5)] {
            let progress = Report::Progress {
                worker,
                percent: 50.0,
            };
            tx.send(&progress).unwrap();
            tx.send(&result(worker, value)).unwrap();
        }
        let results = results_in_worker_order(&mut rx, 3, HANG_GUARD).unwrap();
        assert_eq!(results, [0.5, 1.5, 2.5]);
    }

    #[test]
    fn a_queue_that_ends_early_is_an_error() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        tx.send(&result(0, 1.0)).unwrap();
        drop(tx);
        let got = results_in_worker_order(&mut rx, 2, HANG_GUARD);
        assert!(matches!(got, Err(RecvError::Closed)), "{got:?}");
    }

    #[test]
    fn a_result_that_never_comes_times_out() {
        // The sender stays open and worker 1 never reports: only the timeout ends it.
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        tx.send(&result(0, 1.0)).unwrap();
        let got = results_in_worker_order(&mut rx, 2, Duration::from_millis(200));
        match got {
            Err(RecvError::Io(err)) => assert_eq!(err.kind(), io::ErrorKind::TimedOut),
            other => panic!("expected a time-out, got {other:?}"),
        }
        drop(tx);
    }

    #[test]
    fn a_worker_number_out_of_range_is_an_error() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        tx.send(&result(5, 1.0)).unwrap();
        let got = results_in_worker_order(&mut rx, 2, HANG_GUARD);
        assert!(matches!(got, Err(RecvError::Corrupt(_))), "{got:?}");
        drop(tx);
    }

    #[test]
    fn results_from_real_worker_processes() {
        // Three of the walkthrough's workers share one queue; worker N doubles N + 1.
        // Worker 0 has the most steps, so it usually finishes last.
        let (tx, mut rx) = queue::<Report>().unwrap();
        let mut children = Vec::new();
        for worker in 0..3u32 {
            let mut command = Command::new(LESSON);
            child::die_with_parent(&mut command); // lesson 4's step 1
            let fd = tx.inherit(&mut command).unwrap();
            let steps = 3 * (3 - worker);
            command
                .arg("--child=progress")
                .arg(format!("--worker={worker}"))
                .arg(format!("--queue-fd={fd}"))
                .arg(format!("--value={}", worker + 1))
                .args([format!("--steps={steps}"), "--max-sleep-ms=5".into()])
                .stdout(Stdio::null());
            children.push(command.spawn().unwrap());
        } // each `command` and its copy of the write end is dropped here
        drop(tx);
        let results = results_in_worker_order(&mut rx, 3, HANG_GUARD).unwrap();
        assert_eq!(results, [2.0, 4.0, 6.0]);
        for mut child in children {
            assert!(child.wait().unwrap().success());
        }
    }
}
