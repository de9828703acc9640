//! Starting a copy of this program as a child that dies with its parent.
//!
//! First taught in lesson 4 (process-basics); repeated here because lessons stand alone
//! and this one leans on it: a walkthrough that a Ctrl-C or a `kill -9` ends must not
//! leave its children running.

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
/// SIGKILL, which runs no code in the parent and so cannot clean up.
///
/// Two Linux details matter:
/// - the "parent" is the *thread* that spawned the child: spawn children from a
///   thread that outlives them (here, always the main thread);
/// - the parent can die before `prctl` runs, and then no signal ever comes, so the
///   child checks that its parent is still the process that started it.
#[cfg(target_os = "linux")]
// ANCHOR: die_with_parent
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
// ANCHOR_END: die_with_parent

/// The name of the variable that tells a child (on systems without
/// `PR_SET_PDEATHSIG`) which process must outlive it.
#[cfg(not(target_os = "linux"))]
const PARENT_VAR: &str = "STOP_AND_SIGNAL_PARENT";

/// macOS (and every Unix but Linux) has no `PR_SET_PDEATHSIG`: the child is told its
/// parent's PID, and [`watch_parent`], which the child role calls first thing, ends it
/// when its parent has changed, that is, when the one that started it has died.
#[cfg(not(target_os = "linux"))]
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    command.env(PARENT_VAR, std::process::id().to_string())
}

/// In a child started with [`die_with_parent`]: on macOS, starts a thread that polls
/// `getppid()` every 50 ms and sends this process SIGKILL once the parent is gone.
/// On Linux the kernel does that, and this does nothing. Fails if the system refuses
/// the thread (a process limit).
pub fn watch_parent() -> io::Result<()> {
    #[cfg(not(target_os = "linux"))]
    if let Some(parent) = std::env::var(PARENT_VAR).ok().and_then(|p| p.parse().ok()) {
        use nix::sys::signal::{Signal, raise};
        use nix::unistd::{Pid, getppid};
        let parent = Pid::from_raw(parent);
        std::thread::Builder::new().spawn(move || {
            while getppid() == parent {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let _ = raise(Signal::SIGKILL);
        })?;
    }
    Ok(())
}
