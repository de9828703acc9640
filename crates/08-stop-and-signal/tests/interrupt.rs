//! Interrupt safety: Ctrl-C to the group, SIGTERM or SIGKILL to the leader, while the task
//! child is running. Every child must be gone afterwards, and no shared memory left.

use std::time::{Duration, Instant};
use support::testkit::{Ended, Supervised, shm_left_by};

const BIN: &str = env!("CARGO_BIN_EXE_stop-and-signal");
const GUARD: Duration = Duration::from_secs(10);
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

/// Starts a long run and returns once the task child has answered a progress request
/// (the threads are done, the child is running), plus about a second.
fn started() -> Supervised {
    let run = Supervised::start(BIN, &LONG).unwrap();
    let deadline = Instant::now() + GUARD;
    while !run.stderr().contains("task child:") {
        assert!(Instant::now() < deadline, "no progress: {}", run.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(1));
    assert!(!run.stdout().contains("Result:"), "the run ended too early");
    run
}

fn assert_clean(run: &Supervised) {
    assert!(
        run.remaining().is_empty(),
        "left running: {:?}",
        run.remaining()
    );
    assert!(shm_left_by(run.leader).is_empty());
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    let mut run = started();
    run.signal_group(libc::SIGINT).unwrap();
    let ended = run.wait(GUARD);
    assert!(
        matches!(
            ended,
            Some(Ended::Exited(130) | Ended::Killed(libc::SIGINT))
        ),
        "{ended:?}: {}",
        run.stderr()
    );
    assert_clean(&run);
}

#[test]
fn sigterm_to_the_leader_stops_the_child_and_exits_143() {
    let mut run = started();
    run.signal_leader(libc::SIGTERM).unwrap();
    let ended = run.wait(GUARD);
    // The test kit's reaper reports status 143 as it would a death by signal 15 (a shell
    // does the same), so the stderr line below is what shows it was our clean exit.
    assert!(
        matches!(
            ended,
            Some(Ended::Exited(143) | Ended::Killed(libc::SIGTERM))
        ),
        "{ended:?}: {}",
        run.stderr()
    );
    // The parent passed the SIGTERM on, and the child stopped cleanly with its own 143.
    assert!(
        run.stderr().contains("the child exited with status 143"),
        "{}",
        run.stderr()
    );
    assert_clean(&run);
}

#[test]
fn sigkill_to_the_leader_takes_the_child_with_it() {
    let mut run = started();
    run.signal_leader(libc::SIGKILL).unwrap();
    assert_eq!(run.wait(GUARD), Some(Ended::Killed(libc::SIGKILL)));
    assert_clean(&run);
}
