//! Interrupt safety: Ctrl-C (SIGINT to the whole group), SIGTERM to the parent, SIGKILL to
//! the parent. Each time the children stop, nothing stays running, and /dev/shm holds
//! nothing of ours.

use support::testkit::{Finished, Stop, stop_while_running};

const BIN: &str = env!("CARGO_BIN_EXE_locks");

/// Ready once the turn-taking children have finished a step. A child prints its
/// critical-section lines on stdout before it counts the step done, and the parent's
/// "turns:" progress on stderr shows that count: above 0% means the children are running.
fn children_running(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|line| line.starts_with("turns:") && !line.ends_with(" 0.00%"))
}

/// Starts a long run (about 5 s of turn-taking, with the issue's `--steps 400 --max-sleep-ms
/// 20`), lets the children run about a second, then stops it with `stop`;
/// `stop_while_running` checks the exact end and that nothing is left.
fn stop_long_run(stop: Stop) -> Finished {
    let run = stop_while_running(
        BIN,
        &["--steps", "400", "--max-sleep-ms", "20", "--seed", "7"],
        children_running,
        stop,
    );
    assert!(
        run.stdout.contains("in the critical section"),
        "the children never started: {}",
        run.stdout
    );
    run
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    let run = stop_long_run(Stop::CtrlC);
    assert!(run.stderr.contains("stopped by signal 2"), "{}", run.stderr);
    assert!(!run.stdout.contains("Result:"));
}

#[test]
fn sigterm_to_the_parent_stops_the_children() {
    let run = stop_long_run(Stop::Terminate);
    assert!(
        run.stderr.contains("stopped by signal 15"),
        "{}",
        run.stderr
    );
}

#[test]
fn sigkill_of_the_parent_takes_the_children_along() {
    stop_long_run(Stop::Kill);
}
