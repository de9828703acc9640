//! End-to-end tests of the lesson binary: results, crashes, bad flags, and that nothing of
//! the lesson is left behind (every child reaped, no shared memory).

use std::process::Command;
use std::time::Duration;
use support::testkit::{Ended, Supervised, shm_left_by};

const BIN: &str = env!("CARGO_BIN_EXE_process-basics");
const QUICK: [&str; 6] = ["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];
/// A hang guard only: these runs take well under a second.
const GUARD: Duration = Duration::from_secs(10);

/// Runs the lesson with `args` under a reaper; returns how it ended, stdout and stderr,
/// after checking that no process of its session and no /dev/shm name of it is left.
fn run(args: &[&str]) -> (Ended, String, String) {
    let mut run = Supervised::start(BIN, args).unwrap();
    let ended = run
        .wait(GUARD)
        .expect("the lesson (or a child) still ran after 10 s");
    assert!(run.remaining().is_empty(), "left: {:?}", run.remaining());
    assert!(shm_left_by(run.leader).is_empty());
    (ended, run.stdout(), run.stderr())
}

/// The quick flags followed by `extra`.
fn with_quick<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    QUICK.iter().chain(extra).copied().collect()
}

#[test]
fn spawned_children_return_the_result() {
    let (ended, out, err) = run(&with_quick(&["--processes", "3"]));
    assert_eq!(ended, Ended::Exited(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for (index, line) in lines[..3].iter().enumerate() {
        assert!(line.starts_with(&format!("child {index} (pid ")), "{line}");
        assert!(line.ends_with(") returned 9"), "{line}");
    }
    assert_eq!(lines[3], "Result: 9");
    assert!(
        err.starts_with("started 3 children by spawn: pids "),
        "{err}"
    );
}

#[test]
fn forked_children_return_the_result() {
    let (ended, out, err) = run(&with_quick(&["--processes", "3", "--start", "fork"]));
    assert_eq!(ended, Ended::Exited(0), "{err}");
    assert_eq!(out.matches(") returned 9\n").count(), 3, "{out}");
    assert_eq!(out.lines().last(), Some("Result: 9"));
    assert!(
        err.starts_with("started 3 children by fork: pids "),
        "{err}"
    );
}

#[test]
fn default_run_has_one_child_per_core() {
    let (ended, out, err) = run(&QUICK);
    assert_eq!(ended, Ended::Exited(0), "{err}");
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(out.matches(") returned 9\n").count(), cores, "{out}");
    assert_eq!(out.lines().last(), Some("Result: 9"));
}

#[test]
fn value_flag_reaches_the_children() {
    for start in ["spawn", "fork"] {
        let (ended, out, _) = run(&with_quick(&["--value", "-1.25", "--start", start]));
        assert_eq!(ended, Ended::Exited(0));
        assert_eq!(out.lines().last(), Some("Result: -2.5"), "{start}: {out}");
    }
}

fn assert_crash_reported(start: &str) {
    let (ended, out, err) = run(&with_quick(&[
        "--processes",
        "2",
        "--crash-at",
        "2",
        "--start",
        start,
    ]));
    assert_eq!(ended, Ended::Exited(1), "{err}");
    assert!(
        err.contains(") was killed by signal 6 (SIGABRT)\n"),
        "{start}: {err}"
    );
    assert!(err.contains("child 0 (pid "), "{err}");
    assert!(err.contains("error: 1 of 2 children failed"), "{err}");
    // The other child is a separate process: the crash did not touch it.
    assert!(out.contains("child 1 (pid "), "{out}");
    assert!(!out.contains("Result:"), "{out}");
}

#[test]
fn spawned_child_crash_is_reported() {
    assert_crash_reported("spawn");
}

#[test]
fn forked_child_crash_is_reported() {
    assert_crash_reported("fork");
}

#[test]
fn crash_at_the_first_step_is_reported() {
    let (ended, _, err) = run(&with_quick(&["--processes", "1", "--crash-at", "1"]));
    assert_eq!(ended, Ended::Exited(1));
    assert!(err.contains("child 0 (pid "), "{err}");
    assert!(err.contains("(SIGABRT)"), "{err}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    let cases: &[&[&str]] = &[
        &["--processes", "0"],
        &["--processes", "many"],
        &["--start", "thread"],
        &["--crash-at", "0"],
        &["--crash-at", "6", "--steps", "5"],
        &["--steps", "0"],
        &["--no-such-flag"],
    ];
    for args in cases {
        let out = Command::new(BIN).args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn help_hides_the_child_role() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("--start"), "{help}");
    assert!(help.contains("--crash-at"), "{help}");
    assert!(!help.contains("--child"), "{help}");
}

#[test]
fn child_role_prints_just_its_result() {
    // What the parent reads from a spawned child's stdout pipe.
    let out = Command::new(BIN)
        .args([
            "--child",
            "--value",
            "3",
            "--steps",
            "2",
            "--max-sleep-ms",
            "0",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "6\n");
}
