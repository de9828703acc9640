//! Exercise 1: start several commands at once, then join each one and say how it ended.
//!
//! Python would start each `Process`, then `join()` each one and read its `exitcode`.
//! Here every command is started before the first join, so they all run together, and
//! each line of the report names the child, its pid and how it ended: an exit code or a
//! signal ([`Exit`]'s `Display` says which). If a command cannot be started, no child
//! started before it may be left running.

use process_basics::{Child, Exit};
use std::io;
use std::process::Command;

// ANCHOR: run_all
/// Starts every command, then joins each one; returns one line per child, such as
/// `child 1 (pid 4242) exited with code 3`. An error if a command cannot be started.
pub fn run_all(commands: Vec<Command>) -> io::Result<Vec<String>> {
    // TODO: start every command with `Child::spawn` (stop at the first error: the
    // children already started must not be left running), then `join` each child and
    // describe how it ended, with its index and its `pid()`.
    // SOLUTION
    // `collect` stops at the first error and drops the children started so far: the
    // lesson's `Child` kills and reaps its child when dropped (std's does neither).
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
    // END SOLUTION
}
// ANCHOR_END: run_all

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::sync::mpsc;
    use std::time::Duration;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn each_child_is_reported_with_its_exit_code_or_signal() {
        let commands = vec![sh("exit 0"), sh("exit 3"), sh("kill -KILL $$")];
        let report = run_all(commands).unwrap();
        assert_eq!(report.len(), 3, "{report:?}");
        let ends = [
            ") exited with code 0",
            ") exited with code 3",
            ") was killed by signal 9 (SIGKILL)",
        ];
        for (index, (line, end)) in report.iter().zip(ends).enumerate() {
            assert!(line.starts_with(&format!("child {index} (pid ")), "{line}");
            assert!(line.ends_with(end), "{line}");
        }
    }

    #[test]
    fn every_child_is_started_before_the_first_join() {
        // Child 0 waits for a file that child 1 creates: joining child 0 before child
        // 1 is started would wait for ever (here, 10 s, then exit code 7).
        let path =
            std::env::temp_dir().join(format!("ex1-started-{}", std::process::id()));
        let flag = path.display();
        let waits = format!(
            "i=0; until [ -e {flag} ]; do \
             i=$((i+1)); [ $i -gt 100 ] && exit 7; sleep 0.1; done"
        );
        let report = run_all(vec![sh(&waits), sh(&format!("touch {flag}"))]);
        let _ = std::fs::remove_file(&path);
        let report = report.unwrap();
        for line in &report {
            assert!(line.ends_with(") exited with code 0"), "{report:?}");
        }
    }

    #[test]
    fn a_command_that_cannot_start_leaves_no_child_running() {
        // The first child holds the write end of a pipe as its stderr. Once it is gone,
        // the pipe ends; had it been left running, it would hold the pipe for 30 s.
        let (mut reader, writer) = io::pipe().unwrap();
        let mut sleeper = Command::new("sleep");
        sleeper.arg("30").stderr(writer);
        let missing = Command::new("/nonexistent/program");
        assert!(run_all(vec![sleeper, missing]).is_err());

        let (done, ended) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = reader.read_to_end(&mut Vec::new());
            let _ = done.send(());
        });
        // 10 s is only a hang guard: a killed child closes the pipe at once.
        let gone = ended.recv_timeout(Duration::from_secs(10));
        assert!(gone.is_ok(), "the child started first is still running");
    }
}
