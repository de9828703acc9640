//! Interrupt safety: Ctrl-C (SIGINT to the whole group), SIGTERM to the parent and SIGKILL
//! to the parent, while the children run. Afterwards no process of the lesson may be left
//! and no shared memory of it may remain.

use support::testkit::{Finished, Stop, stop_while_running};

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

/// Starts a long run, waits until the parent reports children running, lets them run about
/// a second, then stops it with `stop`; `stop_while_running` checks the exact end and that
/// nothing is left.
fn interrupt(args: &[&str], start: &str, stop: Stop) -> Finished {
    let mut args = args.to_vec();
    args.extend(["--start", start]);
    // Line 1: "started 2 children ..."; line 2: the first "... children alive".
    let running = |stderr: &str| stderr.lines().count() >= 2;
    let run = stop_while_running(BIN, &args, running, stop);
    assert!(!run.stdout.contains("Result:"), "{}", run.stdout);
    run
}

/// The parent handles Ctrl-C and exits 130.
fn ctrl_c(start: &str) {
    let run = interrupt(&LONG, start, Stop::CtrlC);
    let err = &run.stderr;
    assert!(err.contains("interrupted by SIGINT"), "{err}");
    // Stopped, not waited for: each child died of Ctrl-C, or of the parent's SIGKILL.
    let stopped = err.matches(") was killed by signal 2 (SIGINT)\n").count()
        + err.matches(") was killed by signal 9 (SIGKILL)\n").count();
    assert_eq!(stopped, 2, "{err}");
}

/// The parent handles SIGTERM and exits 143.
fn sigterm(start: &str) {
    let run = interrupt(&LONG, start, Stop::Terminate);
    let err = &run.stderr;
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
    interrupt(&args, start, Stop::Kill);
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
