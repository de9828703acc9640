//! End-to-end tests of the `locks` binary: exact counts with each lock, critical sections
//! that never interleave, a holder that dies with the lock, a crashing child, bad flags,
//! and nothing left behind.

use std::process::Command;
use std::time::Duration;
use support::testkit::{Ended, Supervised, shm_left_by};

const BIN: &str = env!("CARGO_BIN_EXE_locks");
const QUICK: [&str; 6] = ["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];

/// Runs the lesson under the test kit's reaper with the quick flags plus `extra`, and
/// checks that it left no process and no shared memory behind.
fn run(extra: &[&str]) -> (Ended, String, String) {
    let args: Vec<&str> = QUICK.iter().chain(extra).copied().collect();
    let mut run = Supervised::start(BIN, &args).unwrap();
    let ended = run.wait(Duration::from_secs(10)).expect("the lesson hung");
    assert!(
        run.remaining().is_empty(),
        "left running: {:?}",
        run.remaining()
    );
    assert!(
        shm_left_by(run.leader).is_empty(),
        "{:?}",
        shm_left_by(run.leader)
    );
    (ended, run.stdout(), run.stderr())
}

fn last_line(stdout: &str) -> &str {
    stdout.lines().last().unwrap_or("")
}

/// Each "in the critical section" line is followed at once by the same child's "leaving it".
fn assert_turns_never_interleave(stdout: &str) {
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains(": step ")).collect();
    assert_eq!(
        lines.len(),
        2 * 2 * 5,
        "two children, five steps, two lines each"
    );
    for pair in lines.chunks(2) {
        let entered = pair[0].strip_suffix(" in the critical section");
        let left = pair[1].strip_suffix(" leaving it");
        assert!(
            entered.is_some() && entered == left,
            "interleaved: {pair:?}\n{stdout}"
        );
    }
}

#[test]
fn counts_exactly_and_takes_turns_with_each_lock() {
    for lock in ["mutex", "flock"] {
        let (ended, stdout, stderr) =
            run(&["--processes", "3", "--increments", "2000", "--lock", lock]);
        assert_eq!(ended, Ended::Exited(0), "{lock}: {stderr}");
        assert_eq!(last_line(&stdout), "Result: 6000", "{lock}: {stdout}");
        assert!(stdout.contains("6000 increments made, 6000 counted: none lost"));
        assert_turns_never_interleave(&stdout);
        assert_eq!(stdout.matches("task done, it returned 9").count(), 2);
    }
}

#[test]
fn the_brief_example_ends_with_the_exact_count() {
    let (ended, stdout, _) = run(&["--processes", "3", "--increments", "2000"]);
    assert_eq!(ended, Ended::Exited(0));
    assert_eq!(last_line(&stdout), "Result: 6000");
}

#[test]
fn thread_part_shows_the_mutex_count_and_its_poisoning() {
    let (ended, stdout, stderr) = run(&["--processes", "2", "--increments", "500"]);
    assert_eq!(ended, Ended::Exited(0));
    assert!(stdout.contains("threads: 2 x 500 increments under a Mutex: 1000"));
    assert!(stdout.contains("poisoned: true; into_inner() still gave the value 1001"));
    assert!(stderr.contains("on purpose, while holding the lock"));
}

#[test]
fn a_holder_dying_with_the_robust_mutex_is_recovered_with_eownerdead() {
    let (ended, stdout, stderr) =
        run(&["--processes", "3", "--increments", "2000", "--crash-holder"]);
    assert_eq!(ended, Ended::Exited(0), "{stderr}");
    assert!(stdout.contains("child 0 was killed by signal 6 (SIGABRT) while holding the lock, after 1000 of its 2000 increments"), "{stdout}");
    assert!(stdout.contains("EOWNERDEAD"), "{stdout}");
    // The dead child made 1000 of its 2000 increments; the other two made all theirs.
    assert!(
        stdout.contains("5000 increments made, 5000 counted"),
        "{stdout}"
    );
    assert_eq!(last_line(&stdout), "Result: 5000");
}

#[test]
fn a_holder_dying_with_the_flock_is_released_by_the_kernel() {
    let (ended, stdout, stderr) = run(&[
        "--processes",
        "3",
        "--increments",
        "2000",
        "--crash-holder",
        "--lock",
        "flock",
    ]);
    assert_eq!(ended, Ended::Exited(0), "{stderr}");
    assert!(stdout.contains("the kernel released the flock"), "{stdout}");
    assert_eq!(last_line(&stdout), "Result: 5000");
}

#[test]
fn a_lone_holder_dying_is_recovered_by_the_parent() {
    let (ended, stdout, _) = run(&["--processes", "1", "--increments", "1000", "--crash-holder"]);
    assert_eq!(ended, Ended::Exited(0));
    assert!(stdout.contains("EOWNERDEAD"), "{stdout}");
    assert_eq!(last_line(&stdout), "Result: 500");
}

#[test]
fn without_a_lock_it_still_runs_and_reports_the_count() {
    let (ended, stdout, _) = run(&["--processes", "2", "--increments", "20000", "--no-lock"]);
    assert_eq!(ended, Ended::Exited(0));
    assert!(stdout.contains("(no lock)"));
    assert!(stdout.contains("40000 increments made"), "{stdout}");
    let result: u64 = last_line(&stdout)
        .strip_prefix("Result: ")
        .and_then(|n| n.parse().ok())
        .expect("a Result line");
    assert!(result <= 40_000); // how many are lost is luck; that some can be is the lesson
}

#[test]
fn a_child_crashing_at_a_step_is_reported_and_the_run_fails() {
    let (ended, stdout, stderr) = run(&["--crash-at", "2"]);
    assert_eq!(ended, Ended::Exited(1), "{stderr}");
    assert!(
        stderr.contains("child 0 was killed by signal 6 (SIGABRT)"),
        "{stderr}"
    );
    assert!(!stdout.contains("Result:"), "{stdout}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    let cases: [&[&str]; 7] = [
        &["--processes", "0"],
        &["--processes", "65"],
        &["--lock", "spinlock"],
        &["--increments", "-1"],
        &["--steps", "5", "--crash-at", "6"],
        &["--no-lock", "--lock", "flock"],
        &["--no-lock", "--crash-holder"],
    ];
    for args in cases {
        let out = Command::new(BIN).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn help_exits_0_and_hides_the_child_role() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--crash-holder") && help.contains("--lock"));
    assert!(!help.contains("--child"), "{help}");
}
