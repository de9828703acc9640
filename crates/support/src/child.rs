//! Starting a copy of this program as a child process (Python's "spawn" start method),
//! so that the child dies with its parent; and a [`Guardian`], the one process that
//! must not.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
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
/// - the "parent" is the *thread* that spawned the child: spawn children from a thread
///   that outlives them (here, always the main thread);
/// - the parent can die before `prctl` runs, and then no signal ever comes, so the
///   child checks that its parent is still the process that started it.
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
                // The parent is already gone: the spawn fails instead of leaving an
                // orphan.
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

/// A tiny process that removes some paths (a shared-memory name, a lock file) if this
/// process dies before it has removed them itself, even by SIGKILL, which runs no
/// handler.
///
/// Start it *before* creating the paths, keep it while they exist, and [`dismiss`] it
/// once you have unlinked them (dropping it dismisses it too). It works through a pipe:
/// the guardian blocks reading its end until end-of-file, which comes when our write
/// end is closed, on purpose ([`dismiss`]) or by the kernel as this process dies; then
/// it unlinks every path (a missing one is fine) and exits.
///
/// The guardian does not die with us (no `PR_SET_PDEATHSIG`: that is the point). It
/// lives in a process group of its own, so that a signal to our whole group (Ctrl-C in
/// a terminal, `kill -9 -PGID`) does not reach it while it may still be needed, and it
/// ignores SIGINT, SIGQUIT, SIGTERM and SIGHUP sent to it by pid or by name (it is a
/// copy of our program, so `pkill` matches it too); we handle Ctrl-C ourselves. It
/// holds no descriptor but its end of the pipe, so it keeps no other pipe of ours open.
/// Our write end is close-on-exec: the children we spawn do not hold it, so they cannot
/// delay the end-of-file. If we die, the orphaned guardian is reaped by whoever adopts
/// it (init, or a subreaper).
///
/// # Unlinking a name that is already gone
///
/// On a [`dismiss`] the guardian cannot tell "done" from "died": it unlinks the paths
/// again, after we did. That is harmless because the paths are names that only we make
/// and never reuse: [`unique_shm_name`] puts our pid and a counter that only grows into
/// each name, and no other process can hold our pid while we live. [`dismiss`] waits
/// for the guardian to exit, so its unlinks all happen while we are alive; it finds
/// nothing (ENOENT) and removes no one else's file. (After a real death, another
/// process could in theory get our pid and make the same name before the guardian runs;
/// that needs the pids to wrap around within the moment between our death and the
/// guardian's unlink.)
///
/// [`dismiss`]: Guardian::dismiss
#[derive(Debug)]
pub struct Guardian {
    pid: libc::pid_t,
    /// Our end of the pipe; closing it is what sets the guardian off.
    write_end: Option<OwnedFd>,
}

impl Guardian {
    /// Forks a guardian for `paths` (e.g. `/dev/shm/<name>` for the shared-memory name
    /// `/<name>`, and a lock file). Safe to call from a program with threads: the child
    /// makes only async-signal-safe calls, on data prepared before the fork.
    pub fn start(paths: &[PathBuf]) -> io::Result<Guardian> {
        let owned = paths
            .iter()
            .map(|path| CString::new(path.as_os_str().as_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        let paths: Vec<*const libc::c_char> =
            owned.iter().map(|p| p.as_ptr()).collect();
        let fd_limit = open_files_limit();
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe2 just opened both descriptors, and nothing else owns them.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // Signals stay blocked in this thread across the fork, so the child gets them
        // blocked too until it has chosen to ignore them: a Ctrl-C cannot kill it in
        // between. SAFETY: an all-zero sigset_t is a valid (empty) set.
        let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above; sigfillset and pthread_sigmask write into the sets we pass.
        unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
        }
        // SAFETY: the child branch runs `guard`, which makes only async-signal-safe
        // calls and never returns.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: we are the freshly forked child; `paths` and `old` were prepared
            // before the fork, and the CStrings they point into are still alive in our
            // copy.
            unsafe { guard(read_end.as_raw_fd(), &paths, &old, fd_limit) }
        }
        let fork_error = io::Error::last_os_error();
        // SAFETY: restores the mask saved above.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
        if pid == -1 {
            return Err(fork_error);
        }
        // The child moves to a group of its own too; doing it here as well means it has
        // moved before we return, so before the caller creates anything. (Both calls
        // ask for the same group, so whichever comes second changes nothing.) SAFETY:
        // plain system call on our own child, which never calls exec.
        unsafe { libc::setpgid(pid, pid) };
        drop(read_end);
        Ok(Guardian {
            pid,
            write_end: Some(write_end),
        })
    }

    /// The guardian's process id.
    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// Lets the guardian go, once the paths have been removed: closes our end of the
    /// pipe, so the guardian unlinks the (already missing) paths and exits, and reaps
    /// it, so no zombie is left. Dropping a `Guardian` does the same.
    pub fn dismiss(mut self) -> io::Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.write_end.take().is_none() {
            return Ok(());
        }
        loop {
            // SAFETY: waitpid on our own child; `status` may be null.
            let pid = unsafe { libc::waitpid(self.pid, std::ptr::null_mut(), 0) };
            if pid != -1 {
                return Ok(());
            }
            let error = io::Error::last_os_error();
            match error.raw_os_error() {
                Some(libc::EINTR) => continue,
                // Someone else reaped it (or SIGCHLD is ignored): it has ended all the
                // same.
                Some(libc::ECHILD) => return Ok(()),
                _ => return Err(error),
            }
        }
    }
}

impl Drop for Guardian {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// The guardian's life, in the forked child. Only async-signal-safe calls: the parent
/// may have had other threads, holding locks (the allocator's, say) that no thread here
/// will ever release.
///
/// # Safety
///
/// Call only in a freshly forked child; `paths` must point to NUL-terminated strings.
unsafe fn guard(
    read_fd: libc::c_int,
    paths: &[*const libc::c_char],
    mask: &libc::sigset_t,
    fd_limit: libc::c_int,
) -> ! {
    // SAFETY: dup2, close_range, close, setpgid, sigaction, pthread_sigmask, read,
    // unlink and _exit are async-signal-safe system calls on data prepared before the
    // fork.
    unsafe {
        // Keep only our end of the pipe, as descriptor 0: a copy of any other
        // descriptor (a pipe a test or a caller waits on for end-of-file, our own write
        // end) would hold it open.
        libc::dup2(read_fd, 0);
        close_from(1, fd_limit);
        libc::setpgid(0, 0);
        let mut ignore: libc::sigaction = std::mem::zeroed();
        ignore.sa_sigaction = libc::SIG_IGN;
        for signal in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaction(signal, &ignore, std::ptr::null_mut());
        }
        // Ignored signals that came while blocked are discarded now.
        libc::pthread_sigmask(libc::SIG_SETMASK, mask, std::ptr::null_mut());
        let mut buf = [0u8; 16];
        loop {
            let n = libc::read(0, buf.as_mut_ptr().cast(), buf.len());
            if n == 0 {
                break; // end-of-file: the parent is done, or dead
            }
            if n == -1 && *libc::__errno_location() != libc::EINTR {
                libc::_exit(1); // cannot tell whether the parent is gone: remove nothing
            }
        }
        for &path in paths {
            libc::unlink(path); // ENOENT: the parent removed it already
        }
        libc::_exit(0)
    }
}

/// Closes every descriptor from `first` up: with one `close_range`, or, where that call
/// is missing (Linux before 5.9) or refused (a seccomp filter), one by one below
/// `fd_limit` (from [`open_files_limit`], read before the fork). Async-signal-safe.
///
/// # Safety
///
/// Call only in a forked child that owns nothing from `first` up: Rust code that still
/// holds one of those descriptors would go on using a closed (or reused) number.
pub(crate) unsafe fn close_from(first: libc::c_int, fd_limit: libc::c_int) {
    // SAFETY: plain system calls; the caller owns nothing they close.
    unsafe {
        if libc::syscall(libc::SYS_close_range, first as libc::c_uint, u32::MAX, 0u32)
            == -1
        {
            for fd in first..fd_limit {
                libc::close(fd);
            }
        }
    }
}

/// The soft limit on open descriptors (capped): no descriptor of ours is at or above
/// it.
pub(crate) fn open_files_limit() -> libc::c_int {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == -1 {
        return 1024;
    }
    limit.rlim_cur.min(1 << 20) as libc::c_int
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

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

    /// Files for a guardian to watch over, in the temporary directory.
    fn files(tag: &str, count: usize) -> Vec<PathBuf> {
        (0..count)
            .map(|i| {
                let name = format!("guardian-{tag}-{}-{i}", std::process::id());
                let path = std::env::temp_dir().join(name);
                std::fs::write(&path, b"x").unwrap();
                path
            })
            .collect()
    }

    /// Reaps the guardian `pid` (10 s hang guard) and returns its raw wait status.
    fn reap(pid: libc::pid_t) -> libc::c_int {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut status = 0;
            // SAFETY: waitpid on our own child, without blocking.
            let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            assert_ne!(reaped, -1, "{}", io::Error::last_os_error());
            if reaped == pid {
                return status;
            }
            assert!(Instant::now() < deadline, "the guardian never ended");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// What the kernel does when the parent dies, SIGKILL or not: it closes the write
    /// end. The guardian must then remove every path, and exit 0.
    #[test]
    fn a_guardian_whose_parent_is_gone_removes_its_files() {
        let paths = files("gone", 2);
        let mut guardian = Guardian::start(&paths).unwrap();
        drop(guardian.write_end.take()); // as if we had died
        let status = reap(guardian.pid());
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{status:#x}"
        );
        for path in &paths {
            assert!(!path.exists(), "{} left", path.display());
        }
    }

    /// A Ctrl-C to the process group (or a SIGTERM, SIGHUP, SIGQUIT) reaches the
    /// guardian too; it must stay to do its job.
    #[test]
    fn a_guardian_outlives_the_signals_that_stop_its_parent() {
        let paths = files("signals", 1);
        let mut guardian = Guardian::start(&paths).unwrap();
        for signal in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: plain system call to our own child, not yet reaped.
            assert_eq!(unsafe { libc::kill(guardian.pid(), signal) }, 0);
        }
        drop(guardian.write_end.take());
        let status = reap(guardian.pid());
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{status:#x}"
        );
        assert!(!paths[0].exists());
    }

    /// A signal to our whole process group (Ctrl-C, `kill -9 -PGID`) must miss the
    /// guardian: as soon as `start` returns, it leads a group of its own.
    #[test]
    fn a_guardian_is_not_in_its_parents_process_group() {
        let guardian = Guardian::start(&[]).unwrap();
        // SAFETY: plain system calls on ourselves and our own child.
        let (ours, its) = unsafe { (libc::getpgid(0), libc::getpgid(guardian.pid())) };
        assert_eq!(its, guardian.pid());
        assert_ne!(its, ours);
        guardian.dismiss().unwrap();
    }

    #[test]
    fn a_dismissed_guardian_leaves_nothing_running() {
        let paths = files("dismissed", 1);
        let guardian = Guardian::start(&paths).unwrap();
        let pid = guardian.pid();
        std::fs::remove_file(&paths[0]).unwrap(); // the owner unlinks, then dismisses
        guardian.dismiss().unwrap();
        // Already reaped by `dismiss`: no zombie left for us.
        // SAFETY: waitpid on a pid that was our child, without blocking.
        let reaped = unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
        assert_eq!(reaped, -1);
        assert_eq!(
            io::Error::last_os_error().raw_os_error(),
            Some(libc::ECHILD)
        );
    }

    /// The guardian keeps no copy of our other descriptors: the write end of a pipe we
    /// close is really closed, and its reader sees end-of-file while the guardian still
    /// runs.
    #[test]
    fn a_guardian_holds_no_other_descriptor() {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: pipe2 just opened both, and nothing else owns them.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let guardian = Guardian::start(&[]).unwrap();
        drop(write_end);
        let mut poll = libc::pollfd {
            fd: read_end.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; 10 s is the hang guard.
        let ready = unsafe { libc::poll(&mut poll, 1, 10_000) };
        if ready != 1 {
            // A guardian holding copies would hold its own write end too, and never
            // end. SAFETY: plain system call to our own child, not yet reaped.
            unsafe { libc::kill(guardian.pid(), libc::SIGKILL) };
            panic!("the pipe stayed open: the guardian holds its write end");
        }
        assert_ne!(poll.revents & libc::POLLHUP, 0);
        guardian.dismiss().unwrap();
    }

    /// Our write end is close-on-exec: a child we start after the guardian does not
    /// hold it, so dismissing the guardian does not wait for that child.
    #[test]
    fn children_started_later_do_not_delay_the_dismissal() {
        let guardian = Guardian::start(&[]).unwrap();
        let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
        let (done, dismissed) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(guardian.dismiss().is_ok()));
        let outcome = dismissed.recv_timeout(Duration::from_secs(10));
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
        assert_eq!(outcome, Ok(true), "dismiss waited for the child");
    }
}
