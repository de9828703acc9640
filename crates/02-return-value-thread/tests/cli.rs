//! End-to-end tests: run the lesson's binary as a reader would.

use std::process::{Command, Stdio};
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
            "2. ReturnValueThread: 9",
            "3. scoped threads: [4.5, 5.5, 6.5] doubled is [9.0, 11.0, 13.0]",
            "Result: 9",
        ]
    );
    // Stderr is a pipe here, so each change of the progress is a plain line; there is
    // nothing else on a good run: no panic report, no error.
    let progress: Vec<&str> = run.stderr.lines().collect();
    assert!(
        progress.iter().all(|line| is_progress(line)),
        "only progress on stderr: {progress:?}"
    );
    assert!(
        progress
            .last()
            .is_some_and(|l| l.ends_with("5 of 5 threads finished")),
        "the last progress line counts every thread: {progress:?}"
    );
}

#[test]
fn progress_shows_while_the_threads_run() {
    // Each task sleeps 20 seeded times up to 100 ms (about 1 s in all); the main thread
    // shows its first line right after starting the threads, long before any finishes.
    let run = run_to_end(
        BIN,
        &["--steps", "20", "--max-sleep-ms", "100", "--seed", "7"],
    );
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {}", run.stderr);
    let first = run.stderr.lines().next().unwrap_or("");
    assert!(is_progress(first), "stderr: {}", run.stderr);
    assert!(
        first.ends_with(": 0 of 5 threads finished"),
        "stderr: {}",
        run.stderr
    );
    assert_eq!(run.last_line(), "Result: 9");
}

/// A line of the progress the main thread shows while it waits: `1.2 s: 3 of 5 threads
/// finished`.
fn is_progress(line: &str) -> bool {
    let Some((seconds, rest)) = line.trim_start().split_once(" s: ") else {
        return false;
    };
    seconds.parse::<f64>().is_ok()
        && rest.ends_with(" of 5 threads finished")
        && rest[..1].parse::<u8>().is_ok()
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
    // The last line is ours; before it, the panic hook's one line (and progress lines).
    assert_eq!(
        err.lines().last(),
        Some("error: thread 'worker' panicked: simulated failure at step 3 of 5"),
        "stderr: {err}"
    );
    assert_eq!(panic_reports(err), 1, "one report from the hook: {err}");
    let text = &run.stdout;
    assert!(text.contains("1. spawn + join: 9"), "stdout: {text}");
    assert!(
        !text.contains("Result:"),
        "no result after a failure: {text}"
    );
}

#[test]
fn a_panic_is_reported_in_one_line_even_with_rust_backtrace_set() {
    // A reader's shell may have RUST_BACKTRACE=1; the lesson's deliberate panic must
    // still read as one line, not a backtrace. (The test kit sets it to 0, so this test
    // runs the binary itself.)
    let out = Command::new(BIN)
        .args([
            "--steps",
            "5",
            "--max-sleep-ms",
            "1",
            "--seed",
            "7",
            "--fail",
        ])
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .output()
        .expect("the lesson starts");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    let other: Vec<&str> = err.lines().filter(|line| !is_progress(line)).collect();
    assert_eq!(
        other.len(),
        2,
        "the hook's line and the error, nothing else: {err}"
    );
    assert!(
        other[0].starts_with("thread 'worker' panicked at ")
            && other[0].ends_with(": simulated failure at step 3 of 5"),
        "one line, naming the thread, where and why: {err}"
    );
    assert!(!err.contains("stack backtrace"), "{err}");
}

/// How many panic reports `stderr` holds (lines from the lesson's one-line hook).
fn panic_reports(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|line| line.starts_with("thread '") && line.contains(" panicked at "))
        .count()
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

#[test]
fn absurd_numbers_exit_2_with_one_line_saying_the_range() {
    assert_usage_error(
        BIN,
        &["--max-sleep-ms", "18446744073709551615"],
        "0..=60000",
    );
    assert_usage_error(BIN, &["--steps", "4294967295"], "1..=100000");
    assert_usage_error(BIN, &["--value", "-inf"], "'-inf' for '--value");
}

#[cfg(unix)]
mod hostile {
    use super::BIN;
    use support::testkit::{
        Ended, assert_closed_stdout_ends_quietly, assert_full_stdout_is_one_error_line,
        assert_process_limit_is_one_error_line,
    };

    /// Threads that live about a second each: long enough that none has ended (and
    /// freed its place under a process limit) before the last one is started, even on a
    /// loaded machine. With QUICK's 5 ms threads, that happened about once in ten runs
    /// under load.
    const LONG: &[&str] = &["--steps", "40", "--max-sleep-ms", "50", "--seed", "7"];

    const QUICK: &[&str] = &["--steps", "3", "--max-sleep-ms", "5"];

    #[test]
    fn a_closed_stdout_ends_the_run_quietly() {
        assert_closed_stdout_ends_quietly(BIN, QUICK);
    }

    #[test]
    fn a_full_stdout_is_one_error_line() {
        assert_full_stdout_is_one_error_line(BIN, QUICK);
    }

    #[test]
    fn a_refused_thread_names_the_limit_and_what_was_starting() {
        // Main and thread 1 fit under 2; the ReturnValueThread does not. Under 4, the
        // second scoped thread is refused.
        for (limit, starting) in [(2, "the ReturnValueThread"), (4, "the scoped")] {
            let Some(run) = assert_process_limit_is_one_error_line(BIN, LONG, limit)
            else {
                return;
            };
            assert_eq!(run.ended, Ended::Exited(1), "{run:?}");
            assert!(run.stderr.contains(starting), "{run:?}");
        }
    }
}
