//! Interrupt safety: Ctrl-C to the group, SIGTERM or SIGKILL to the leader, while the task
//! child is running. Every child must be gone afterwards, and no shared memory left.

use support::testkit::{Finished, Stop, stop_while_running};

const BIN: &str = env!("CARGO_BIN_EXE_stop-and-signal");
/// A long run. The generous grace period only matters if the machine is very slow: the
/// child stops within one step (20 ms at most) of its SIGTERM.
const LONG: [&str; 6] = [
    "--steps",
    "400",
    "--max-sleep-ms",
    "20",
    "--grace-ms",
    "5000",
];

/// Starts a long run, waits until the task child has answered a progress request (the
/// threads are done, the child is running), lets about a second pass, then stops it with
/// `stop`; `stop_while_running` checks the exact end and that nothing is left.
fn stop_long_run(stop: Stop) -> Finished {
    let child_running = |stderr: &str| stderr.contains("task child:");
    let run = stop_while_running(BIN, &LONG, child_running, stop);
    assert!(!run.stdout.contains("Result:"), "the run ended too early");
    run
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    stop_long_run(Stop::CtrlC);
}

#[test]
fn sigterm_to_the_leader_stops_the_child_and_exits_143() {
    let run = stop_long_run(Stop::Terminate);
    // The parent passed the SIGTERM on, and the child stopped cleanly with its own 143.
    assert!(
        run.stderr.contains("the child exited with status 143"),
        "{}",
        run.stderr
    );
}

#[test]
fn sigkill_to_the_leader_takes_the_child_with_it() {
    stop_long_run(Stop::Kill);
}
