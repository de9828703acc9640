//! End-to-end tests of the `shared-value` binary: results, failures, and what it leaves.

use std::process::{Command, Output};
use std::time::Duration;
use support::testkit::{Ended, Supervised, shm_left_by};

const BIN: &str = env!("CARGO_BIN_EXE_shared-value");
const QUICK: [&str; 6] = ["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];

/// Runs the lesson under the test kit's reaper, so every process it starts is accounted
/// for; returns how it ended, stdout and stderr, after checking that nothing is left.
fn run(args: &[&str]) -> (Ended, String, String) {
    let mut run = Supervised::start(BIN, args).unwrap();
    let ended = run.wait(Duration::from_secs(10)).expect("lesson hung");
    assert!(
        run.remaining().is_empty(),
        "left running: {:?}",
        run.remaining()
    );
    assert!(
        shm_left_by(run.leader).is_empty(),
        "left in /dev/shm: {:?}",
        shm_left_by(run.leader)
    );
    (ended, run.stdout(), run.stderr())
}

fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or("")
}

#[test]
fn quick_run_prints_the_result_last() {
    let (ended, out, err) = run(&QUICK);
    assert_eq!(ended, Ended::Exited(0), "{err}");
    assert_eq!(last_line(&out), "Result: 9");
    assert!(err.contains("progress: 100.00%"), "{err}");
    assert!(!out.contains("progress"), "progress belongs on stderr");
}

#[test]
fn value_flag_is_doubled_exactly() {
    let (ended, out, err) = run(&[&QUICK[..], &["--value", "0.1"]].concat());
    assert_eq!(ended, Ended::Exited(0), "{err}");
    // 0.2 exactly as an f64: the result is not squeezed through an f32.
    assert_eq!(last_line(&out), "Result: 0.2");
}

#[test]
fn several_workers_each_report_in_the_array() {
    let (ended, out, err) = run(&[&QUICK[..], &["--processes", "3"]].concat());
    assert_eq!(ended, Ended::Exited(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        ["Worker 0: 9", "Worker 1: 9", "Worker 2: 9", "Result: 9"]
    );
    assert!(err.contains("progress: 100.00% 100.00% 100.00%"), "{err}");
}

#[test]
fn crashing_child_is_reported_and_the_parent_exits_nonzero() {
    let (ended, out, err) = run(&[&QUICK[..], &["--crash-at", "2"]].concat());
    assert_eq!(ended, Ended::Exited(1), "{err}");
    assert!(
        err.contains("worker 0 ended without a result: killed by signal 6 (SIGABRT)"),
        "{err}"
    );
    assert!(!out.contains("Result:"), "{out}");
}

#[test]
fn crash_among_several_workers_is_reported_and_all_are_reaped() {
    let args = ["--steps", "400", "--max-sleep-ms", "20", "--seed", "1"];
    let (ended, _, err) = run(&[&args[..], &["--processes", "3", "--crash-at", "3"]].concat());
    assert_eq!(ended, Ended::Exited(1), "{err}");
    assert!(err.contains("ended without a result"), "{err}");
}

#[test]
fn lost_updates_demo_counts_fetch_add_exactly() {
    let (ended, out, err) = run(&["--demo", "lost-updates", "--increments", "100000"]);
    assert_eq!(ended, Ended::Exited(0), "{err}");
    assert_eq!(last_line(&out), "Result: 200000");
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
    let (ended, out, err) = run(&[
        "--demo",
        "lost-updates",
        "--processes",
        "3",
        "--increments",
        "1000",
    ]);
    assert_eq!(ended, Ended::Exited(0), "{err}");
    assert_eq!(last_line(&out), "Result: 3000");
}

fn plain(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    for args in [
        &["--steps", "0"][..],
        &["--processes", "0"],
        &["--processes", "65"],
        &["--crash-at", "zero"],
        &["--crash-at", "0"],
        &["--demo", "nope"],
        &["--no-such-flag"],
    ] {
        let output = plain(args);
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error:"), "{args:?}: {err}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn counts_too_large_for_u32_are_refused() {
    let output = plain(&[
        "--demo",
        "lost-updates",
        "--processes",
        "64",
        "--increments",
        "100000000",
    ]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn help_exits_0_and_hides_the_child_role() {
    let output = plain(&["--help"]);
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
