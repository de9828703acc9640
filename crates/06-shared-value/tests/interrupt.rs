//! Interrupt safety: Ctrl-C, SIGTERM and SIGKILL stop everything and leave no shared
//! memory.

use std::time::{Duration, Instant};
use support::testkit::{
    Ended, Finished, HANG_GUARD, Stop, Supervised, shm_left_by, stop_while_running,
};

const BIN: &str = env!("CARGO_BIN_EXE_shared-value");
const LONG: [&str; 6] = ["--steps", "400", "--max-sleep-ms", "20", "--seed", "7"];

/// Starts a long run, waits until the parent has printed progress (the children are
/// running and the segment is in use), lets about a second pass, then stops it with
/// `stop`; `stop_while_running` checks the exact end and that nothing is left.
fn stop_long_run(stop: Stop) -> Finished {
    let progress = |stderr: &str| stderr.lines().count() >= 3;
    stop_while_running(BIN, &LONG, progress, stop)
}

/// Starts a long run whose parent holds still right after creating the segment (the
/// hidden flag), and returns once the segment's name exists, before any child has
/// mapped it.
fn holding_after_create(extra: &[&str]) -> Supervised {
    let args = [&LONG[..], extra, &["--hold-after-create-ms", "20000"]].concat();
    let run = Supervised::start(BIN, &args).unwrap();
    let deadline = Instant::now() + HANG_GUARD;
    while shm_left_by(run.leader).is_empty() {
        assert!(
            Instant::now() < deadline,
            "segment never appeared: {}",
            run.stderr()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    run
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    let run = stop_long_run(Stop::CtrlC);
    assert!(
        run.stderr.contains("interrupted: children stopped"),
        "{}",
        run.stderr
    );
}

#[test]
fn sigterm_to_the_parent_stops_the_children() {
    let run = stop_long_run(Stop::Terminate);
    assert!(
        run.stderr.contains("interrupted: children stopped"),
        "{}",
        run.stderr
    );
}

#[test]
fn sigkill_to_the_parent_takes_the_children_along() {
    stop_long_run(Stop::Kill);
}

/// The one moment the parent cannot clean up after itself: the segment exists and no
/// child has mapped it yet (the hidden flag holds the parent there). SIGKILL now leaves
/// the name to the children, which notice the end-of-file on their pipe and unlink it.
#[test]
fn sigkill_right_after_the_segment_exists_leaks_nothing() {
    for processes in ["1", "3"] {
        let mut run = holding_after_create(&["--processes", processes]);
        Stop::Kill.send(&run).unwrap();
        assert_eq!(run.wait(HANG_GUARD), Some(Ended::Killed(libc::SIGKILL)));
        run.assert_nothing_left();
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
    let mut run = holding_after_create(&[]);
    Stop::CtrlC.send(&run).unwrap();
    let ended = run.wait(HANG_GUARD).expect("hung after SIGINT");
    assert_eq!(ended, Ended::Exited(130), "{}", run.stderr());
    assert!(
        run.stderr().contains("interrupted: children stopped"),
        "{}",
        run.stderr()
    );
    run.assert_nothing_left();
}
