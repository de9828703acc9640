//! End-to-end tests: run the lesson's binary as a reader would.

use support::testkit::{Ended, assert_usage_error, run_to_end};

const BIN: &str = env!("CARGO_BIN_EXE_return-value-thread");

const QUICK: [&str; 6] = ["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];

#[test]
fn quick_run_ends_with_the_result() {
    let run = run_to_end(BIN, &QUICK);
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {}", run.stderr);
    let text = &run.stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "1. spawn + join: 9",
            "2. started thread 'worker'; joining it",
            "2. ReturnValueThread: 9",
            "3. scoped threads: [4.5, 5.5, 6.5] doubled is [9.0, 11.0, 13.0]",
            "Result: 9",
        ]
    );
    assert_eq!(run.stderr, "", "no progress or errors on a good run");
}

#[test]
fn value_flag_changes_the_result() {
    let run = run_to_end(BIN, &[&QUICK[..], &["--value", "-1.25"]].concat());
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {}", run.stderr);
    assert_eq!(run.last_line(), "Result: -2.5");
}

#[test]
fn fail_flag_reports_the_typed_error_and_exits_1() {
    let run = run_to_end(BIN, &[&QUICK[..], &["--fail"]].concat());
    assert_eq!(run.ended, Ended::Exited(1));
    let err = &run.stderr;
    // The last line is ours; the lines before it are the default panic hook's report.
    assert_eq!(
        err.lines().last(),
        Some("error: thread 'worker' panicked: simulated failure at step 3 of 5"),
        "stderr: {err}"
    );
    assert!(
        err.contains("thread 'worker'"),
        "the hook names the thread: {err}"
    );
    let text = &run.stdout;
    assert!(text.contains("1. spawn + join: 9"), "stdout: {text}");
    assert!(
        !text.contains("Result:"),
        "no result after a failure: {text}"
    );
}

#[test]
fn fail_with_one_step_fails_at_that_step() {
    let run = run_to_end(BIN, &["--steps", "1", "--max-sleep-ms", "0", "--fail"]);
    assert_eq!(run.ended, Ended::Exited(1));
    assert_eq!(
        run.stderr.lines().last(),
        Some("error: thread 'worker' panicked: simulated failure at step 1 of 1")
    );
}

#[test]
fn bad_steps_exit_2_with_one_line() {
    assert_usage_error(BIN, &["--steps", "abc"], "--steps");
    assert_usage_error(BIN, &["--steps", "0"], "--steps");
}

#[test]
fn unknown_flag_exits_2_with_one_line() {
    assert_usage_error(BIN, &["--bogus"], "--bogus");
    assert_usage_error(BIN, &["--fail=maybe"], "--fail");
}

#[test]
fn help_lists_the_flags_and_exits_0() {
    let run = run_to_end(BIN, &["--help"]);
    assert_eq!(run.ended, Ended::Exited(0));
    let text = &run.stdout;
    for flag in ["--value", "--steps", "--max-sleep-ms", "--seed", "--fail"] {
        assert!(text.contains(flag), "--help mentions {flag}: {text}");
    }
}
