//! Interrupt safety: Ctrl-C, SIGTERM and SIGKILL stop everything and leave no shared memory.

use std::time::Duration;
use support::testkit::{Ended, Supervised, shm_left_by};

const BIN: &str = env!("CARGO_BIN_EXE_shared-value");
const LONG: [&str; 6] = ["--steps", "400", "--max-sleep-ms", "20", "--seed", "7"];
const GUARD: Duration = Duration::from_secs(10);

/// Starts a long run and waits until the parent has printed progress, so the children are
/// running and the segment is in use; then about a second more.
fn started() -> Supervised {
    let run = Supervised::start(BIN, &LONG).unwrap();
    assert!(
        run.wait_for_stderr_lines(3, GUARD),
        "no progress: {}",
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
        "left in /dev/shm: {:?}",
        shm_left_by(run.leader)
    );
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    let mut run = started();
    run.signal_group(libc::SIGINT).unwrap();
    let ended = run.wait(GUARD).expect("hung after SIGINT");
    assert!(
        matches!(ended, Ended::Exited(130) | Ended::Killed(libc::SIGINT)),
        "{ended:?}: {}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("interrupted: children stopped"),
        "{}",
        run.stderr()
    );
    assert_nothing_left(&run);
}

#[test]
fn sigterm_to_the_parent_stops_the_children() {
    let mut run = started();
    run.signal_leader(libc::SIGTERM).unwrap();
    // The reaper reports exit status 128 + n the same way as death by signal n, so exit 143
    // reads as Killed(15); the message shows that our handler, not the signal, ended it.
    let ended = run.wait(GUARD).expect("hung after SIGTERM");
    assert!(
        matches!(ended, Ended::Exited(143) | Ended::Killed(libc::SIGTERM)),
        "{ended:?}"
    );
    assert!(
        run.stderr().contains("interrupted: children stopped"),
        "{}",
        run.stderr()
    );
    assert_nothing_left(&run);
}

#[test]
fn sigkill_to_the_parent_takes_the_children_along() {
    let mut run = started();
    run.signal_leader(libc::SIGKILL).unwrap();
    assert_eq!(run.wait(GUARD), Some(Ended::Killed(libc::SIGKILL)));
    assert_nothing_left(&run);
}

/// The one moment the parent cannot clean up after itself: the segment exists and no child
/// has mapped it yet (the hidden flag holds the parent there). SIGKILL now leaves the name
/// to the children, which notice the end-of-file on their pipe and unlink it.
#[test]
fn sigkill_right_after_the_segment_exists_leaks_nothing() {
    for processes in ["1", "3"] {
        let mut run = Supervised::start(
            BIN,
            &[
                &LONG[..],
                &["--processes", processes, "--hold-after-create-ms", "20000"],
            ]
            .concat(),
        )
        .unwrap();
        let mut waited = Duration::ZERO;
        while shm_left_by(run.leader).is_empty() {
            assert!(waited < GUARD, "segment never appeared: {}", run.stderr());
            std::thread::sleep(Duration::from_millis(10));
            waited += Duration::from_millis(10);
        }
        run.signal_leader(libc::SIGKILL).unwrap();
        assert_eq!(run.wait(GUARD), Some(Ended::Killed(libc::SIGKILL)));
        assert_nothing_left(&run);
        assert!(
            run.stderr().contains("parent gone; removed"),
            "{}",
            run.stderr()
        );
    }
}

/// Ctrl-C in the same moment: the parent is alive, so it removes the name itself.
#[test]
fn ctrl_c_right_after_the_segment_exists_leaks_nothing() {
    let mut run = Supervised::start(
        BIN,
        &[&LONG[..], &["--hold-after-create-ms", "20000"]].concat(),
    )
    .unwrap();
    let mut waited = Duration::ZERO;
    while shm_left_by(run.leader).is_empty() {
        assert!(waited < GUARD, "segment never appeared: {}", run.stderr());
        std::thread::sleep(Duration::from_millis(10));
        waited += Duration::from_millis(10);
    }
    run.signal_group(libc::SIGINT).unwrap();
    let ended = run.wait(GUARD).expect("hung after SIGINT");
    assert!(
        matches!(ended, Ended::Exited(130) | Ended::Killed(libc::SIGINT)),
        "{ended:?}: {}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("interrupted: children stopped"),
        "{}",
        run.stderr()
    );
    assert_nothing_left(&run);
}
