//! End-to-end tests: run the lesson's binary as a reader would.

use support::testkit::{Ended, assert_usage_error, run_to_end};

const BIN: &str = env!("CARGO_BIN_EXE_futures-pool");

#[test]
fn happy_path_ends_with_the_result() {
    let run = run_to_end(BIN, &["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    let stdout = &run.stdout;
    assert_eq!(run.ended, Ended::Exited(0), "{run:?}");
    assert_eq!(run.last_line(), "Result: 9", "{stdout}");
    assert!(stdout.contains("Cores this process may use: "), "{stdout}");
    assert!(stdout.contains("task(4.5) = 9\n"), "{stdout}");
    assert!(
        stdout.contains("Results in submission order: 9, 11, 13, 15\n"),
        "{stdout}"
    );
}

#[test]
fn default_pool_has_one_worker_per_core() {
    let run = run_to_end(BIN, &["--steps", "1", "--max-sleep-ms", "0", "--seed", "1"]);
    let stdout = &run.stdout;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        stdout.contains(&format!("Cores this process may use: {cores}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Worker threads in the pool: {cores}\n")),
        "{stdout}"
    );
}

#[test]
fn workers_flag_sets_the_pool_size() {
    for workers in ["1", "3"] {
        let run = run_to_end(
            BIN,
            &["--workers", workers, "--steps", "3", "--max-sleep-ms", "1"],
        );
        let stdout = &run.stdout;
        assert_eq!(run.ended, Ended::Exited(0), "{run:?}");
        assert!(
            stdout.contains(&format!("Worker threads in the pool: {workers}\n")),
            "{stdout}"
        );
        assert_eq!(run.last_line(), "Result: 9");
    }
}

#[test]
fn value_flag_changes_the_result() {
    let run = run_to_end(
        BIN,
        &["--value", "-1.25", "--steps", "2", "--max-sleep-ms", "0"],
    );
    assert_eq!(run.ended, Ended::Exited(0), "{run:?}");
    assert_eq!(run.last_line(), "Result: -2.5");
}

#[test]
fn panicking_task_is_reported_not_sprayed() {
    let run = run_to_end(BIN, &["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert!(
        stdout.contains(
            "The failing task reported an error: the task panicked: \
             simulated failure: the input was rejected\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("The pool still works: task(4.5) = 9\n"),
        "{stdout}"
    );
    // The default panic hook would print "thread 'pool-worker-0' panicked at ..." and a
    // RUST_BACKTRACE hint; the lesson keeps stderr for progress only.
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
}

#[test]
fn progress_goes_to_stderr_and_ends_at_all_done() {
    let run = run_to_end(BIN, &["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    let stderr = &run.stderr;
    // Not a terminal, so each change is its own line; the last says all four are done.
    assert_eq!(
        stderr.lines().last(),
        Some("tasks done: 4/4 100.00%"),
        "{stderr}"
    );
    assert!(!run.stdout.contains("tasks done"));
}

#[test]
fn bad_steps_exit_2_with_one_line() {
    assert_usage_error(BIN, &["--steps", "abc"], "--steps");
}

#[test]
fn zero_workers_exit_2_with_one_line() {
    let run = run_to_end(BIN, &["--workers", "0"]);
    assert_eq!(run.ended, Ended::Exited(2));
    assert_eq!(
        run.stderr,
        "error: --workers 0: a thread pool needs at least one worker\n"
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn help_lists_the_flags() {
    let run = run_to_end(BIN, &["--help"]);
    assert_eq!(run.ended, Ended::Exited(0));
    let stdout = &run.stdout;
    for flag in [
        "--workers",
        "--steps",
        "--max-sleep-ms",
        "--seed",
        "--value",
    ] {
        assert!(stdout.contains(flag), "{flag} missing from:\n{stdout}");
    }
}

#[test]
fn absurd_numbers_exit_2_with_one_line_saying_the_range() {
    assert_usage_error(BIN, &["--workers", "18446744073709551615"], "0..=1024");
    assert_usage_error(
        BIN,
        &["--max-sleep-ms", "18446744073709551615"],
        "0..=60000",
    );
    assert_usage_error(BIN, &["--steps", "-1"], "'-1' for '--steps");
    assert_usage_error(BIN, &["--value", "NaN"], "'NaN' for '--value");
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
        assert_closed_stdout_ends_quietly(BIN, QUICK);
    }

    #[test]
    fn a_full_stdout_is_one_error_line() {
        assert_full_stdout_is_one_error_line(BIN, QUICK);
    }

    #[test]
    fn a_refused_worker_thread_names_the_limit() {
        // The main thread and two workers fit under the limit; the third does not.
        let args = [&["--workers", "4"], LONG].concat();
        if let Some(run) = assert_process_limit_is_one_error_line(BIN, &args, 3) {
            assert_eq!(run.ended, Ended::Exited(1), "{run:?}");
            assert!(run.stderr.contains("starting a pool of 4"), "{run:?}");
        }
    }
}
