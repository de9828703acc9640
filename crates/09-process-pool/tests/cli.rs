//! The lesson binary end to end: the happy path with its killed worker, the other ways
//! a worker dies, and bad flags. `run_to_end` also checks that no process of the run
//! is left, zombie or not, and nothing in /dev/shm.

use support::testkit::{Ended, Finished, assert_usage_error, run_to_end};

const LESSON: &str = env!("CARGO_BIN_EXE_process-pool");
const QUICK: &[&str] = &["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];

fn quick(more: &[&str]) -> Finished {
    let run = run_to_end(LESSON, &[QUICK, more].concat());
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {}", run.stderr);
    assert_eq!(run.last_line(), "Result: 9", "{}", run.stdout);
    run
}

/// The line part 4 prints for `item`, without the `4. ` in front.
fn item_line(run: &Finished, item: usize) -> &str {
    let prefix = format!("4. item {item} ");
    let line = run.stdout.lines().find(|l| l.starts_with(&prefix));
    line.unwrap_or_else(|| panic!("no line for item {item}: {}", run.stdout))
}

#[test]
fn quick_run_shows_every_part_and_ends_with_the_result() {
    let run = quick(&[]);
    let out = &run.stdout;
    assert!(out.contains("1. submit(task, 4.5).result() = 9\n"), "{out}");
    assert!(out.contains("= [1229, 2262, 3245, 4203]\n"), "{out}");
    assert_eq!(out.matches("3. as_completed: item ").count(), 3, "{out}");
    // The worker running item 1 is killed: that item fails, naming the signal.
    assert!(
        item_line(&run, 1).ends_with("was killed by signal 9 (SIGKILL)"),
        "{out}"
    );
    assert_eq!(item_line(&run, 0), "4. item 0 = 2");
    assert_eq!(item_line(&run, 2), "4. item 2 = 6");
    // The killed worker's replacement, and only it, is marked as new.
    let goes_on = out
        .lines()
        .find(|l| l.starts_with("4. the pool goes on with "));
    assert_eq!(
        goes_on.map(|l| l.matches(" (new)").count()),
        Some(1),
        "{out}"
    );
}

#[test]
fn kill_worker_at_chooses_the_item_whose_worker_dies() {
    let run = quick(&["--kill-worker-at", "2", "--processes", "1"]);
    assert_eq!(item_line(&run, 0), "4. item 0 = 2");
    assert_eq!(item_line(&run, 1), "4. item 1 = 4");
    assert!(
        item_line(&run, 2).contains("failed: its worker (pid "),
        "{}",
        run.stdout
    );
}

#[test]
fn a_task_that_aborts_fails_alone() {
    let run = quick(&["--crash-at", "2"]);
    assert!(
        item_line(&run, 1).ends_with("was killed by signal 6 (SIGABRT)"),
        "{}",
        run.stdout
    );
    assert_eq!(item_line(&run, 2), "4. item 2 = 6");
    assert!(
        run.stderr.contains(": aborting at step 2"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("killing worker"));
}

#[test]
fn with_retry_the_killed_item_runs_again_and_returns() {
    let run = quick(&["--retry"]);
    assert!(run.stdout.contains("4. killing worker "), "{}", run.stdout);
    assert_eq!(item_line(&run, 1), "4. item 1 = 4");
}

#[test]
fn value_flag_reaches_the_workers() {
    let run = run_to_end(LESSON, &[QUICK, &["--value", "-1.5"]].concat());
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
    assert_eq!(run.last_line(), "Result: -3");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    for (args, mentions) in [
        (&["--processes", "0"][..], "--processes"),
        (&["--processes", "many"], "--processes"),
        (&["--kill-worker-at", "3"], "--kill-worker-at"),
        (&["--crash-at", "0"], "--crash-at"),
        (&["--steps", "5", "--crash-at", "6"], "past the last step"),
        (&["--steps", "abc"], "--steps"),
        (&["--no-such-flag"], "--no-such-flag"),
    ] {
        assert_usage_error(LESSON, args, mentions);
    }
}
