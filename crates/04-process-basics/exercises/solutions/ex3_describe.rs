//! Exercise 3: exit code or signal?
//!
//! Python folds both into `exitcode`: `3` for `exit(3)`, `-15` for a death by SIGTERM.
//! std keeps them apart in an `ExitStatus`: `code()` is `None` when a signal ended the
//! process, and on Unix `ExitStatusExt::signal()` says which one. Say which it was.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

// ANCHOR: describe
/// `exit code N`, or `killed by signal N` (with `, core dumped` when the kernel wrote a
/// core file).
pub fn describe(status: ExitStatus) -> String {
    // TODO: match on `status.code()` and `status.signal()`; `status.core_dumped()`
    // says whether a core file was written.
    // SOLUTION
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
        // Neither: a stopped process (only reported when asked for).
        (None, None) => format!("{status}"),
    }
    // END SOLUTION
}
// ANCHOR_END: describe

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn sh(script: &str) -> ExitStatus {
        Command::new("sh").args(["-c", script]).status().unwrap()
    }

    #[test]
    fn an_exit_code_is_a_code() {
        assert_eq!(describe(sh("exit 0")), "exit code 0");
        assert_eq!(describe(sh("exit 3")), "exit code 3");
    }

    #[test]
    fn a_death_by_signal_is_a_signal() {
        assert_eq!(describe(sh("kill -TERM $$")), "killed by signal 15");
        assert_eq!(describe(sh("kill -KILL $$")), "killed by signal 9");
    }

    #[test]
    fn a_core_dump_is_named() {
        // The raw `wait` status of a SIGABRT that dumped core (bit 0x80 set).
        let status = ExitStatus::from_raw(libc::SIGABRT | 0x80);
        assert_eq!(describe(status), "killed by signal 6, core dumped");
    }

    #[test]
    fn a_shell_in_between_turns_the_signal_into_an_exit_code() {
        // The inner shell dies of SIGTERM; the outer one exits with 128 + 15.
        assert_eq!(
            describe(sh("sh -c 'kill -TERM $$'; exit $?")),
            "exit code 143"
        );
    }
}
