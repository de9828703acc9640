//! Starting a copy of this program as a worker that dies with its parent.
//!
//! Lesson 4 (process-basics) teaches these few lines; lessons stand alone, so this one
//! keeps its own copy rather than import them. Two halves: the parent's,
//! [`die_with_parent`], asks the kernel for help where there is any (Linux's
//! `PR_SET_PDEATHSIG`) and tells the child who its parent is; the child's,
//! [`exit_with_parent`], watches that parent from a thread: the only way on macOS.

use std::os::unix::process::parent_id;
use std::process::Command;
use std::thread;
use std::time::Duration;

/// The environment variable through which [`die_with_parent`] tells the child its
/// parent's pid, for [`exit_with_parent`].
pub const PARENT_PID_VAR: &str = "PROCESS_POOL_PARENT_PID";

/// How often [`exit_with_parent`]'s thread looks whether the parent is still there.
pub const PARENT_POLL: Duration = Duration::from_millis(50);

/// A `Command` that runs `program` (for a pool, this program: `current_exe()`), set up
/// to die with us (see [`die_with_parent`]); the caller adds the worker's arguments.
pub fn self_command(program: &std::path::Path) -> Command {
    let mut command = Command::new(program);
    die_with_parent(&mut command);
    command
}

// ANCHOR: die_with_parent
/// The parent's half: the child started by `command` is to die when we die, even by
/// SIGKILL, which runs no handler of ours. It learns our pid for its own half
/// ([`exit_with_parent`]); on Linux the kernel also kills it the moment we die.
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    let parent = std::process::id();
    command.env(PARENT_PID_VAR, parent.to_string());
    #[cfg(target_os = "linux")]
    {
        use std::io;
        use std::os::unix::process::CommandExt;
        let hook = move || {
            // SAFETY: prctl and getppid are async-signal-safe system calls; they
            // allocate nothing and take no lock, as code between fork and exec must.
            unsafe {
                // The "parent" here is the *thread* that spawns: the pool spawns from
                // its manager thread, which lives exactly as long as the pool.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(io::Error::last_os_error());
                }
                if libc::getppid() as u32 != parent {
                    // We died before prctl ran: no signal will come. Fail the spawn.
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
            }
            Ok(())
        };
        // SAFETY: the hook runs in the child between fork and exec, and does only
        // async-signal-safe work (see above).
        unsafe { command.pre_exec(hook) };
    }
    command
}
// ANCHOR_END: die_with_parent

/// The child's half, called first thing in a worker: exit once the parent that started
/// us is gone. An orphan is adopted by another process (init, launchd, a subreaper), so
/// our parent pid changes; a thread looks every [`PARENT_POLL`].
///
/// On macOS this is the only guard. On Linux `PR_SET_PDEATHSIG` acts first; the thread
/// runs there too, as a second line, and so that tests on Linux check the macOS way.
pub fn exit_with_parent() {
    let parent = std::env::var(PARENT_PID_VAR)
        .ok()
        .and_then(|p| p.parse().ok());
    // Started by hand, without the variable: watch whoever our parent is now.
    let parent = parent.unwrap_or_else(parent_id);
    thread::spawn(move || {
        while parent_id() == parent {
            thread::sleep(PARENT_POLL);
        }
        std::process::exit(1);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_started_with_die_with_parent_knows_its_parent() {
        let mut command = Command::new("sh");
        command.args(["-c", &format!("test \"${PARENT_PID_VAR}\" = \"$PPID\"")]);
        die_with_parent(&mut command);
        assert!(command.status().unwrap().success());
    }
}
