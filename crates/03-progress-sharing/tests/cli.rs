//! End-to-end tests: run the lesson's binary as a reader would.

use support::testkit::{Ended, Finished, assert_usage_error, run_to_end};

const BIN: &str = env!("CARGO_BIN_EXE_progress-sharing");

const QUICK: [&str; 6] = ["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];
const METHODS: [&str; 4] = ["map", "atomics", "object", "channel"];

fn quick(extra: &[&str]) -> Finished {
    run_to_end(BIN, &[&QUICK[..], extra].concat())
}

#[test]
fn default_quick_run_ends_with_the_result() {
    let run = quick(&[]);
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {}", run.stderr);
    assert_eq!(
        run.stdout,
        "worker 0: 9\nworker 1: 9\nworker 2: 9\nResult: 9\n"
    );
}

#[test]
fn every_method_shows_progress_and_ends_with_the_result() {
    for method in METHODS {
        let run = quick(&["--method", method]);
        assert_eq!(run.ended, Ended::Exited(0), "{method}: {}", run.stderr);
        assert_eq!(
            run.stdout, "worker 0: 9\nworker 1: 9\nworker 2: 9\nResult: 9\n",
            "{method}"
        );
        // stderr is not a terminal here, so each progress change is a plain line. The
        // last one is read after every worker was joined, so it is certainly complete.
        let err = &run.stderr;
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
    let run = quick(&["--workers", "1", "--method", "channel"]);
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "worker 0: 9\nResult: 9\n");
    assert_eq!(run.stderr.lines().last(), Some("#0 100.00%"));

    let run = quick(&["--workers", "5", "--value", "1.25"]);
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {}", run.stderr);
    let text = &run.stdout;
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
        let run = quick(&["--method", method, "--fail-worker", "1"]);
        assert_eq!(run.ended, Ended::Exited(1), "{method}");
        let err = &run.stderr;
        assert_eq!(
            err.lines().last(),
            Some("error: worker 1 panicked: simulated failure at step 3 of 5"),
            "{method}: {err}"
        );
        // The failed worker's progress stays where it stopped (2 of 5 steps); the
        // others still finish, and the watching loop does not wait for the dead one
        // forever.
        assert!(
            err.contains("#0 100.00% | #1  40.00% | #2 100.00%"),
            "{method}: {err}"
        );
        assert_eq!(run.stdout, "worker 0: 9\nworker 2: 9\n", "{method}");
    }
}

#[test]
fn the_deliberate_panic_prints_one_line_even_with_rust_backtrace_1() {
    let out = std::process::Command::new(BIN)
        .args(QUICK)
        .args(["--fail-worker", "1"])
        .env("RUST_BACKTRACE", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the lesson starts");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let panic_lines: Vec<&str> =
        err.lines().filter(|l| !l.starts_with("#0 ")).collect();
    assert_eq!(
        panic_lines,
        [
            "a worker panicked: simulated failure at step 3 of 5",
            "error: worker 1 panicked: simulated failure at step 3 of 5",
        ],
        "{err}"
    );
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
    let run = run_to_end(BIN, &["--help"]);
    assert_eq!(run.ended, Ended::Exited(0));
    let text = &run.stdout;
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

#[test]
fn absurd_numbers_exit_2_with_one_line_saying_the_range() {
    assert_usage_error(
        BIN,
        &["--max-sleep-ms", "18446744073709551615"],
        "0..=60000",
    );
    assert_usage_error(BIN, &["--workers", "-1"], "'-1' for '--workers");
    assert_usage_error(BIN, &["--workers", "17"], "1..=16");
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
    fn a_refused_worker_thread_names_the_limit() {
        // The main thread and two workers fit under 3; the third worker does not.
        for method in ["map", "atomics", "object", "channel"] {
            let args = [LONG, &["--method", method]].concat();
            let Some(run) = assert_process_limit_is_one_error_line(BIN, &args, 3)
            else {
                return;
            };
            assert_eq!(run.ended, Ended::Exited(1), "{run:?}");
            assert!(run.stderr.contains("starting a worker thread"), "{run:?}");
        }
    }
}
