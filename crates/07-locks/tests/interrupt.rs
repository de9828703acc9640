//! Interrupt safety: Ctrl-C (SIGINT to the whole group), SIGTERM to the parent, SIGKILL to
//! the parent. Each time the children stop, nothing stays running, and /dev/shm holds
//! nothing of ours.

use std::time::{Duration, Instant};
use support::testkit::{Ended, Supervised, shm_left_by};

const BIN: &str = env!("CARGO_BIN_EXE_locks");

/// Starts a long run (about 8 s of turn-taking) and returns once the children are running.
fn start_long_run() -> Supervised {
    let run = Supervised::start(BIN, &["--steps", "400", "--max-sleep-ms", "20"]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    // A child prints a critical-section line only once it runs; progress is on stderr.
    while !(run.stdout().contains("in the critical section") && run.stderr().contains("turns:")) {
        assert!(Instant::now() < deadline, "the children never started");
        std::thread::sleep(Duration::from_millis(20));
    }
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
    let mut run = start_long_run();
    run.signal_group(libc::SIGINT).unwrap();
    let ended = run
        .wait(Duration::from_secs(10))
        .expect("hung after SIGINT");
    // The test kit reports an exit status of 128 + n as Killed(n), so 130 reads Killed(2);
    // the parent's own last words show that it handled the signal itself.
    assert!(
        ended == Ended::Exited(130) || ended == Ended::Killed(libc::SIGINT),
        "{ended:?}"
    );
    assert!(
        run.stderr().contains("stopped by signal 2"),
        "{}",
        run.stderr()
    );
    assert_nothing_left(&run);
    assert!(!run.stdout().contains("Result:"));
}

#[test]
fn sigterm_to_the_parent_stops_the_children() {
    let mut run = start_long_run();
    run.signal_leader(libc::SIGTERM).unwrap();
    let ended = run
        .wait(Duration::from_secs(10))
        .expect("hung after SIGTERM");
    // Exit status 143, which the test kit reports as Killed(15) (see above).
    assert!(
        ended == Ended::Exited(143) || ended == Ended::Killed(libc::SIGTERM),
        "{ended:?}"
    );
    assert!(
        run.stderr().contains("stopped by signal 15"),
        "{}",
        run.stderr()
    );
    assert_nothing_left(&run);
}

#[test]
fn sigkill_of_the_parent_takes_the_children_along() {
    let mut run = start_long_run();
    run.signal_leader(libc::SIGKILL).unwrap();
    let ended = run
        .wait(Duration::from_secs(10))
        .expect("children outlived the parent");
    assert_eq!(ended, Ended::Killed(libc::SIGKILL));
    assert_nothing_left(&run);
}
