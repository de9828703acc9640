//! Interrupt safety: Ctrl-C (SIGINT to the whole group), SIGTERM to the parent and SIGKILL
//! to the parent, while the children run. Afterwards no process of the lesson may be left
//! and no shared memory of it may remain.

use std::time::Duration;
use support::testkit::{Ended, Supervised, shm_left_by};

const BIN: &str = env!("CARGO_BIN_EXE_process-basics");
/// A run of several seconds, so the signal surely finds the children running.
const LONG: [&str; 8] = [
    "--steps",
    "400",
    "--max-sleep-ms",
    "20",
    "--seed",
    "7",
    "--processes",
    "2",
];
/// A hang guard only.
const GUARD: Duration = Duration::from_secs(10);

/// Starts a long run, waits until the parent reports children running, lets them run about
/// a second, then calls `send`; returns how the lesson ended.
fn interrupt(args: &[&str], start: &str, send: impl FnOnce(&Supervised)) -> (Ended, Supervised) {
    let mut args = args.to_vec();
    args.extend(["--start", start]);
    let mut run = Supervised::start(BIN, &args).unwrap();
    // Line 1: "started 2 children ..."; line 2: the first "... children alive".
    assert!(
        run.wait_for_stderr_lines(2, GUARD),
        "no progress: {}",
        run.stderr()
    );
    std::thread::sleep(Duration::from_secs(1));
    send(&run);
    let ended = run
        .wait(GUARD)
        .expect("still running 10 s after the signal");
    assert!(run.remaining().is_empty(), "left: {:?}", run.remaining());
    assert!(shm_left_by(run.leader).is_empty());
    assert!(!run.stdout().contains("Result:"), "{}", run.stdout());
    (ended, run)
}

/// `support::testkit` reports an exit status of 128 + N as `Killed(N)`, so it cannot tell
/// "exited 130" from "killed by SIGINT"; the parent's own message shows it handled the signal.
fn ctrl_c(start: &str) {
    let (ended, run) = interrupt(&LONG, start, |run| run.signal_group(libc::SIGINT).unwrap());
    let err = run.stderr();
    assert!(
        matches!(ended, Ended::Exited(130) | Ended::Killed(libc::SIGINT)),
        "{ended:?}: {err}"
    );
    assert!(err.contains("interrupted by SIGINT"), "{err}");
    // Stopped, not waited for: each child died of Ctrl-C, or of the parent's SIGKILL.
    let stopped = err.matches(") was killed by signal 2 (SIGINT)\n").count()
        + err.matches(") was killed by signal 9 (SIGKILL)\n").count();
    assert_eq!(stopped, 2, "{err}");
}

/// Exit status 143, which `support::testkit` reports as `Killed(SIGTERM)` (see `ctrl_c`).
fn sigterm(start: &str) {
    let (ended, run) = interrupt(&LONG, start, |run| {
        run.signal_leader(libc::SIGTERM).unwrap()
    });
    let err = run.stderr();
    assert!(
        matches!(ended, Ended::Exited(143) | Ended::Killed(libc::SIGTERM)),
        "{ended:?}: {err}"
    );
    assert!(err.contains("interrupted by SIGTERM"), "{err}");
    // Only the parent got SIGTERM: it killed both children rather than wait for them.
    assert_eq!(
        err.matches(") was killed by signal 9 (SIGKILL)\n").count(),
        2,
        "{err}"
    );
}

fn sigkill(start: &str) {
    // The parent cannot clean up; PR_SET_PDEATHSIG must end the children. Their sleeps
    // are 10 times longer here (about 40 s in all), so children that outlived the parent
    // would still run when the 10 s guard ends, and the test would fail.
    let mut args = LONG;
    args[3] = "200";
    let (ended, _) = interrupt(&args, start, |run| {
        run.signal_leader(libc::SIGKILL).unwrap()
    });
    assert_eq!(ended, Ended::Killed(libc::SIGKILL));
}

#[test]
fn ctrl_c_stops_spawned_children() {
    ctrl_c("spawn");
}

#[test]
fn ctrl_c_stops_forked_children() {
    ctrl_c("fork");
}

#[test]
fn sigterm_stops_spawned_children() {
    sigterm("spawn");
}

#[test]
fn sigterm_stops_forked_children() {
    sigterm("fork");
}

#[test]
fn sigkill_of_the_parent_kills_spawned_children() {
    sigkill("spawn");
}

#[test]
fn sigkill_of_the_parent_kills_forked_children() {
    sigkill("fork");
}
