//! End-to-end tests of the `locks` binary: exact counts with each lock, critical
//! sections that never interleave, a holder that dies with the lock, a crashing child,
//! bad flags, and nothing left behind.

use std::process::Command;
use support::testkit::{Ended, assert_usage_error, run_to_end};

const BIN: &str = env!("CARGO_BIN_EXE_locks");
const QUICK: [&str; 6] = ["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"];

/// The quick flags followed by `extra`.
fn quick<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    QUICK.iter().chain(extra).copied().collect()
}

/// Each "in the critical section" line is followed at once by the same child's "leaving
/// it" (each child prints them in its first critical section), and the parent saw none
/// of the 2 x 5 critical sections overlap.
fn assert_turns_never_interleave(stdout: &str) {
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains(": step ")).collect();
    assert_eq!(lines.len(), 2 * 2, "two children, two lines each");
    for pair in lines.chunks(2) {
        let entered = pair[0].strip_suffix(" in the critical section");
        let left = pair[1].strip_suffix(" leaving it");
        assert!(
            entered.is_some() && entered == left,
            "interleaved: {pair:?}\n{stdout}"
        );
    }
    assert!(
        stdout.contains("processes: 10 critical sections, none overlapped"),
        "{stdout}"
    );
}

#[test]
fn counts_exactly_and_takes_turns_with_each_lock() {
    let locks: &[&str] = if cfg!(target_os = "linux") {
        &["mutex", "flock"]
    } else {
        &["flock"]
    };
    for &lock in locks {
        let run = run_to_end(
            BIN,
            &quick(&["--processes", "3", "--increments", "2000", "--lock", lock]),
        );
        let (stdout, stderr) = (&run.stdout, &run.stderr);
        assert_eq!(run.ended, Ended::Exited(0), "{lock}: {stderr}");
        assert_eq!(run.last_line(), "Result: 6000", "{lock}: {stdout}");
        assert!(stdout.contains("6000 increments made, 6000 counted: none lost"));
        assert_turns_never_interleave(stdout);
        assert_eq!(stdout.matches("task done, it returned 9").count(), 2);
    }
}

#[test]
fn the_brief_example_ends_with_the_exact_count() {
    let run = run_to_end(BIN, &quick(&["--processes", "3", "--increments", "2000"]));
    assert_eq!(run.ended, Ended::Exited(0));
    assert_eq!(run.last_line(), "Result: 6000");
}

#[test]
fn thread_part_shows_the_mutex_count_and_its_poisoning() {
    let run = run_to_end(BIN, &quick(&["--processes", "2", "--increments", "500"]));
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0));
    assert!(stdout.contains("threads: 2 x 500 increments under a Mutex: 1000"));
    assert!(stdout.contains("poisoned: true; into_inner() still gave the value 1001"));
    assert!(stderr.contains("on purpose, while holding the lock"));
}

#[test]
fn the_deliberate_panic_is_one_line_even_with_rust_backtrace() {
    let out = Command::new(BIN)
        .args(quick(&["--processes", "2", "--increments", "500"]))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let panic_lines: Vec<&str> =
        stderr.lines().filter(|l| l.contains("panic")).collect();
    assert_eq!(
        panic_lines,
        ["threads: thread 'holder' panicked: on purpose, while holding the lock"],
        "{stderr}"
    );
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn the_default_run_prints_tens_of_lines() {
    let run = run_to_end(BIN, &["--max-sleep-ms", "2", "--increments", "1000"]);
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
    let lines = run.stdout.lines().count();
    assert!((10..50).contains(&lines), "{lines} lines:\n{}", run.stdout);
    assert!(
        run.stdout
            .contains("100 critical sections, none overlapped")
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_holder_dying_with_the_robust_mutex_is_recovered_with_eownerdead() {
    let run = run_to_end(
        BIN,
        &quick(&["--processes", "3", "--increments", "2000", "--crash-holder"]),
    );
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0), "{stderr}");
    assert!(
        stdout.contains(
            "child 0 was killed by signal 6 (SIGABRT) while holding the lock, \
             after 1000 of its 2000 increments"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("EOWNERDEAD"), "{stdout}");
    // The dead child made 1000 of its 2000 increments; the other two made all theirs.
    assert!(
        stdout.contains("5000 increments made, 5000 counted"),
        "{stdout}"
    );
    assert_eq!(run.last_line(), "Result: 5000");
}

#[test]
fn a_holder_dying_with_the_flock_is_released_by_the_kernel() {
    let run = run_to_end(
        BIN,
        &quick(&[
            "--processes",
            "3",
            "--increments",
            "2000",
            "--crash-holder",
            "--lock",
            "flock",
        ]),
    );
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0), "{stderr}");
    assert!(stdout.contains("the kernel released the flock"), "{stdout}");
    assert_eq!(run.last_line(), "Result: 5000");
}

#[cfg(target_os = "linux")]
#[test]
fn a_lone_holder_dying_is_recovered_by_the_parent() {
    let run = run_to_end(
        BIN,
        &quick(&["--processes", "1", "--increments", "1000", "--crash-holder"]),
    );
    let stdout = &run.stdout;
    assert_eq!(run.ended, Ended::Exited(0));
    assert!(stdout.contains("EOWNERDEAD"), "{stdout}");
    assert_eq!(run.last_line(), "Result: 500");
}

#[test]
fn without_a_lock_it_still_runs_and_reports_the_count() {
    let run = run_to_end(
        BIN,
        &quick(&["--processes", "2", "--increments", "20000", "--no-lock"]),
    );
    let stdout = &run.stdout;
    assert_eq!(run.ended, Ended::Exited(0));
    assert!(stdout.contains("(no lock)"));
    assert!(
        stdout.contains("processes: 10 critical sections, "),
        "{stdout}"
    );
    assert!(stdout.contains("40000 increments made"), "{stdout}");
    let result: u64 = run
        .last_line()
        .strip_prefix("Result: ")
        .and_then(|n| n.parse().ok())
        .expect("a Result line");
    // How many are lost is luck; that some can be is the lesson.
    assert!(result <= 40_000);
}

#[test]
fn a_child_crashing_at_a_step_is_reported_and_the_run_fails() {
    let run = run_to_end(BIN, &quick(&["--crash-at", "2"]));
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(1), "{stderr}");
    assert!(
        stderr.contains("child 0 was killed by signal 6 (SIGABRT)"),
        "{stderr}"
    );
    assert!(!stdout.contains("Result:"), "{stdout}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    // Each case, and what its one line must name.
    let cases: [(&[&str], &str); 7] = [
        (&["--processes", "0"], "--processes"),
        (&["--processes", "65"], "--processes"),
        (&["--lock", "spinlock"], "--lock"),
        (&["--increments", "-1"], "-1"),
        (&["--steps", "5", "--crash-at", "6"], "--crash-at 6"),
        (&["--no-lock", "--lock", "flock"], "--no-lock"),
        (&["--no-lock", "--crash-holder"], "--crash-holder"),
    ];
    for (args, mentions) in cases {
        assert_usage_error(BIN, args, mentions);
    }
    if cfg!(not(target_os = "linux")) {
        assert_usage_error(BIN, &["--lock", "mutex"], "--lock mutex needs Linux");
    }
}

#[test]
fn help_exits_0_and_hides_the_child_role() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--crash-holder") && help.contains("--lock"));
    assert!(
        !help.contains("--child") && !help.contains("--hold"),
        "{help}"
    );
}

#[test]
fn absurd_numbers_exit_2_with_one_line_saying_the_range() {
    assert_usage_error(
        BIN,
        &["--max-sleep-ms", "18446744073709551615"],
        "0..=60000",
    );
    assert_usage_error(BIN, &["--increments", "-1"], "'-1' for '--increments");
    assert_usage_error(
        BIN,
        &["--increments", "18446744073709551615"],
        "1..=10000000",
    );
}

#[test]
fn a_child_role_started_by_hand_says_so_in_one_line() {
    let out = Command::new(BIN)
        .args(["--child", "count", "--shm", "/nonexistent"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: child 0: opening the shared"),
        "{stderr}"
    );
}

mod hostile {
    use super::BIN;
    use support::testkit::{
        Ended, assert_closed_stdout_ends_quietly, assert_full_stdout_is_one_error_line,
        assert_process_limit_is_one_error_line,
    };

    const QUICK: &[&str] =
        &["--steps", "3", "--max-sleep-ms", "5", "--increments", "100"];

    #[test]
    fn a_closed_stdout_ends_the_run_quietly() {
        assert_closed_stdout_ends_quietly(BIN, QUICK);
    }

    #[test]
    fn a_full_stdout_is_one_error_line() {
        assert_full_stdout_is_one_error_line(BIN, QUICK);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_dev_shm_is_one_error_line_and_leaves_nothing() {
        // Before the fix: SIGBUS at the first touch of the mapping (status 135).
        for lock in ["mutex", "flock"] {
            let args = ["--steps", "5", "--max-sleep-ms", "10", "--lock", lock];
            support::testkit::assert_full_dev_shm_is_one_error_line(BIN, &args);
        }
    }

    #[test]
    fn a_process_limit_is_one_error_line_in_every_part() {
        // Each limit stops a different part (threads, turns, count); a run that gets
        // through is fine too. Whatever happens: no panic, nothing left.
        let mut failed = 0;
        for limit in 1..=6 {
            let Some(run) = assert_process_limit_is_one_error_line(BIN, QUICK, limit)
            else {
                return;
            };
            failed += usize::from(run.ended != Ended::Exited(0));
        }
        assert!(failed > 0, "no limit was low enough to refuse anything");
    }
}
