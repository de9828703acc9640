//! Ctrl-C, SIGTERM and SIGKILL while the workers run, and a worker SIGKILLed from
//! outside: every worker stops and is reaped, the parent exits as documented, and
//! nothing is left.

use std::time::{Duration, Instant};
use support::testkit::{Ended, HANG_GUARD, Stop, Supervised, stop_while_running};

const LESSON: &str = env!("CARGO_BIN_EXE_process-pool");
/// Long enough (400 steps of up to 20 ms) that part 1's task still runs when signalled.
const LONG_RUN: &[&str] = &["--steps", "400", "--max-sleep-ms", "20", "--seed", "3"];

/// What the issue asks of Ctrl-C and SIGTERM: the run ends within 5 s.
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// Ready once the parent shows that it waits for part 1's task.
fn waiting(stderr: &str) -> bool {
    stderr.contains("1. waiting for the task")
}

/// Starts a long run and waits until part 1's task runs.
fn start_long_run() -> Supervised {
    let run = Supervised::start(LESSON, LONG_RUN).expect("the lesson starts");
    let deadline = Instant::now() + HANG_GUARD;
    while !waiting(&run.stderr()) {
        assert!(Instant::now() < deadline, "never ready: {}", run.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
    run
}

/// Sends `stop` a second into part 1, and checks the run ends as it should, in time,
/// leaving nothing. Returns its stderr.
fn stop_within_5_s(stop: Stop) -> String {
    let mut run = start_long_run();
    std::thread::sleep(Duration::from_secs(1));
    stop.send(&run).expect("the signal is sent");
    let ended = run.wait(STOP_WITHIN);
    assert_eq!(
        ended,
        Some(stop.expected()),
        "after {stop:?}: {}",
        run.stderr()
    );
    run.assert_nothing_left();
    run.stderr()
}

#[test]
fn ctrl_c_to_the_group_stops_everything() {
    let stderr = stop_within_5_s(Stop::CtrlC);
    assert!(stderr.contains("interrupted by signal 2"), "{stderr}");
}

#[test]
fn sigterm_to_the_parent_stops_its_workers() {
    let stderr = stop_within_5_s(Stop::Terminate);
    assert!(stderr.contains("interrupted by signal 15"), "{stderr}");
}

#[test]
fn sigkill_to_the_parent_takes_the_workers_along() {
    stop_while_running(LESSON, LONG_RUN, waiting, Stop::Kill);
}

#[test]
fn a_worker_killed_from_outside_fails_its_task_and_the_run_says_so() {
    let mut run = start_long_run();
    // Part 1's task goes to the first worker the pool lists: all are idle then, and
    // the pool hands a task to the first idle one.
    let stdout = run.stdout();
    let pids = stdout
        .lines()
        .find_map(|l| l.split_once(": pids ").map(|(_, pids)| pids.to_string()))
        .unwrap_or_else(|| panic!("no pids: {stdout}"));
    let first: i32 = pids.split(", ").next().unwrap().parse().unwrap();
    // SAFETY: a plain system call, to a worker of the run, which only its pool reaps.
    assert_eq!(unsafe { libc::kill(first, libc::SIGKILL) }, 0);
    let ended = run.wait(HANG_GUARD);
    assert_eq!(ended, Some(Ended::Exited(1)), "{}", run.stderr());
    let stderr = run.stderr();
    let expected = format!(
        "error: the task failed: its worker (pid {first}) was killed by signal 9 (SIGKILL)"
    );
    assert_eq!(stderr.lines().last(), Some(expected.as_str()), "{stderr}");
    assert!(!run.stdout().contains("Result:"));
    run.assert_nothing_left();
}
