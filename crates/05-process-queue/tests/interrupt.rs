//! Ctrl-C, SIGTERM and SIGKILL while children are running: the children stop, every one is
//! reaped, the parent exits as the signal says, and nothing is left in /dev/shm.

use std::time::Duration;
use support::testkit::{Ended, Supervised, shm_left_by};

const LESSON: &str = env!("CARGO_BIN_EXE_process-queue");
/// Long enough (400 steps of up to 20 ms) that the children are still working when signalled.
const LONG_RUN: &[&str] = &["--steps", "400", "--max-sleep-ms", "20", "--seed", "3"];
const HANG_GUARD: Duration = Duration::from_secs(10);

/// Starts the lesson and returns once it has started a child and about a second has passed.
fn running_lesson() -> Supervised {
    let run = Supervised::start(LESSON, LONG_RUN).unwrap();
    assert!(
        run.wait_for_stderr_lines(1, HANG_GUARD),
        "no child started: {}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("Started worker 0"),
        "{}",
        run.stderr()
    );
    std::thread::sleep(Duration::from_secs(1));
    run
}

fn assert_nothing_left(run: &Supervised) {
    assert!(
        run.remaining().is_empty(),
        "left running: {:?}",
        run.remaining()
    );
    assert!(
        shm_left_by(run.leader).is_empty(),
        "{:?}",
        shm_left_by(run.leader)
    );
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    let mut run = running_lesson();
    run.signal_group(libc::SIGINT).unwrap();
    let ended = run.wait(HANG_GUARD);
    assert!(
        matches!(
            ended,
            Some(Ended::Exited(130) | Ended::Killed(libc::SIGINT))
        ),
        "{ended:?}; stderr: {}",
        run.stderr()
    );
    // The parent handled it (rather than dying of it): it says so before exiting 130.
    assert!(
        run.stderr().contains("interrupted by signal 2"),
        "{}",
        run.stderr()
    );
    assert_nothing_left(&run);
}

#[test]
fn sigterm_to_the_parent_stops_its_children() {
    let mut run = running_lesson();
    run.signal_leader(libc::SIGTERM).unwrap();
    let ended = run.wait(HANG_GUARD);
    // The reaper reports an exit status of 143 (128 + 15) the same way as death by signal 15,
    // so the line on stderr is what shows that the parent handled SIGTERM and exited.
    assert!(
        matches!(
            ended,
            Some(Ended::Exited(143) | Ended::Killed(libc::SIGTERM))
        ),
        "{ended:?}; stderr: {}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("interrupted by signal 15"),
        "{}",
        run.stderr()
    );
    assert_nothing_left(&run);
}

#[test]
fn sigkill_to_the_parent_takes_the_children_along() {
    let mut run = running_lesson();
    run.signal_leader(libc::SIGKILL).unwrap();
    let ended = run.wait(HANG_GUARD);
    assert_eq!(ended, Some(Ended::Killed(libc::SIGKILL)));
    assert_nothing_left(&run);
}
