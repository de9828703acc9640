//! Ctrl-C, SIGTERM and SIGKILL while the clients run: the server and every client stop,
//! the parent exits as the signal says, and no process is left.
#![cfg(unix)]

use std::time::Duration;
use support::testkit::{Ended, Stop, Supervised, stop_while_running};

const LESSON: &str = env!("CARGO_BIN_EXE_async-connections");
/// Each way lasts about 4 s: 400 requests per connection of up to 20 ms each.
const LONG_RUN: &[&str] = &[
    "--connections",
    "200",
    "--steps",
    "400",
    "--max-sleep-ms",
    "20",
    "--seed",
    "3",
];

/// Ready once a whole progress line of `way` has come (stderr is unbuffered, so a line
/// may be read half-written).
fn running(way: &'static str) -> impl Fn(&str) -> bool {
    move |stderr: &str| {
        stderr
            .lines()
            .any(|l| l.starts_with(way) && l.ends_with('%'))
    }
}

/// Ctrl-C in a terminal: SIGINT to the whole group, a second after `way` started.
/// Everything must be gone within 5 s.
fn ctrl_c_while(way: &'static str) {
    let mut run = Supervised::start(LESSON, LONG_RUN).expect("the lesson starts");
    assert!(
        (0..500).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            running(way)(&run.stderr())
        }),
        "{way} never ran: {}",
        run.stderr()
    );
    std::thread::sleep(Duration::from_secs(1));
    Stop::CtrlC.send(&run).expect("SIGINT is sent");
    let ended = run.wait(Duration::from_secs(5));
    assert_eq!(ended, Some(Ended::Exited(130)), "stderr:\n{}", run.stderr());
    run.assert_nothing_left();
    assert!(
        run.stderr()
            .contains("interrupted by signal 2: the server and clients stopped"),
        "{}",
        run.stderr()
    );
    assert!(!run.stdout().contains("Result:"));
}

#[test]
fn ctrl_c_during_the_threads_ends_everything_within_5_s() {
    ctrl_c_while("threads:");
}

#[test]
fn ctrl_c_during_the_tasks_ends_everything_within_5_s() {
    ctrl_c_while("tasks:");
}

#[test]
fn sigterm_to_the_parent_stops_its_client_child() {
    let run =
        stop_while_running(LESSON, LONG_RUN, running("threads:"), Stop::Terminate);
    assert!(
        run.stderr.contains("interrupted by signal 15"),
        "{}",
        run.stderr
    );
}

#[test]
fn sigkill_to_the_parent_takes_the_client_child_along() {
    stop_while_running(LESSON, LONG_RUN, running("tasks:"), Stop::Kill);
}
