//! End-to-end tests: run the lesson's binary as a reader would.

use std::process::{Command, Output};
use support::testkit::assert_usage_error;

const BIN: &str = env!("CARGO_BIN_EXE_return-value-thread");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        // The panic hook's backtrace would only add lines to stderr; keep it short.
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the lesson binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

const QUICK: [&str; 6] = ["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];

#[test]
fn quick_run_ends_with_the_result() {
    let out = run(&QUICK);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = stdout(&out);
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
    assert_eq!(stderr(&out), "", "no progress or errors on a good run");
}

#[test]
fn value_flag_changes_the_result() {
    let out = run(&[&QUICK[..], &["--value", "-1.25"]].concat());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out).lines().last(), Some("Result: -2.5"));
}

#[test]
fn fail_flag_reports_the_typed_error_and_exits_1() {
    let out = run(&[&QUICK[..], &["--fail"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
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
    let text = stdout(&out);
    assert!(text.contains("1. spawn + join: 9"), "stdout: {text}");
    assert!(
        !text.contains("Result:"),
        "no result after a failure: {text}"
    );
}

#[test]
fn fail_with_one_step_fails_at_that_step() {
    let out = run(&["--steps", "1", "--max-sleep-ms", "0", "--fail"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).lines().last(),
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
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for flag in ["--value", "--steps", "--max-sleep-ms", "--seed", "--fail"] {
        assert!(text.contains(flag), "--help mentions {flag}: {text}");
    }
}
