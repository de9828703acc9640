//! End-to-end tests of the `shared-value` binary: results, failures, and what it
//! leaves.

use std::process::Command;
use support::testkit::{Ended, assert_usage_error, run_to_end};

const BIN: &str = env!("CARGO_BIN_EXE_shared-value");
const QUICK: [&str; 6] = ["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];

#[test]
fn quick_run_prints_the_result_last() {
    let run = run_to_end(BIN, &QUICK);
    let (out, err) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0), "{err}");
    assert_eq!(run.last_line(), "Result: 9");
    assert!(err.contains("progress: 100.00%"), "{err}");
    assert!(!out.contains("progress"), "progress belongs on stderr");
}

#[test]
fn value_flag_is_doubled_exactly() {
    let run = run_to_end(BIN, &[&QUICK[..], &["--value", "0.1"]].concat());
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
    // 0.2 exactly as an f64: the result is not squeezed through an f32.
    assert_eq!(run.last_line(), "Result: 0.2");
}

#[test]
fn several_workers_each_report_in_the_array() {
    let run = run_to_end(BIN, &[&QUICK[..], &["--processes", "3"]].concat());
    let (out, err) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        ["Worker 0: 9", "Worker 1: 9", "Worker 2: 9", "Result: 9"]
    );
    assert!(err.contains("progress: 100.00% 100.00% 100.00%"), "{err}");
}

#[test]
fn crashing_child_is_reported_and_the_parent_exits_nonzero() {
    let run = run_to_end(BIN, &[&QUICK[..], &["--crash-at", "2"]].concat());
    let (out, err) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(1), "{err}");
    assert!(
        err.contains("worker 0 ended without a result: killed by signal 6 (SIGABRT)"),
        "{err}"
    );
    assert!(!out.contains("Result:"), "{out}");
}

#[test]
fn crash_among_several_workers_is_reported_and_all_are_reaped() {
    let args = ["--steps", "400", "--max-sleep-ms", "20", "--seed", "1"];
    let run = run_to_end(
        BIN,
        &[&args[..], &["--processes", "3", "--crash-at", "3"]].concat(),
    );
    let err = &run.stderr;
    assert_eq!(run.ended, Ended::Exited(1), "{err}");
    assert!(err.contains("ended without a result"), "{err}");
}

#[test]
fn lost_updates_demo_counts_fetch_add_exactly() {
    let run = run_to_end(BIN, &["--demo", "lost-updates", "--increments", "100000"]);
    let out = &run.stdout;
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
    assert_eq!(run.last_line(), "Result: 200000");
    let count = |label: &str| -> u32 {
        let line = out.lines().find(|l| l.starts_with(label)).unwrap();
        let rest = line[label.len()..].trim_start();
        rest.split_whitespace().next().unwrap().parse().unwrap()
    };
    assert_eq!(count("fetch_add:"), 200_000);
    // How many updates get lost depends on timing; only the bound is certain.
    assert!(count("load, then store:") <= 200_000);
}

#[test]
fn lost_updates_with_three_processes() {
    let run = run_to_end(
        BIN,
        &[
            "--demo",
            "lost-updates",
            "--processes",
            "3",
            "--increments",
            "1000",
        ],
    );
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
    assert_eq!(run.last_line(), "Result: 3000");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    // Each case, and what its one line must name.
    for (args, mentions) in [
        (&["--steps", "0"][..], "--steps"),
        (&["--processes", "0"], "--processes"),
        (&["--processes", "65"], "--processes"),
        (&["--crash-at", "zero"], "--crash-at"),
        (&["--crash-at", "0"], "--crash-at"),
        (&["--demo", "nope"], "--demo"),
        (&["--no-such-flag"], "--no-such-flag"),
    ] {
        assert_usage_error(BIN, args, mentions);
    }
}

#[test]
fn counts_too_large_for_u32_are_refused() {
    assert_usage_error(
        BIN,
        &[
            "--demo",
            "lost-updates",
            "--processes",
            "64",
            "--increments",
            "100000000",
        ],
        "--increments",
    );
}

#[test]
fn help_exits_0_and_hides_the_child_role() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("--processes") && help.contains("--crash-at"),
        "{help}"
    );
    assert!(
        !help.contains("--child") && !help.contains("--hold"),
        "{help}"
    );
}

#[test]
fn absurd_or_inconsistent_flags_exit_2_with_one_line() {
    assert_usage_error(
        BIN,
        &["--max-sleep-ms", "18446744073709551615"],
        "0..=60000",
    );
    assert_usage_error(BIN, &["--steps", "3", "--crash-at", "4"], "--crash-at 4");
    let ignored = ["--demo", "lost-updates", "--crash-at", "1"];
    assert_usage_error(BIN, &ignored, "--crash-at");
    assert_usage_error(BIN, &["--value", "inf"], "'inf' for '--value");
}

#[test]
fn a_child_role_started_by_hand_says_so_in_one_line() {
    let out = Command::new(BIN)
        .args(["--child", "worker", "--shm", "/nonexistent"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: child "), "{stderr}");
}

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
    const DEMO: &[&str] = &["--demo", "lost-updates", "--increments", "1000"];

    #[test]
    fn a_closed_stdout_ends_the_run_quietly() {
        assert_closed_stdout_ends_quietly(BIN, QUICK);
        assert_closed_stdout_ends_quietly(BIN, DEMO);
    }

    #[test]
    fn a_full_stdout_is_one_error_line() {
        assert_full_stdout_is_one_error_line(BIN, QUICK);
        assert_full_stdout_is_one_error_line(BIN, DEMO);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_dev_shm_is_one_error_line_and_leaves_nothing() {
        // Before the fix: SIGBUS at the first touch of the mapping (status 135).
        let args = ["--steps", "5", "--max-sleep-ms", "10"];
        support::testkit::assert_full_dev_shm_is_one_error_line(BIN, &args);
        support::testkit::assert_full_dev_shm_is_one_error_line(BIN, DEMO);
    }

    #[test]
    fn a_refused_worker_names_the_limit_and_the_started_ones_are_reaped() {
        // Under 3, the parent and two workers fit; the third does not.
        let args = [LONG, &["--processes", "3"]].concat();
        let Some(run) = assert_process_limit_is_one_error_line(BIN, &args, 3) else {
            return;
        };
        assert_eq!(run.ended, Ended::Exited(1), "{run:?}");
        assert!(run.stderr.contains("starting worker 2"), "{run:?}");
    }
}
