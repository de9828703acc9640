//! Starting a copy of this program as a child that dies with its parent.
//!
//! First taught in lesson 4 (process-basics); repeated here because lessons stand
//! alone.
//! The walkthrough runs each way of connecting in a fresh copy of itself, so that each
//! way's peak memory is its own, and a Ctrl-C or a `kill -9` of the parent must not
//! leave a client running.

use std::io;
#[cfg(target_os = "linux")]
use std::os::unix::process::CommandExt;
use std::process::Command;

/// A `Command` that runs this same program again (Python's "spawn"); the caller adds
/// the child-role arguments. The child dies with its parent (see [`die_with_parent`]).
pub fn self_command() -> io::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    die_with_parent(&mut command);
    Ok(command)
}

/// Makes the child started by `command` get SIGKILL when its parent dies, even by
/// SIGKILL, which runs no code in the parent and so cannot clean up. The "parent" is
/// the *thread* that spawned the child: spawn from a thread that outlives it.
#[cfg(target_os = "linux")]
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
                // The parent is already gone: fail the spawn, leave no orphan.
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
        }
        Ok(())
    };
    // SAFETY: the hook runs in the child between fork and exec, and does only
    // async-signal-safe work (see above).
    unsafe { command.pre_exec(hook) }
}

/// The variable that tells a child (on systems without `PR_SET_PDEATHSIG`) which
/// process must outlive it.
#[cfg(not(target_os = "linux"))]
const PARENT_VAR: &str = "ASYNC_CONNECTIONS_PARENT";

/// macOS (and every Unix but Linux) has no `PR_SET_PDEATHSIG`: the child is told its
/// parent's pid, and [`watch_parent`] ends it once its parent has changed.
#[cfg(not(target_os = "linux"))]
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    command.env(PARENT_VAR, std::process::id().to_string())
}

/// In a child started with [`die_with_parent`]: on macOS, starts a thread that polls
/// `getppid()` every 50 ms and ends this process once the parent is gone. On Linux the
/// kernel does that, and this does nothing.
pub fn watch_parent() {
    #[cfg(not(target_os = "linux"))]
    if let Some(parent) = std::env::var(PARENT_VAR)
        .ok()
        .and_then(|p| p.parse::<libc::pid_t>().ok())
    {
        std::thread::spawn(move || {
            // SAFETY: getppid cannot fail and touches no memory of ours.
            while unsafe { libc::getppid() } == parent {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            // SAFETY: raise sends a signal to this process; nothing else happens here.
            unsafe { libc::raise(libc::SIGKILL) };
        });
    }
}
