//! Interrupt safety: Ctrl-C (SIGINT to the whole group), SIGTERM to the parent and
//! SIGKILL to the parent, while the children run. Afterwards no process of the lesson
//! may be left and no shared memory of it may remain.

use std::time::Duration;
use support::testkit::{Ended, Finished, Stop, Supervised, stop_while_running};

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

/// Starts a long run, waits until the parent reports children running, lets them run
/// about a second, then stops it with `stop`; `stop_while_running` checks the exact end
/// and that nothing is left.
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
    // The parent cannot clean up: the children must die with it (PR_SET_PDEATHSIG on
    // Linux, the child's own watcher on macOS; a forked child looks at each step).
    // Their sleeps are 10 times longer here (about 40 s in all), so children that
    // outlived the parent would still run when the 10 s guard ends, failing the test.
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

/// The child's own half of dying with its parent, the only one on macOS: a shell starts
/// the child role in the background and exits a moment later, orphaning it. The shell
/// set no `PR_SET_PDEATHSIG`, so on Linux too only the child's watcher can end it;
/// without it the orphan would work on for about 20 s, and the hang guard (10 s) would
/// fail the test.
#[test]
fn an_orphaned_child_exits_by_itself() {
    let script = format!(
        "{var}=$$ '{BIN}' --child --steps 1000 --max-sleep-ms 40 & sleep 0.3",
        var = process_basics::child::PARENT_PID_VAR
    );
    let mut run = Supervised::start("/bin/sh", &["-c", &script]).unwrap();
    // The reaper ends once the shell and every process it left have ended.
    assert_eq!(run.wait(Duration::from_secs(10)), Some(Ended::Exited(0)));
    run.assert_nothing_left();
    assert_eq!(run.stdout(), "", "the orphan finished its task");
}
