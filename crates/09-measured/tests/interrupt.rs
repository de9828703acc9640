//! Stopping the benchmark from outside: Ctrl-C (SIGINT to the whole group), SIGTERM to the
//! harness, SIGKILL to the harness. Whatever row is running, every process must end and no
//! shared memory may stay behind.
//!
//! The run measures the two rows that make shared memory and children (`queue` and
//! `process-lock-contended`) with `--smoke` sizes, over and over, so each measuring child
//! lives a few milliseconds and the stop lands at a random point of one.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use support::testkit::{Ended, Supervised, session_members, shm_left_by};

const BIN: &str = env!("CARGO_BIN_EXE_measured");
const HANG_GUARD: Duration = Duration::from_secs(10);

fn stop_while_measuring(send: impl FnOnce(&Supervised), expected: &[Ended]) {
    let args = [
        "--smoke",
        "--no-python",
        "--repeats",
        "100000",
        "--only",
        "queue,process-lock-contended",
    ];
    let mut run = Supervised::start(BIN, &args).unwrap();
    assert!(
        run.wait_for_stderr_lines(3, HANG_GUARD),
        "no progress: {}",
        run.stderr()
    );
    // For about a second, note every process of the run (the measuring children come and
    // go), so we can look for shared memory any of them left.
    let mut seen = BTreeSet::new();
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        seen.extend(session_members(run.leader));
        std::thread::sleep(Duration::from_millis(1));
    }
    send(&run);
    let ended = run.wait(HANG_GUARD);
    assert!(
        ended.is_some_and(|e| expected.contains(&e)),
        "ended {ended:?}, expected one of {expected:?}; stderr tail: {}",
        run.stderr()
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    assert_eq!(run.remaining(), Vec::<i32>::new(), "processes left");
    assert!(seen.len() > 1, "never saw a measuring child");
    for pid in seen {
        assert_eq!(
            shm_left_by(pid),
            Vec::<String>::new(),
            "shared memory left by {pid}"
        );
    }
}

#[test]
fn ctrl_c_stops_everything() {
    // The harness exits 130 after the run under way; if the signal lands before its
    // handler is installed, dying of SIGINT is the right outcome too.
    stop_while_measuring(
        |run| run.signal_group(libc::SIGINT).unwrap(),
        &[Ended::Exited(130), Ended::Killed(libc::SIGINT)],
    );
}

#[test]
fn sigterm_to_the_harness_stops_it_cleanly() {
    stop_while_measuring(
        |run| run.signal_leader(libc::SIGTERM).unwrap(),
        &[Ended::Exited(143)],
    );
}

#[test]
fn sigkill_to_the_harness_takes_the_children_along() {
    stop_while_measuring(
        |run| run.signal_leader(libc::SIGKILL).unwrap(),
        &[Ended::Killed(libc::SIGKILL)],
    );
}
