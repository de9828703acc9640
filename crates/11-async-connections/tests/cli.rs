//! The lesson binary end to end: the happy path, a server that never answers, the
//! open-files limit, and bad flags.

use support::testkit::{Ended, assert_usage_error, run_to_end};

const LESSON: &str = env!("CARGO_BIN_EXE_async-connections");
const QUICK: &[&str] = &[
    "--steps",
    "5",
    "--max-sleep-ms",
    "1",
    "--seed",
    "7",
    "--connections",
    "20",
];

/// The summary row of a way: its name, then answered, timed out and failed.
fn row<'a>(stdout: &'a str, way: &str) -> Vec<&'a str> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(way))
        .unwrap_or_else(|| panic!("no row for {way} in:\n{stdout}"));
    line[way.len()..].split_whitespace().collect()
}

#[test]
fn quick_run_ends_with_the_result() {
    let run = run_to_end(LESSON, QUICK);
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {stderr}");
    assert_eq!(run.last_line(), "Result: 9", "{stdout}");
    assert!(stdout.starts_with("The slow server listens on 127.0.0.1:"));
    assert!(stdout.contains("20 connections at once, each sending 5 requests"));
    for way in ["one thread each", "one tokio task each"] {
        assert_eq!(row(stdout, way)[..3], ["20", "0", "0"], "{stdout}");
    }
}

#[test]
fn progress_goes_to_stderr_and_ends_at_every_answer() {
    let run = run_to_end(LESSON, QUICK);
    let stderr = &run.stderr;
    assert!(
        stderr
            .lines()
            .any(|l| l == "threads: 100/100 answers 100.00%"),
        "{stderr}"
    );
    assert_eq!(
        stderr.lines().last(),
        Some("tasks: 100/100 answers 100.00%")
    );
    assert!(!run.stdout.contains("answers"));
}

#[test]
fn value_flag_changes_the_result() {
    let run = run_to_end(LESSON, &[QUICK, &["--value", "-1.25"]].concat());
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
    assert_eq!(run.last_line(), "Result: -2.5");
}

#[test]
fn a_server_that_never_answers_is_reported_not_waited_for() {
    let args = [
        "--silent-server",
        "--connections",
        "5",
        "--steps",
        "2",
        "--timeout-ms",
        "300",
    ];
    let run = run_to_end(LESSON, &args);
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(1), "{stderr}");
    assert!(!stdout.contains("Result:"), "{stdout}");
    for way in ["one thread each", "one tokio task each"] {
        assert_eq!(row(stdout, way)[..3], ["0", "5", "0"], "{stdout}");
        let error = format!(
            "error: {way}: 5 of 5 connections timed out \
             (a call took over --timeout-ms 300)"
        );
        assert!(stderr.lines().any(|l| l == error), "{stderr}");
    }
}

#[test]
#[cfg(unix)]
fn too_low_an_open_files_limit_is_one_clear_line() {
    // The shell lowers both limits, so the lesson cannot raise its own.
    let script = format!("ulimit -n 256 && exec {LESSON} --connections 1000");
    assert_usage_error("/bin/sh", &["-c", &script], "ulimit -n 1064");
}

#[test]
#[cfg(unix)]
fn a_soft_limit_below_the_hard_one_is_raised() {
    let script = format!(
        "ulimit -Sn 64 && exec {LESSON} --connections 300 --steps 1 --max-sleep-ms 0"
    );
    let run = run_to_end("/bin/sh", &["-c", &script]);
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
    assert_eq!(run.last_line(), "Result: 9");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    for (args, mentions) in [
        (&["--connections", "0"][..], "--connections"),
        (&["--connections", "10001"], "--connections"),
        (&["--connections", "many"], "--connections"),
        (&["--timeout-ms", "0"], "--timeout-ms"),
        (&["--steps", "abc"], "--steps"),
        (&["--max-sleep-ms", "20000"], "--max-sleep-ms"),
        (&["--no-such-flag"], "--no-such-flag"),
        (&["--way", "threads"], "required"),
    ] {
        assert_usage_error(LESSON, args, mentions);
    }
}

#[test]
fn help_lists_the_flags() {
    let run = run_to_end(LESSON, &["--help"]);
    assert_eq!(run.ended, Ended::Exited(0));
    for flag in [
        "--connections",
        "--timeout-ms",
        "--silent-server",
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
    assert!(
        !run.stdout.contains("--way"),
        "the child's flags stay hidden"
    );
}

/// A closed or full stdout ends the run the way every lesson's does: quietly (141) for
/// a reader that went away, one line and status 1 for a full disk; no panic, and the
/// server and clients are gone.
#[cfg(unix)]
mod hostile {
    use super::{LESSON, QUICK};
    use support::testkit::{
        assert_closed_stdout_ends_quietly, assert_full_stdout_is_one_error_line,
    };

    #[test]
    fn a_closed_stdout_ends_the_run_quietly() {
        assert_closed_stdout_ends_quietly(LESSON, QUICK);
    }

    #[test]
    fn a_full_stdout_is_one_error_line() {
        assert_full_stdout_is_one_error_line(LESSON, QUICK);
    }
}
