//! The walkthrough binary end to end: happy path, flags, a crashing child. Each run is
//! supervised (own session, hang guard), and `run_to_end` checks it left nothing behind: no
//! process, no shared memory.

use support::testkit::{Ended, assert_usage_error, run_to_end};

const BIN: &str = env!("CARGO_BIN_EXE_stop-and-signal");

#[test]
fn walkthrough_ends_with_the_result_and_leaves_nothing() {
    let run = run_to_end(BIN, &["--steps", "5", "--max-sleep-ms", "1", "--seed", "7"]);
    let out = &run.stdout;
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {}", run.stderr);
    assert_eq!(run.last_line(), "Result: 9", "{out}");
    assert!(out.contains("stop flag: the thread "), "{out}");
    assert!(out.contains("cancel channel: a 10 s sleep ended "), "{out}");
    assert!(
        out.contains("still running after 100 ms, so it was detached"),
        "{out}"
    );
    // Which pool jobs get cancelled, and how far a stopped job got, depend on the
    // scheduler; the unit tests pin those down with channels. Here: four jobs, each reported.
    assert_eq!(out.matches("pool: job ").count(), 4, "{out}");
    assert!(out.contains("SIGUSR1: the task child gave "), "{out}");
    assert!(
        out.contains("SIGTERM: the service child answered 'progress "),
        "{out}"
    );
    // The stubborn child cannot end by itself, so this one is certain.
    assert!(out.contains("was killed by signal 9 (SIGKILL)"), "{out}");
}

#[test]
fn value_flag_changes_the_result() {
    let run = run_to_end(
        BIN,
        &["--value", "-1.5", "--steps", "2", "--max-sleep-ms", "1"],
    );
    assert_eq!(run.ended, Ended::Exited(0), "stderr: {}", run.stderr);
    assert_eq!(run.last_line(), "Result: -3", "{}", run.stdout);
}

#[test]
fn a_crashing_child_is_reported_and_the_parent_exits_1() {
    let run = run_to_end(
        BIN,
        &["--steps", "5", "--max-sleep-ms", "1", "--crash-at", "2"],
    );
    let (out, err) = (&run.stdout, &run.stderr);
    assert_eq!(run.ended, Ended::Exited(1), "stderr: {err}");
    assert!(err.contains("the task child crashed"), "{err}");
    assert!(err.contains("was killed by signal 6 (SIGABRT)"), "{err}");
    assert!(!out.contains("Result:"), "{out}");
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    // Each case, and what its one line must name.
    for (args, mentions) in [
        (&["--steps", "0"][..], "--steps"),
        (&["--steps", "abc"], "--steps"),
        (&["--max-sleep-ms", "-1"], "-1"),
        (&["--crash-at", "0"], "--crash-at"),
        (&["--steps", "5", "--crash-at", "6"], "--crash-at"),
        (&["--grace-ms", "soon"], "--grace-ms"),
        (&["--no-such-flag"], "--no-such-flag"),
    ] {
        assert_usage_error(BIN, args, mentions);
    }
}

#[test]
fn help_shows_the_flags_but_not_the_child_role() {
    let run = run_to_end(BIN, &["--help"]);
    let out = &run.stdout;
    assert_eq!(run.ended, Ended::Exited(0));
    for flag in ["--steps", "--seed", "--crash-at", "--grace-ms"] {
        assert!(out.contains(flag), "{flag}: {out}");
    }
    assert!(!out.contains("--stubborn"), "{out}");
}

#[test]
fn absurd_numbers_exit_2_with_one_line_saying_the_range() {
    assert_usage_error(
        BIN,
        &["--max-sleep-ms", "18446744073709551615"],
        "0..=60000",
    );
    assert_usage_error(BIN, &["--grace-ms", "86400000"], "0..=60000");
    assert_usage_error(BIN, &["--grace-ms", "-5"], "'-5' for '--grace-ms");
}

mod hostile {
    use super::BIN;
    use support::testkit::{
        Ended, assert_closed_stdout_ends_quietly, assert_full_stdout_is_one_error_line,
        assert_process_limit_is_one_error_line,
    };

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
    fn a_process_limit_is_one_error_line_in_every_demo() {
        // Low limits stop a thread demo, higher ones a child; a run that gets through
        // is fine too. Whatever happens: no panic, nothing left.
        let mut failed = 0;
        for limit in 1..=7 {
            let Some(run) = assert_process_limit_is_one_error_line(BIN, QUICK, limit)
            else {
                return;
            };
            failed += usize::from(run.ended != Ended::Exited(0));
        }
        assert!(failed > 0, "no limit was low enough to refuse anything");
    }
}
