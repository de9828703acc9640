//! The lesson binary end to end: the happy path, a crashing child, many messages from
//! several children, and bad flags.

use std::process::Command;
use support::testkit::{Ended, assert_usage_error, run_to_end};

const LESSON: &str = env!("CARGO_BIN_EXE_process-queue");
const QUICK: &[&str] = &["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];

#[test]
fn quick_run_ends_with_the_result() {
    let run = run_to_end(LESSON, QUICK);
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {stderr}");
    assert_eq!(run.last_line(), "Result: 9", "{stdout}");
    assert!(stdout.contains("1. The wrapper put the task's return value: 9"));
    assert!(stdout.contains("2. Progress messages came first, then the result: 9"));
    for worker in 0..3 {
        assert!(
            stdout.contains(&format!("3. Worker {worker} finished: 9")),
            "{stdout}"
        );
    }
    // Part 2 shows every progress message, in order.
    let progress: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("Process progression"))
        .collect();
    assert_eq!(progress.len(), 5, "{stderr}");
    assert!(progress[4].ends_with("100.00%"));
    assert!(
        stderr
            .lines()
            .any(|l| l == "Workers: 100.00% 100.00% 100.00%")
    );
}

#[test]
fn value_flag_reaches_the_children() {
    let run = run_to_end(
        LESSON,
        &[QUICK, &["--value", "-1.5", "--processes", "1"]].concat(),
    );
    assert_eq!(run.ended, Ended::Exited(0));
    assert_eq!(run.last_line(), "Result: -3");
}

#[test]
fn many_messages_from_many_children_all_arrive() {
    let args = [
        "--steps",
        "300",
        "--max-sleep-ms",
        "0",
        "--processes",
        "8",
        "--seed",
        "1",
    ];
    let run = run_to_end(LESSON, &args);
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    // A torn message would end the run with "corrupt message"; a lost one would leave a
    // worker's progress below 100% or its result missing.
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {stderr}");
    assert!(!stderr.contains("corrupt"));
    for worker in 0..8 {
        assert!(
            stdout.contains(&format!("3. Worker {worker} finished: 9")),
            "{stdout}"
        );
    }
    let full = ["100.00%"; 8].join(" ");
    assert_eq!(
        stderr.lines().last(),
        Some(format!("Workers: {full}").as_str())
    );
}

#[test]
fn a_crashing_child_is_reported_and_the_parent_exits_non_zero() {
    let run = run_to_end(LESSON, &[QUICK, &["--crash-at", "2"]].concat());
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(1), "stderr: {stderr}");
    assert!(!stdout.contains("Result:"), "{stdout}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: worker 0 (pid "), "{stderr}");
    assert!(
        last.ends_with(
            "ended before sending its result: it was killed by signal 6 (SIGABRT)"
        ),
        "{stderr}"
    );
}

#[test]
fn a_crash_at_a_step_after_the_last_is_refused_like_in_every_lesson() {
    // It would never happen: a usage error since issue 12, as in lessons 4, 7 and 8.
    let args = [QUICK, &["--crash-at", "6"]].concat();
    assert_usage_error(
        LESSON,
        &args,
        "--crash-at 6 is past the last step (--steps 5)",
    );
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    // Each case, and what its one line must name.
    for (args, mentions) in [
        (&["--processes", "0"][..], "--processes"),
        (&["--processes", "many"], "--processes"),
        (&["--crash-at", "0"], "--crash-at"),
        (&["--steps", "abc"], "--steps"),
        (&["--no-such-flag"], "--no-such-flag"),
        (&["--child", "progress"], "required arguments"),
    ] {
        assert_usage_error(LESSON, args, mentions);
    }
}

#[test]
fn a_child_given_a_wrong_descriptor_fails_cleanly() {
    let out = Command::new(LESSON)
        .args(["--child", "progress", "--worker", "0", "--queue-fd", "999"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: worker 0: "), "{stderr}");
    assert!(stderr.contains("--queue-fd 999"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn absurd_numbers_exit_2_with_one_line_saying_the_range() {
    assert_usage_error(
        LESSON,
        &["--max-sleep-ms", "18446744073709551615"],
        "0..=60000",
    );
    assert_usage_error(LESSON, &["--processes", "-3"], "'-3' for '--processes");
    assert_usage_error(LESSON, &["--steps", "3", "--crash-at", "4"], "--crash-at 4");
}

mod hostile {
    use super::LESSON;
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
        assert_closed_stdout_ends_quietly(LESSON, QUICK);
    }

    #[test]
    fn a_full_stdout_is_one_error_line() {
        assert_full_stdout_is_one_error_line(LESSON, QUICK);
    }

    #[test]
    fn a_refused_worker_names_the_limit_and_the_started_ones_are_reaped() {
        // Under 3, the parent and two workers of part 3 fit; the third does not.
        let Some(run) = assert_process_limit_is_one_error_line(LESSON, LONG, 3) else {
            return;
        };
        assert_eq!(run.ended, Ended::Exited(1), "{run:?}");
        assert!(run.stderr.contains("starting worker 2"), "{run:?}");
    }
}
