//! Starting a copy of this program as a child process (Python's "spawn" start method), so
//! that the child dies with its parent.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

// ANCHOR: self_command
/// A `Command` that runs this same program again; the caller adds the hidden child-role
/// arguments. The child is set up to die with its parent (see [`die_with_parent`]).
pub fn self_command() -> io::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    die_with_parent(&mut command);
    Ok(command)
}
// ANCHOR_END: self_command

// ANCHOR: die_with_parent
/// Makes the child started by `command` receive SIGKILL when its parent dies, even by
/// SIGKILL, which runs no handler and so cannot clean up.
///
/// Two Linux details matter:
/// - the "parent" is the *thread* that spawned the child: spawn children from a thread that
///   outlives them (here, always the main thread);
/// - the parent can die before `prctl` runs, and then no signal ever comes, so the child
///   checks that its parent is still the process that started it.
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    let parent = std::process::id() as libc::pid_t;
    let hook = move || {
        // SAFETY: prctl and getppid are async-signal-safe system calls; they allocate
        // nothing and take no locks, as code between fork and exec must.
        unsafe {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                // The parent is already gone: the spawn fails instead of leaving an orphan.
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
        }
        Ok(())
    };
    // SAFETY: the hook runs in the child between fork and exec, and does only
    // async-signal-safe work (see above).
    unsafe { command.pre_exec(hook) }
}
// ANCHOR_END: die_with_parent

/// A shared-memory name unique to this process: `/shmem_<tag>_<pid>_<n>`.
///
/// The pid in the name lets a test (or a person) tell whose segment a leftover
/// `/dev/shm/shmem_*` file was.
pub fn unique_shm_name(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("/shmem_{tag}_{}_{n}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shm_names_are_unique_and_carry_the_pid() {
        let a = unique_shm_name("t");
        let b = unique_shm_name("t");
        assert_ne!(a, b);
        assert!(
            a.starts_with(&format!("/shmem_t_{}_", std::process::id())),
            "{a}"
        );
    }

    #[test]
    fn child_started_with_die_with_parent_runs() {
        let mut command = Command::new("true");
        die_with_parent(&mut command);
        assert!(command.status().unwrap().success());
    }
}
