//! Two small helpers for the processes of this lesson, kept here so the lesson stands
//! alone (a later lesson that needs them repeats them):
//!
//! - [`unique_shm_name`]: a shared-memory name is a system-wide resource, taught here;
//! - [`die_with_parent`]: children that end when their parent does, first taught in
//!   lesson 4 (process-basics). This lesson's children call it themselves, once the
//!   setup in [`crate::setup`] no longer needs them to outlive the parent.

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, getpid, getppid};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

// ANCHOR: unique_shm_name
/// A shared-memory name unique to this process: `/shmem_<tag>_<pid>_<n>`.
///
/// One leading `/` and no other, as `shm_open` wants on every system; short, because
/// macOS refuses names over 31 bytes. The pid tells whose a leftover file in `/dev/shm`
/// is; the counter tells apart the names one process makes.
pub fn unique_shm_name(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("/shmem_{tag}_{}_{n}", std::process::id())
}
// ANCHOR_END: unique_shm_name

// ANCHOR: die_with_parent
/// Called in a child: from now on, die (by SIGKILL) when `parent` does, even if it is
/// killed by SIGKILL itself and so cleans up nothing.
///
/// Linux asks the kernel (`PR_SET_PDEATHSIG`). macOS has no such request, so a thread
/// asks for the parent's pid ten times a second: an orphan's parent becomes another
/// process. Either way, the parent may already be gone before this runs; then no signal
/// comes, and the final check finds it.
pub fn die_with_parent(parent: Pid) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
    #[cfg(not(target_os = "linux"))]
    std::thread::Builder::new().spawn(move || {
        while getppid() == parent {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = kill(getpid(), Signal::SIGKILL);
    })?; // `thread::spawn` would panic if the system refused the thread
    if getppid() != parent {
        kill(getpid(), Signal::SIGKILL)?;
    }
    Ok(())
}
// ANCHOR_END: die_with_parent

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_short_and_carry_our_pid() {
        let a = unique_shm_name("value");
        let b = unique_shm_name("value");
        assert_ne!(a, b);
        assert!(
            a.starts_with(&format!("/shmem_value_{}_", std::process::id())),
            "{a}"
        );
        assert_eq!(a.matches('/').count(), 1);
        assert!(a.len() <= 31, "{a} is too long for macOS");
    }
}
