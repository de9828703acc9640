//! End-to-end tests: run the lesson's binary as a reader would. No timing is checked:
//! the figures vary from run to run, the sums and the thread counts do not.

use rayon_parallel::{seeds, sum_sequential};
use support::testkit::{Ended, assert_usage_error, run_to_end};

const BIN: &str = env!("CARGO_BIN_EXE_rayon-parallel");

/// What every way of summing must give for `count` jobs of `iters` turns from `seed`.
fn expected(count: usize, seed: u64, iters: u64) -> String {
    format!("Result: {}", sum_sequential(&seeds(count, seed), iters))
}

#[test]
fn happy_path_ends_with_the_sum() {
    let run = run_to_end(BIN, &["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    let stdout = &run.stdout;
    assert_eq!(run.ended, Ended::Exited(0), "{run:?}");
    assert_eq!(run.last_line(), expected(5, 7, 1_000_000), "{stdout}");
    for line in [
        "The CPU-bound work: 5 jobs of 1000000 loop turns each\n",
        "par_iter in a local pool of 1 thread: ",
        "rayon::scope: 5 tasks, each wrote its own slot\n",
        "8 blocking calls of 1 ms each:\n",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from:\n{stdout}");
    }
}

#[test]
fn seed_and_iters_change_the_sum() {
    let args = [
        "--steps",
        "3",
        "--iters",
        "1000",
        "--seed",
        "42",
        "--max-sleep-ms",
        "0",
    ];
    let run = run_to_end(BIN, &args);
    assert_eq!(run.ended, Ended::Exited(0), "{run:?}");
    assert_eq!(run.last_line(), expected(3, 42, 1_000));
}

#[test]
fn the_global_pool_has_one_thread_per_core_by_default() {
    let run = run_to_end(
        BIN,
        &["--steps", "2", "--iters", "10", "--max-sleep-ms", "0"],
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The test kit does not pass RAYON_NUM_THREADS on unless the caller's shell has it.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let line = format!("Threads in rayon's global pool: {cores}\n");
        assert!(run.stdout.contains(&line), "{}", run.stdout);
    }
    assert!(
        run.stdout
            .contains(&format!("Cores this process may use: {cores}\n")),
        "{}",
        run.stdout
    );
}

#[test]
fn threads_flag_sizes_the_global_pool() {
    for threads in ["1", "3"] {
        let args = [
            "--threads",
            threads,
            "--steps",
            "4",
            "--iters",
            "100",
            "--seed",
            "0",
        ];
        let run = run_to_end(BIN, &[&args[..], &["--max-sleep-ms", "1"]].concat());
        let stdout = &run.stdout;
        assert_eq!(run.ended, Ended::Exited(0), "{run:?}");
        let line = format!("Threads in rayon's global pool: {threads}\n");
        assert!(stdout.contains(&line), "{stdout}");
        let calls = 4 * threads.parse::<usize>().unwrap();
        let pool = if threads == "1" {
            "1 thread"
        } else {
            "3 threads"
        };
        assert!(
            stdout.contains(&format!("  as a par_iter on {pool}: ")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("{calls} blocking calls of 1 ms each:\n")),
            "{stdout}"
        );
        assert_eq!(run.last_line(), expected(4, 0, 100));
    }
}

#[test]
fn a_panicking_job_reaches_the_caller_in_one_line() {
    let run = run_to_end(
        BIN,
        &["--steps", "6", "--iters", "100", "--max-sleep-ms", "0"],
    );
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0), "{run:?}");
    assert!(
        stdout.contains(
            "The caller of par_iter got the panic: job 3 failed: simulated failure\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Threads in the pool after the panic: "),
        "{stdout}"
    );
    // One line from the lesson's hook, nothing from the default one.
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("job 3 failed"))
            .collect::<Vec<_>>(),
        ["a rayon job panicked: job 3 failed: simulated failure"],
        "{stderr}"
    );
    assert!(!stderr.contains("panicked at"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
}

#[test]
fn progress_goes_to_stderr_and_ends_at_every_job() {
    let run = run_to_end(BIN, &["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    let progress: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("jobs done: "))
        .collect();
    assert_eq!(
        progress.last(),
        Some(&"jobs done: 5/5 100.00%"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("jobs done"));
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    assert_usage_error(BIN, &["--steps", "abc"], "--steps");
    assert_usage_error(BIN, &["--threads", "0"], "--threads");
    assert_usage_error(BIN, &["--threads", "many"], "--threads");
    assert_usage_error(BIN, &["--iters", "0"], "--iters");
    assert_usage_error(BIN, &["--bogus"], "--bogus");
}

#[test]
fn help_lists_the_flags() {
    let run = run_to_end(BIN, &["--help"]);
    assert_eq!(run.ended, Ended::Exited(0));
    for flag in [
        "--threads",
        "--iters",
        "--steps",
        "--max-sleep-ms",
        "--seed",
        "--value",
    ] {
        assert!(
            run.stdout.contains(flag),
            "{flag} missing from:\n{}",
            run.stdout
        );
    }
}

/// A closed or full stdout ends the run the way every lesson's does: quietly (141) for
/// a reader that went away, one line and status 1 for a full disk; no panic.
#[cfg(unix)]
mod hostile {
    use super::BIN;
    use support::testkit::{
        assert_closed_stdout_ends_quietly, assert_full_stdout_is_one_error_line,
    };

    const QUICK: &[&str] = &["--steps", "3", "--max-sleep-ms", "5", "--seed", "7"];

    #[test]
    fn a_closed_stdout_ends_the_run_quietly() {
        assert_closed_stdout_ends_quietly(BIN, QUICK);
    }

    #[test]
    fn a_full_stdout_is_one_error_line() {
        assert_full_stdout_is_one_error_line(BIN, QUICK);
    }
}
