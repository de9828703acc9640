// Exercise: replace each `todo!()` with your code, then run
// `just exercise process-basics 2` (`just hint process-basics 2` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 2: `join` with a timeout, Python's `p.join(timeout)`.
//!
//! Python's `join(timeout)` returns after the timeout whether or not the child has
//! ended, and leaves it running. This one goes further, as a parent that must not wait
//! for ever does: once the time is up, it kills the child and reaps it, so that no
//! process and no zombie is left.

use std::io;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

// ANCHOR: join_timeout
/// How [`join_timeout`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Joined {
    /// The child ended by itself, in time.
    Exited(ExitStatus),
    /// Time ran out: the child was killed, then reaped; this is the status it ended
    /// with.
    TimedOut(ExitStatus),
}

/// Waits up to `timeout` for `child` to end; then kills it and reaps it.
pub fn join_timeout(child: &mut Child, timeout: Duration) -> io::Result<Joined> {
    // TODO: ask `child.try_wait()` again and again (sleeping a few ms in between)
    // until the child has ended or the deadline has passed; then `kill` it and `wait`
    // for it, which reaps it.
    todo!()
}
// ANCHOR_END: join_timeout

#[cfg(test)]
mod tests {
    use super::*;
    use nix::errno::Errno;
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};

    /// The lesson's own walkthrough, started as a program of its own.
    const LESSON: &str = env!("CARGO_BIN_EXE_process-basics");

    /// A run of the lesson that is killed and reaped when the test ends, even when
    /// `join_timeout` panics (the skeleton's `todo!()`): no test may leave it running.
    struct Run(std::process::Child);

    impl Run {
        fn start(args: &str) -> Run {
            let child = Command::new(LESSON)
                .args(args.split_whitespace())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            Run(child)
        }
    }

    impl Drop for Run {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    fn a_child_that_ends_in_time_is_joined() {
        let mut run = Run::start("--steps 3 --max-sleep-ms 1 --processes 1");
        // 10 s is only a hang guard: this run takes a few milliseconds.
        match join_timeout(&mut run.0, Duration::from_secs(10)).unwrap() {
            Joined::Exited(status) => assert!(status.success(), "{status}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_child_still_running_at_the_deadline_is_killed_and_reaped() {
        // About 40 s of work: the deadline comes first.
        let mut run =
            Run::start("--steps 400 --max-sleep-ms 200 --seed 7 --processes 1");
        let pid = Pid::from_raw(run.0.id() as i32);
        match join_timeout(&mut run.0, Duration::from_millis(200)).unwrap() {
            Joined::TimedOut(status) => {
                assert_eq!(status.signal(), Some(libc::SIGKILL), "{status}")
            }
            other => panic!("{other:?}"),
        }
        // Reaped: not even a zombie is left to receive a signal. (Its own child dies
        // with it: the lesson's step 1.)
        assert_eq!(kill(pid, None), Err(Errno::ESRCH));
    }
}
