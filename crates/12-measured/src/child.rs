//! Children of this harness: a copy of this program with a child role, or a Python
//! twin. Each dies with the harness, so an interrupted measurement leaves nothing
//! running. (Lesson 4 teaches this; a lesson repeats such a helper rather than import
//! it.)

use std::io;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A `Command` that runs this same program again and dies with us.
pub fn self_command() -> io::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    die_with_parent(&mut command);
    Ok(command)
}

/// On Linux, the child gets SIGKILL when we die (`PR_SET_PDEATHSIG`), and refuses to
/// start if we are already gone. Other systems have no such call; there the harness's
/// own Ctrl-C handling stops its children.
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id() as libc::pid_t;
        let hook = move || {
            // SAFETY: prctl and getppid are async-signal-safe system calls, as code
            // between fork and exec must be.
            unsafe {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
            }
            Ok(())
        };
        // SAFETY: the hook runs between fork and exec and is async-signal-safe (above).
        unsafe { command.pre_exec(hook) };
    }
    command
}

/// A shared-memory name unique to this process: `/shmem_<tag>_<pid>_<n>` (lesson 6).
pub fn unique_shm_name(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("/shmem_{tag}_{}_{n}", std::process::id())
}
