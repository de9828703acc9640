//! Starting a copy of this program as a child that dies with its parent (Python's
//! "spawn" start method). Lesson 4 (process-basics) teaches it; lessons stand alone, so
//! this one keeps its own copy of these few lines rather than import them.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The variable through which a child learns which process started it.
const PARENT_PID: &str = "PROCESS_QUEUE_PARENT_PID";

/// A `Command` that runs this same program again; the caller adds the child's
/// arguments. The child is set up to die with its parent (see [`die_with_parent`]).
pub fn self_command() -> io::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    die_with_parent(&mut command);
    Ok(command)
}

/// Makes the child started by `command` end when its parent dies, even by SIGKILL,
/// which runs no handler and so cannot clean up.
///
/// On Linux the kernel sends the child SIGKILL (`PR_SET_PDEATHSIG`). The "parent" is
/// the *thread* that spawned the child: spawn children from a thread that outlives them
/// (here, always the main thread). Other systems have no such call: there the child
/// asks [`parent_is_gone`] between steps, and a send into a queue whose reader is gone
/// fails.
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    let parent = std::process::id();
    command.env(PARENT_PID, parent.to_string());
    let hook = move || {
        // SAFETY: prctl and getppid are async-signal-safe system calls; they allocate
        // nothing and take no locks, as code between fork and exec must.
        unsafe {
            #[cfg(target_os = "linux")]
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died before this point, and then no signal ever
            // comes.
            if libc::getppid() as u32 != parent {
                // The spawn fails instead of leaving an orphan.
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
        }
        Ok(())
    };
    // SAFETY: the hook runs in the child between fork and exec, and does only
    // async-signal-safe work (see above).
    unsafe { command.pre_exec(hook) }
}

/// In a child started by [`self_command`]: true once the parent that started it has
/// died (the child then has another parent, the process that adopts orphans). Always
/// false in a process that was not started that way.
pub fn parent_is_gone() -> bool {
    std::env::var(PARENT_PID)
        .ok()
        .and_then(|pid| pid.parse::<u32>().ok())
        .is_some_and(|parent| parent != std::os::unix::process::parent_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_knows_its_parent_is_alive() {
        let mut command = Command::new("sh");
        let out = die_with_parent(&mut command)
            .args(["-c", "echo $PROCESS_QUEUE_PARENT_PID $PPID"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let (told, real) = text.trim().split_once(' ').unwrap();
        assert_eq!(told, real);
        assert!(
            !parent_is_gone(),
            "this test process was not started as a child"
        );
    }
}
