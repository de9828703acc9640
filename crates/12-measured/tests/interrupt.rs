//! Stopping the benchmark from outside: Ctrl-C (SIGINT to the whole group), SIGTERM to
//! the harness, SIGKILL to the harness. Whatever row is running, every process must end
//! and no shared memory may stay behind.
//!
//! Each run measures one row that starts children (`queue`, whose children write into a
//! pipe, `process-lock-contended`, which shares lesson 7's counter in shared memory,
//! `process-pool-batch`, whose pool has worker processes, or `io-many-connections`,
//! whose clients are children and whose server runs in the harness) with `--smoke`
//! sizes, over and over, so each measuring child lives a few
//! milliseconds and the stop lands at a random point of one. (One row per run: the
//! harness does every repeat of a row before the next row, so a second row would never
//! be reached.)

use std::time::{Duration, Instant};
use support::testkit::{Ended, Supervised, session_members, shm_left_by};

const BIN: &str = env!("CARGO_BIN_EXE_measured");
const HANG_GUARD: Duration = Duration::from_secs(10);

fn stop_while_measuring(row: &str, send: impl FnOnce(&Supervised), expected: &[Ended]) {
    let args = [
        "--smoke",
        "--no-python",
        "--repeats",
        "100000",
        "--only",
        row,
    ];
    let mut run = Supervised::start(BIN, &args).unwrap();
    // Wait until the harness reports progress (its handlers are installed by then) and
    // a measuring child has children of its own (for `process-lock-contended`, that is
    // while its segment exists), so the stop comes while the row is under way.
    assert!(
        run.wait_for_stderr_lines(3, HANG_GUARD),
        "no progress: {}",
        run.stderr()
    );
    let deadline = Instant::now() + HANG_GUARD;
    let mut members = session_members(run.leader);
    while members.len() < 3 {
        assert!(
            Instant::now() < deadline,
            "never saw a measuring child at work: {}",
            run.stderr()
        );
        std::thread::sleep(Duration::from_millis(1));
        members = session_members(run.leader);
    }
    // The measuring child creates the segments, with its own pid in their names. One
    // that leaks is one alive when the stop comes: look again at the last moment.
    let before_stop = session_members(run.leader);
    send(&run);
    // `wait` returns once the run's reaper has reaped every process of the session.
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
    run.assert_nothing_left();
    for pid in members.into_iter().chain(before_stop) {
        assert_eq!(shm_left_by(pid), Vec::<String>::new(), "left by {pid}");
    }
}

/// The harness exits 130 after the run under way; if the signal lands before its
/// handler is installed, dying of SIGINT is the right outcome too.
const CTRL_C: [Ended; 2] = [Ended::Exited(130), Ended::Killed(libc::SIGINT)];
const TERM: [Ended; 1] = [Ended::Exited(143)];
const KILL: [Ended; 1] = [Ended::Killed(libc::SIGKILL)];

#[test]
fn ctrl_c_stops_the_queue_row() {
    stop_while_measuring(
        "queue",
        |run| run.signal_group(libc::SIGINT).unwrap(),
        &CTRL_C,
    );
}

#[test]
fn ctrl_c_stops_the_process_lock_row() {
    stop_while_measuring(
        "process-lock-contended",
        |run| run.signal_group(libc::SIGINT).unwrap(),
        &CTRL_C,
    );
}

#[test]
fn sigterm_to_the_harness_stops_the_queue_row() {
    stop_while_measuring(
        "queue",
        |run| run.signal_leader(libc::SIGTERM).unwrap(),
        &TERM,
    );
}

#[test]
fn sigterm_to_the_harness_stops_the_process_lock_row() {
    stop_while_measuring(
        "process-lock-contended",
        |run| run.signal_leader(libc::SIGTERM).unwrap(),
        &TERM,
    );
}

#[test]
fn ctrl_c_stops_the_process_pool_row() {
    stop_while_measuring(
        "process-pool-batch",
        |run| run.signal_group(libc::SIGINT).unwrap(),
        &CTRL_C,
    );
}

#[test]
fn sigterm_to_the_harness_stops_the_connections_row() {
    stop_while_measuring(
        "io-many-connections",
        |run| run.signal_leader(libc::SIGTERM).unwrap(),
        &TERM,
    );
}

#[test]
fn sigkill_to_the_harness_takes_the_queue_children_along() {
    stop_while_measuring(
        "queue",
        |run| run.signal_leader(libc::SIGKILL).unwrap(),
        &KILL,
    );
}

#[test]
fn sigkill_to_the_harness_takes_the_process_lock_children_along() {
    stop_while_measuring(
        "process-lock-contended",
        |run| run.signal_leader(libc::SIGKILL).unwrap(),
        &KILL,
    );
}
