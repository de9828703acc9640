//! Interrupt safety: Ctrl-C to the group, SIGTERM or SIGKILL to the leader, while the task
//! child is running. Every child must be gone afterwards, and no shared memory left.

use support::testkit::{Finished, Stop, stop_while_running};

const BIN: &str = env!("CARGO_BIN_EXE_stop-and-signal");
/// A long run. The generous grace period only matters if the machine is very slow: the
/// child stops within one step (20 ms at most) of its SIGTERM.
const LONG: [&str; 6] = [
    "--steps",
    "400",
    "--max-sleep-ms",
    "20",
    "--grace-ms",
    "5000",
];

/// Starts a long run, waits until the task child has answered a progress request (the
/// threads are done, the child is running), lets about a second pass, then stops it with
/// `stop`; `stop_while_running` checks the exact end and that nothing is left.
fn stop_long_run(stop: Stop) -> Finished {
    let child_running = |stderr: &str| stderr.contains("task child:");
    let run = stop_while_running(BIN, &LONG, child_running, stop);
    assert!(!run.stdout.contains("Result:"), "the run ended too early");
    run
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    stop_long_run(Stop::CtrlC);
}

#[test]
fn sigterm_to_the_leader_stops_the_child_and_exits_143() {
    let run = stop_long_run(Stop::Terminate);
    // The parent passed the SIGTERM on, and the child stopped cleanly with its own 143.
    assert!(
        run.stderr.contains("the child exited with status 143"),
        "{}",
        run.stderr
    );
}

#[test]
fn sigkill_to_the_leader_takes_the_child_with_it() {
    stop_long_run(Stop::Kill);
}

/// Issue 12: the lesson that teaches stopping must stop promptly itself, in every
/// phase, whatever `--max-sleep-ms` and `--grace-ms` say. Starts `args`, waits until
/// `ready` (what stdout shows so far) holds, lets a second pass, then sends each stop:
/// SIGINT to the group (Ctrl-C), SIGTERM to the leader, SIGTERM to the group. The run
/// must end as the signal says within 5 s (where it took 30 to 60 s before; the margin
/// is for slow machines), and leave nothing behind.
fn stops_promptly(args: &[&str], ready: impl Fn(&str) -> bool) {
    use std::time::{Duration, Instant};
    use support::testkit::{Ended, HANG_GUARD, Supervised};
    let stops = [
        (libc::SIGINT, true, 130),
        (libc::SIGTERM, false, 143),
        (libc::SIGTERM, true, 143),
    ];
    for (signal, group, status) in stops {
        let mut run = Supervised::start(BIN, args).expect("the lesson starts");
        let deadline = Instant::now() + HANG_GUARD;
        while !ready(&run.stdout()) {
            assert!(Instant::now() < deadline, "never ready: {}", run.stdout());
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_secs(1));
        let sent = Instant::now();
        if group {
            run.signal_group(signal).unwrap();
        } else {
            run.signal_leader(signal).unwrap();
        }
        let ended = run.wait(Duration::from_secs(5));
        assert_eq!(
            ended,
            Some(Ended::Exited(status)),
            "signal {signal} (group: {group}) after {:?}; stdout:\n{}stderr:\n{}",
            sent.elapsed(),
            run.stdout(),
            run.stderr()
        );
        run.assert_nothing_left();
    }
}

#[test]
fn a_thread_demo_asleep_for_30_s_stops_promptly() {
    // Seed 1: the first step of the first demo sleeps for seconds.
    let args = ["--steps", "2", "--max-sleep-ms", "30000", "--seed", "1"];
    stops_promptly(&args, |stdout| {
        assert!(stdout.is_empty(), "the first demo ended too soon: {stdout}");
        true
    });
}

#[test]
fn a_service_child_mid_step_with_a_60_s_grace_stops_promptly() {
    // Seed 6827 sleeps 6 ms, then 25 s: with one step, every demo before the service
    // child is quick, and the service child is in its 25 s step when asked to stop.
    let args = [
        "--steps",
        "1",
        "--max-sleep-ms",
        "30000",
        "--grace-ms",
        "60000",
        "--seed",
        "6827",
    ];
    stops_promptly(&args, |stdout| stdout.contains("SIGUSR1: the task child"));
}

#[test]
fn a_stubborn_child_with_a_60_s_grace_stops_promptly() {
    let args = [
        "--steps",
        "1",
        "--max-sleep-ms",
        "10",
        "--grace-ms",
        "60000",
    ];
    stops_promptly(&args, |stdout| {
        stdout.contains("SIGTERM: the service child")
    });
}
