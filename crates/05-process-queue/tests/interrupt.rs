//! Ctrl-C, SIGTERM and SIGKILL while children are running: the children stop, every one
//! is reaped, the parent exits as the signal says, and nothing is left in /dev/shm.

use support::testkit::{Finished, Stop, stop_while_running};

const LESSON: &str = env!("CARGO_BIN_EXE_process-queue");
/// Long enough (400 steps of up to 20 ms) that the children are still working when
/// signalled.
const LONG_RUN: &[&str] = &["--steps", "400", "--max-sleep-ms", "20", "--seed", "3"];

/// Ready once the parent has said a whole line, which must be that it started a child.
/// Only a whole line counts: stderr is unbuffered, so `eprintln!` writes its line in
/// pieces (`Started worker `, `0`, ...) and we may read the file between two of them.
fn worker_started(stderr: &str) -> bool {
    let Some((first, _)) = stderr.split_once('\n') else {
        return false;
    };
    assert!(first.starts_with("Started worker 0 "), "{stderr}");
    true
}

/// Starts the lesson, lets it run about a second after it started a child, then stops
/// it with `stop`; `stop_while_running` checks the exact end and that nothing is left.
fn stop_running_lesson(stop: Stop) -> Finished {
    stop_while_running(LESSON, LONG_RUN, worker_started, stop)
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    let run = stop_running_lesson(Stop::CtrlC);
    // The parent handled it (rather than dying of it): it says so before exiting 130.
    assert!(
        run.stderr.contains("interrupted by signal 2"),
        "{}",
        run.stderr
    );
}

#[test]
fn sigterm_to_the_parent_stops_its_children() {
    let run = stop_running_lesson(Stop::Terminate);
    assert!(
        run.stderr.contains("interrupted by signal 15"),
        "{}",
        run.stderr
    );
}

#[test]
fn sigkill_to_the_parent_takes_the_children_along() {
    stop_running_lesson(Stop::Kill);
}
