//! Exercise 2: one grace period for many children. Calling `terminate` on each child in
//! turn can take one whole grace period per stubborn child. `terminate_all` sends
//! SIGTERM to every child first, waits until one deadline shared by all, SIGKILLs
//! whoever is left, and returns how each ended. A child already reaped must not be
//! signalled: its PID may belong to a stranger by now.

use nix::sys::signal::Signal;
use std::io;
use std::process::Child;
use std::time::{Duration, Instant};
use stop_and_signal::{Ending, send_signal, terminate, wait_timeout};

// ANCHOR: terminate_all
/// Stops every child, politely if it can, by force once the shared `grace` is over,
/// and reaps each one; how each ended, in the order of `children`.
pub fn terminate_all(
    children: &mut [Child],
    grace: Duration,
) -> io::Result<Vec<Ending>> {
    // TODO: SIGTERM to everyone first (`send_signal` skips a reaped child), then wait
    // for each with what is left of one shared deadline (`wait_timeout`); a child still
    // running after it gets SIGKILL with no more waiting (`terminate` with no grace).
    // SOLUTION
    for child in children.iter_mut() {
        send_signal(child, Signal::SIGTERM)?;
    }
    let deadline = Instant::now() + grace;
    let mut endings = Vec::with_capacity(children.len());
    for child in children.iter_mut() {
        let left = deadline.saturating_duration_since(Instant::now());
        let ending = match wait_timeout(child, left)? {
            Some(ending) => ending,
            // The shared grace is over: no more waiting, straight to SIGKILL.
            None => terminate(child, Duration::ZERO)?.1,
        };
        endings.push(ending);
    }
    Ok(endings)
    // END SOLUTION
}
// ANCHOR_END: terminate_all

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};
    use stop_and_signal::{Lines, Next};

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    /// Runs `script` in a shell whose stdout we read; it dies with this test.
    fn sh(script: &str) -> Child {
        let mut command = Command::new("/bin/sh");
        command
            .args(["-c", script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        stop_and_signal::child::die_with_parent(&mut command);
        command.spawn().expect("/bin/sh starts")
    }

    /// A child that ignores SIGTERM: `trap '' TERM` ignores it, and `exec` keeps that
    /// for `sleep`. It says "ready" once the trap is set, and we wait for that, so
    /// that our SIGTERM cannot come before it.
    fn stubborn() -> Child {
        let mut child = sh("trap '' TERM; echo ready; exec sleep 60");
        let mut lines = Lines::new(child.stdout.take().unwrap());
        assert_eq!(lines.next(HANG_GUARD).unwrap(), Next::Line("ready".into()));
        child
    }

    /// Children of this test, killed and reaped even when an assertion fails.
    struct Children(Vec<Child>);

    impl Drop for Children {
        fn drop(&mut self) {
            for child in &mut self.0 {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    #[test]
    fn the_polite_are_termed_the_stubborn_killed_and_the_ended_left_alone() {
        let polite = sh("exec sleep 60");
        let mut ended = sh("exit 4");
        ended.wait().unwrap(); // reaped: its PID is no longer its own
        let mut children = Children(vec![polite, stubborn(), ended, stubborn()]);

        // The polite child dies of SIGTERM at once. The grace is the hang guard, so
        // that even a machine too busy to run it for a while reports that, and not a
        // SIGKILL. The stubborn ones wait it out: this test takes the whole grace.
        let grace = HANG_GUARD;
        let start = Instant::now();
        let endings = terminate_all(&mut children.0, grace).unwrap();
        let took = start.elapsed();
        assert_eq!(
            endings,
            [
                Ending::Killed(libc::SIGTERM),
                Ending::Killed(libc::SIGKILL),
                Ending::Exited(4),
                Ending::Killed(libc::SIGKILL),
            ]
        );
        // Two stubborn children, one grace period: a grace each would take twice as
        // long. (Half a grace, 5 s, is the margin for a slow machine.)
        assert!(took < grace * 3 / 2, "two stubborn children took {took:?}");
    }

    #[test]
    fn polite_children_end_the_wait_early() {
        let mut children = Children(vec![sh("exec sleep 60"), sh("exec sleep 60")]);
        let start = Instant::now();
        let endings = terminate_all(&mut children.0, HANG_GUARD).unwrap();
        assert_eq!(endings, [Ending::Killed(libc::SIGTERM); 2]);
        // The grace period is how long a child *may* take, not a sleep.
        let took = start.elapsed();
        assert!(took < HANG_GUARD / 2, "two polite children took {took:?}");
    }
}
