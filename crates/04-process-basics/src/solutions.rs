//! Solutions to the exercises at the end of the chapter.

use crate::{Child, Exit};
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

// ANCHOR: run_all
/// Exercise 1: start every command at once, then join each one and say how it ended.
///
/// All children run together, since the joins only start once every child is started.
/// If a start fails, the children already started are dropped, and [`Child`]'s `Drop`
/// kills and reaps them.
pub fn run_all(commands: Vec<Command>) -> io::Result<Vec<String>> {
    let mut children = commands
        .into_iter()
        .map(Child::spawn)
        .collect::<io::Result<Vec<Child>>>()?;
    let mut report = Vec::new();
    for (index, child) in children.iter_mut().enumerate() {
        let exit: Exit = child.join()?;
        report.push(format!("child {index} (pid {}) {exit}", child.pid()));
    }
    Ok(report)
}
// ANCHOR_END: run_all

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

/// Exercise 2: `join` with a timeout. Ask with `try_wait` until the deadline; then kill
/// the child and reap it, so that no zombie is left.
pub fn join_timeout(
    child: &mut std::process::Child,
    timeout: Duration,
) -> io::Result<Joined> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Joined::Exited(status));
        }
        let now = Instant::now();
        if now >= deadline {
            child.kill()?;
            return Ok(Joined::TimedOut(child.wait()?));
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(10)));
    }
}
// ANCHOR_END: join_timeout

// ANCHOR: describe
/// Exercise 3: exit code or signal? `code()` is `None` when a signal ended the process,
/// and `ExitStatusExt::signal()` says which one.
///
/// Beware a shell in between: a shell whose command was killed by signal N exits
/// normally, with code 128 + N, so the caller sees an exit code, not a signal.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => {
            let core = if status.core_dumped() {
                ", core dumped"
            } else {
                ""
            };
            format!("killed by signal {signal}{core}")
        }
        (None, None) => format!("{status}"),
    }
}
// ANCHOR_END: describe

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn run_all_reports_each_child() {
        let report =
            run_all(vec![sh("exit 0"), sh("exit 3"), sh("kill -KILL $$")]).unwrap();
        assert_eq!(report.len(), 3);
        assert!(report[0].ends_with(") exited with code 0"), "{report:?}");
        assert!(report[1].ends_with(") exited with code 3"), "{report:?}");
        assert!(
            report[2].ends_with(") was killed by signal 9 (SIGKILL)"),
            "{report:?}"
        );
    }

    #[test]
    fn run_all_fails_cleanly_when_a_command_cannot_start() {
        let missing = Command::new("/nonexistent/program");
        assert!(run_all(vec![sh("sleep 30"), missing]).is_err());
    }

    #[test]
    fn join_timeout_returns_a_quick_child() {
        let mut child = Command::new("true").spawn().unwrap();
        // 10 s is only a hang guard: `true` ends at once.
        match join_timeout(&mut child, Duration::from_secs(10)).unwrap() {
            Joined::Exited(status) => assert!(status.success()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn join_timeout_kills_and_reaps_a_slow_child() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        match join_timeout(&mut child, Duration::from_millis(100)).unwrap() {
            Joined::TimedOut(status) => {
                assert_eq!(status.signal(), Some(libc::SIGKILL))
            }
            other => panic!("{other:?}"),
        }
        // Reaped: asking again gives the same status, and no zombie remains.
        assert!(child.try_wait().unwrap().is_some());
    }

    #[test]
    fn describe_tells_code_from_signal() {
        assert_eq!(describe(sh("exit 3").status().unwrap()), "exit code 3");
        assert_eq!(
            describe(sh("kill -TERM $$").status().unwrap()),
            "killed by signal 15"
        );
        // The inner shell dies by SIGTERM; the outer one reports exit code 128 + 15.
        let wrapped = sh("sh -c 'kill -TERM $$'; exit $?").status().unwrap();
        assert_eq!(describe(wrapped), "exit code 143");
    }
}
