//! The child role, signalled directly: SIGTERM, SIGKILL after a grace period, SIGUSR1.

use nix::sys::signal::Signal;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use stop_and_signal::{
    EXIT_STOPPED, Ending, Lines, Next, Report, Sent, send_signal, terminate,
    wait_timeout,
};

const BIN: &str = env!("CARGO_BIN_EXE_stop-and-signal");
const GUARD: Duration = Duration::from_secs(10);

/// The lesson's child, with its stdout read by line; killed and reaped even if a test fails.
struct Kid {
    child: Child,
    lines: Lines,
}

impl Kid {
    fn start(args: &[&str]) -> Kid {
        let mut command = Command::new(BIN);
        command
            .arg("--child")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        stop_and_signal::child::die_with_parent(&mut command);
        let mut child = command.spawn().unwrap();
        let lines = Lines::new(child.stdout.take().unwrap());
        let mut kid = Kid { child, lines };
        assert_eq!(kid.report(), Some(Report::Ready));
        kid
    }

    /// The next report; `None` at the end of its stdout.
    fn report(&mut self) -> Option<Report> {
        match self.lines.next(GUARD).unwrap() {
            Next::Line(line) => Some(line.parse().unwrap()),
            Next::Eof => None,
            Next::Timeout => panic!("no word from the child in {GUARD:?}"),
        }
    }
}

impl Drop for Kid {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sigterm_child_finishes_its_step_reports_and_exits_143() {
    let mut kid = Kid::start(&["--forever", "--max-sleep-ms", "5"]);
    let (sent, ending) = terminate(&mut kid.child, GUARD).unwrap();
    assert_eq!(sent, Sent::Sigterm);
    assert_eq!(ending, Ending::Exited(EXIT_STOPPED));
    assert!(matches!(kid.report(), Some(Report::Stopped(_))));
    assert_eq!(kid.report(), None);
}

#[test]
fn stubborn_child_is_killed_after_the_grace_period() {
    let mut kid = Kid::start(&["--forever", "--stubborn", "--max-sleep-ms", "5"]);
    // It ignores SIGTERM and runs forever: only SIGKILL can end it.
    let (sent, ending) = terminate(&mut kid.child, Duration::from_millis(200)).unwrap();
    assert_eq!(sent, Sent::SigtermThenSigkill);
    assert_eq!(ending, Ending::Killed(libc::SIGKILL));
    assert_eq!(ending.to_string(), "was killed by signal 9 (SIGKILL)");
    assert_eq!(kid.report(), None, "a killed child says nothing more");
}

#[test]
fn sigusr1_gets_a_progress_answer_each_time() {
    let mut kid = Kid::start(&["--forever", "--max-sleep-ms", "5"]);
    assert!(send_signal(&mut kid.child, Signal::SIGUSR1).unwrap());
    let Some(Report::Progress(first)) = kid.report() else {
        panic!("expected a progress answer")
    };
    assert!(send_signal(&mut kid.child, Signal::SIGUSR1).unwrap());
    let Some(Report::Progress(second)) = kid.report() else {
        panic!("expected a progress answer")
    };
    assert!(first >= 1 && second > first, "{first} then {second}");
    assert_eq!(
        terminate(&mut kid.child, GUARD).unwrap().1,
        Ending::Exited(EXIT_STOPPED)
    );
}

#[test]
fn unsignalled_child_finishes_with_twice_the_value() {
    let mut kid = Kid::start(&["--steps", "3", "--max-sleep-ms", "1"]);
    assert_eq!(kid.report(), Some(Report::Done(9.0)));
    assert_eq!(kid.report(), None);
    assert_eq!(
        wait_timeout(&mut kid.child, GUARD).unwrap(),
        Some(Ending::Exited(0))
    );
    assert!(
        !send_signal(&mut kid.child, Signal::SIGTERM).unwrap(),
        "reaped: never signalled"
    );
}

#[test]
fn crash_at_aborts_the_child() {
    let mut kid =
        Kid::start(&["--steps", "5", "--max-sleep-ms", "1", "--crash-at", "2"]);
    assert_eq!(kid.report(), None);
    assert_eq!(
        wait_timeout(&mut kid.child, GUARD).unwrap(),
        Some(Ending::Killed(libc::SIGABRT))
    );
}
