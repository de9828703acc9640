//! The walkthrough binary end to end: happy path, flags, a crashing child. Each run is
//! supervised (own session, hang guard) so that we can also check it left nothing behind.

use std::time::Duration;
use support::testkit::{Ended, Supervised};

const BIN: &str = env!("CARGO_BIN_EXE_stop-and-signal");
const GUARD: Duration = Duration::from_secs(10);

fn run(args: &[&str]) -> (Option<Ended>, String, String, Vec<i32>) {
    let mut run = Supervised::start(BIN, args).unwrap();
    let ended = run.wait(GUARD);
    (ended, run.stdout(), run.stderr(), run.remaining())
}

#[test]
fn walkthrough_ends_with_the_result_and_leaves_nothing() {
    let (ended, out, err, left) = run(&["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    assert_eq!(ended, Some(Ended::Exited(0)), "stderr: {err}");
    assert_eq!(out.lines().last(), Some("Result: 9"), "{out}");
    assert!(out.contains("stop flag: the thread "), "{out}");
    assert!(out.contains("cancel channel: a 10 s sleep ended "), "{out}");
    assert!(
        out.contains("still running after 100 ms, so it was detached"),
        "{out}"
    );
    // Which pool jobs get cancelled, and how far a stopped job got, depend on the
    // scheduler; the unit tests pin those down with channels. Here: four jobs, each reported.
    assert_eq!(out.matches("pool: job ").count(), 4, "{out}");
    assert!(out.contains("SIGUSR1: the task child gave "), "{out}");
    assert!(
        out.contains("SIGTERM: the service child answered 'progress "),
        "{out}"
    );
    // The stubborn child cannot end by itself, so this one is certain.
    assert!(out.contains("was killed by signal 9 (SIGKILL)"), "{out}");
    assert!(left.is_empty(), "left running: {left:?}");
}

#[test]
fn value_flag_changes_the_result() {
    let (ended, out, err, _) = run(&["--value", "-1.5", "--steps", "2", "--max-sleep-ms", "1"]);
    assert_eq!(ended, Some(Ended::Exited(0)), "stderr: {err}");
    assert_eq!(out.lines().last(), Some("Result: -3"), "{out}");
}

#[test]
fn a_crashing_child_is_reported_and_the_parent_exits_1() {
    let (ended, out, err, left) = run(&["--steps", "5", "--max-sleep-ms", "1", "--crash-at", "2"]);
    assert_eq!(ended, Some(Ended::Exited(1)), "stderr: {err}");
    assert!(err.contains("the task child crashed"), "{err}");
    assert!(err.contains("was killed by signal 6 (SIGABRT)"), "{err}");
    assert!(!out.contains("Result:"), "{out}");
    assert!(left.is_empty(), "left running: {left:?}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    for args in [
        &["--steps", "0"][..],
        &["--steps", "abc"],
        &["--max-sleep-ms", "-1"],
        &["--crash-at", "0"],
        &["--steps", "5", "--crash-at", "6"],
        &["--grace-ms", "soon"],
        &["--no-such-flag"],
    ] {
        let (ended, out, err, _) = run(args);
        assert_eq!(ended, Some(Ended::Exited(2)), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error:"), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
    }
}

#[test]
fn help_shows_the_flags_but_not_the_child_role() {
    let (ended, out, _, _) = run(&["--help"]);
    assert_eq!(ended, Some(Ended::Exited(0)));
    for flag in ["--steps", "--seed", "--crash-at", "--grace-ms"] {
        assert!(out.contains(flag), "{flag}: {out}");
    }
    assert!(!out.contains("--stubborn"), "{out}");
}
