//! End-to-end tests: run the lesson's binary as a reader would.

use std::process::{Command, Output};
use support::testkit::assert_usage_error;

const BIN: &str = env!("CARGO_BIN_EXE_progress-sharing");

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
const METHODS: [&str; 4] = ["map", "atomics", "object", "channel"];

fn quick(extra: &[&str]) -> Output {
    run(&[&QUICK[..], extra].concat())
}

#[test]
fn default_quick_run_ends_with_the_result() {
    let out = quick(&[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "worker 0: 9\nworker 1: 9\nworker 2: 9\nResult: 9\n"
    );
}

#[test]
fn every_method_shows_progress_and_ends_with_the_result() {
    for method in METHODS {
        let out = quick(&["--method", method]);
        assert_eq!(out.status.code(), Some(0), "{method}: {}", stderr(&out));
        assert_eq!(
            stdout(&out),
            "worker 0: 9\nworker 1: 9\nworker 2: 9\nResult: 9\n",
            "{method}"
        );
        // stderr is a pipe here, so each progress change is a plain line. The last one is
        // read after every worker was joined, so it is certainly complete.
        let err = stderr(&out);
        assert_eq!(
            err.lines().last(),
            Some("#0 100.00% | #1 100.00% | #2 100.00%"),
            "{method}: {err}"
        );
        assert!(
            err.lines().all(|l| l.starts_with("#0 ")),
            "{method}: only progress on stderr: {err}"
        );
    }
}

#[test]
fn workers_flag_sets_the_number_of_workers() {
    let out = quick(&["--workers", "1", "--method", "channel"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "worker 0: 9\nResult: 9\n");
    assert_eq!(stderr(&out).lines().last(), Some("#0 100.00%"));

    let out = quick(&["--workers", "5", "--value", "1.25"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.lines().filter(|l| *l == "worker 4: 2.5").count(),
        1,
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("Result: 2.5"));
}

#[test]
fn a_panicking_worker_is_reported_and_the_run_exits_1() {
    for method in METHODS {
        let out = quick(&["--method", method, "--fail-worker", "1"]);
        assert_eq!(out.status.code(), Some(1), "{method}");
        let err = stderr(&out);
        assert_eq!(
            err.lines().last(),
            Some("error: worker 1 panicked: simulated failure at step 3 of 5"),
            "{method}: {err}"
        );
        // The failed worker's progress stays where it stopped (2 of 5 steps); the others
        // still finish, and the watching loop does not wait for the dead one forever.
        assert!(
            err.contains("#0 100.00% | #1  40.00% | #2 100.00%"),
            "{method}: {err}"
        );
        assert_eq!(stdout(&out), "worker 0: 9\nworker 2: 9\n", "{method}");
    }
}

#[test]
fn bad_steps_exit_2_with_one_line() {
    assert_usage_error(BIN, &["--steps", "abc"], "--steps");
    assert_usage_error(BIN, &["--steps", "0"], "--steps");
}

#[test]
fn bad_lesson_flags_exit_2_with_one_line() {
    assert_usage_error(BIN, &["--method", "telepathy"], "--method");
    assert_usage_error(BIN, &["--workers", "0"], "--workers");
    assert_usage_error(BIN, &["--workers", "17"], "--workers");
    assert_usage_error(BIN, &["--fail-worker", "3"], "--fail-worker");
    assert_usage_error(
        BIN,
        &["--workers", "2", "--fail-worker", "2"],
        "--fail-worker",
    );
}

#[test]
fn help_lists_the_flags_and_exits_0() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for flag in [
        "--value",
        "--steps",
        "--max-sleep-ms",
        "--seed",
        "--method",
        "--workers",
    ] {
        assert!(text.contains(flag), "--help mentions {flag}: {text}");
    }
    for method in METHODS {
        assert!(
            text.contains(method),
            "--help lists method {method}: {text}"
        );
    }
}
