//! End-to-end tests of the lesson binary: results, crashes, bad flags, and that nothing
//! of the lesson is left behind (every child reaped, no shared memory).

use std::process::Command;
use support::testkit::{Ended, assert_usage_error, run_to_end};

const BIN: &str = env!("CARGO_BIN_EXE_process-basics");
const QUICK: [&str; 6] = ["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];

/// The quick flags followed by `extra`.
fn with_quick<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    QUICK.iter().chain(extra).copied().collect()
}

#[test]
fn spawned_children_return_the_result() {
    let run = run_to_end(BIN, &with_quick(&["--processes", "3"]));
    let (out, err) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0), "{err}");
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
    let run = run_to_end(BIN, &with_quick(&["--processes", "3", "--start", "fork"]));
    let (out, err) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0), "{err}");
    assert_eq!(out.matches(") returned 9\n").count(), 3, "{out}");
    assert_eq!(run.last_line(), "Result: 9");
    assert!(
        err.starts_with("started 3 children by fork: pids "),
        "{err}"
    );
}

#[test]
fn default_run_has_one_child_per_core() {
    let run = run_to_end(BIN, &QUICK);
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
    let cores = std::thread::available_parallelism().unwrap().get();
    let out = &run.stdout;
    assert_eq!(out.matches(") returned 9\n").count(), cores, "{out}");
    assert_eq!(run.last_line(), "Result: 9");
}

#[test]
fn value_flag_reaches_the_children() {
    for start in ["spawn", "fork"] {
        let run = run_to_end(BIN, &with_quick(&["--value", "-1.25", "--start", start]));
        assert_eq!(run.ended, Ended::Exited(0));
        assert_eq!(run.last_line(), "Result: -2.5", "{start}: {}", run.stdout);
    }
}

fn assert_crash_reported(start: &str) {
    let run = run_to_end(
        BIN,
        &with_quick(&["--processes", "2", "--crash-at", "2", "--start", start]),
    );
    let (out, err) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(1), "{err}");
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
    let run = run_to_end(BIN, &with_quick(&["--processes", "1", "--crash-at", "1"]));
    let err = &run.stderr;
    assert_eq!(run.ended, Ended::Exited(1));
    assert!(err.contains("child 0 (pid "), "{err}");
    assert!(err.contains("(SIGABRT)"), "{err}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    // Each case, and what its one line must name.
    let cases: &[(&[&str], &str)] = &[
        (
            &["--processes", "0"],
            "error: invalid value '0' for '--processes",
        ),
        (
            &["--processes", "many"],
            "error: invalid value 'many' for '--processes",
        ),
        (
            &["--start", "thread"],
            "error: invalid value 'thread' for '--start",
        ),
        (
            &["--crash-at", "0"],
            "error: invalid value '0' for '--crash-at",
        ),
        (&["--crash-at", "6", "--steps", "5"], "error: --crash-at 6"),
        (&["--steps", "0"], "error: invalid value '0' for '--steps"),
        (
            &["--no-such-flag"],
            "error: unexpected argument '--no-such-flag'",
        ),
    ];
    for (args, mentions) in cases {
        assert_usage_error(BIN, args, mentions);
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

#[test]
fn absurd_numbers_exit_2_with_one_line_saying_the_range() {
    assert_usage_error(
        BIN,
        &["--max-sleep-ms", "18446744073709551615"],
        "0..=60000",
    );
    assert_usage_error(BIN, &["--processes", "100000"], "1..=256");
    assert_usage_error(BIN, &["--crash-at", "-1"], "'-1' for '--crash-at");
}

#[cfg(unix)]
mod hostile {
    use super::BIN;
    use support::testkit::{
        Ended, assert_closed_stdout_ends_quietly, assert_full_stdout_is_one_error_line,
        assert_process_limit_is_one_error_line,
    };

    const QUICK: &[&str] = &["--steps", "3", "--max-sleep-ms", "5"];
    /// Workers that live about a second each: long enough that none has ended (and
    /// freed its place under the process limit) before the last one is started, even
    /// on a loaded machine; with QUICK's few milliseconds that happened now and then.
    const LONG: &[&str] = &["--steps", "40", "--max-sleep-ms", "50", "--seed", "7"];

    #[test]
    fn a_closed_stdout_ends_the_run_quietly() {
        for start in ["spawn", "fork"] {
            assert_closed_stdout_ends_quietly(
                BIN,
                &[QUICK, &["--start", start]].concat(),
            );
        }
    }

    #[test]
    fn a_full_stdout_is_one_error_line() {
        for start in ["spawn", "fork"] {
            let args = [QUICK, &["--start", start]].concat();
            assert_full_stdout_is_one_error_line(BIN, &args);
        }
    }

    #[test]
    fn a_refused_child_names_the_limit_and_the_started_ones_are_reaped() {
        // Under 3, the parent and two children (one thread each, when forked) fit; the
        // third child does not. Nothing may be left running: checked by the helper.
        for start in ["spawn", "fork"] {
            let args = [LONG, &["--processes", "4", "--start", start]].concat();
            let Some(run) = assert_process_limit_is_one_error_line(BIN, &args, 3)
            else {
                return;
            };
            assert_eq!(run.ended, Ended::Exited(1), "{run:?}");
            assert!(run.stderr.contains("starting child "), "{run:?}");
        }
    }
}
