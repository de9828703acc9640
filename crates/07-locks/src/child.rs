//! Children of our own binary that die with their parent, shared-memory names, and the
//! [`Guardian`]: the one process that must *not* die with its parent.
//!
//! [`self_command`] and [`die_with_parent`] repeat what lesson 4 (process-basics)
//! taught, and [`unique_shm_name`] what lesson 6 (shared-value) taught: lessons stand
//! alone, so each keeps its own ten-line copy. The guardian is this lesson's own idea.
//!
//! Linux and macOS: Linux has `PR_SET_PDEATHSIG` (the kernel kills the child when its
//! parent dies), `pipe2` and `close_range`; macOS has none of them, so there the child
//! polls `getppid()` ([`exit_when_orphaned`]), the pipe is made close-on-exec with
//! `fcntl` and descriptors are closed one by one.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A `Command` that runs this same program again; the caller adds the child-role
/// arguments. The child is set up to die with its parent (see [`die_with_parent`]).
pub fn self_command() -> io::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    die_with_parent(&mut command);
    Ok(command)
}

/// Makes the child started by `command` die when its parent dies, even by SIGKILL,
/// which runs no handler and so cannot clean up.
///
/// On Linux the kernel does it (`PR_SET_PDEATHSIG`). Two details matter: the "parent"
/// is the *thread* that spawned the child (spawn from a thread that outlives it: here,
/// the main thread), and the parent can die before `prctl` runs, so the child checks
/// that its parent is still the process that started it.
#[cfg(target_os = "linux")]
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
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

/// The environment variable that tells a child (macOS) which pid its parent has.
#[cfg(not(target_os = "linux"))]
const PARENT_PID: &str = "LOCKS_PARENT_PID";

/// Makes the child started by `command` die when its parent dies. macOS has no
/// `PR_SET_PDEATHSIG`: the child learns its parent's pid here and watches it with
/// [`exit_when_orphaned`], which it must call first thing.
#[cfg(not(target_os = "linux"))]
pub fn die_with_parent(command: &mut Command) -> &mut Command {
    command.env(PARENT_PID, std::process::id().to_string())
}

/// In a child started with [`die_with_parent`]: on macOS, starts a thread that ends
/// this process as soon as its parent is gone (`getppid()` changes: an orphan is
/// adopted). On Linux the kernel does that already, and this does nothing. Fails if
/// the system refuses the thread (a process limit).
pub fn exit_when_orphaned() -> io::Result<()> {
    #[cfg(not(target_os = "linux"))]
    {
        let Some(parent) = std::env::var(PARENT_PID)
            .ok()
            .and_then(|pid| pid.parse::<libc::pid_t>().ok())
        else {
            return Ok(());
        };
        std::thread::Builder::new().spawn(move || {
            loop {
                // SAFETY: getppid is a plain system call that cannot fail.
                if unsafe { libc::getppid() } != parent {
                    // SAFETY: _exit ends the process at once, as SIGKILL would.
                    unsafe { libc::_exit(1) };
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        })?; // `thread::spawn` would panic if the system refused the thread
    }
    Ok(())
}

/// A shared-memory name unique to this process: `/shmem_<tag>_<pid>_<n>`.
///
/// The pid in the name lets a test (or a person) tell whose segment a leftover
/// `/dev/shm/shmem_*` file was. Short enough for macOS, whose names stop at 31 bytes.
pub fn unique_shm_name(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("/shmem_{tag}_{}_{n}", std::process::id())
}

// ANCHOR: guardian
/// A tiny process that removes some names (shared memory, a lock file) if this process
/// dies before it has removed them itself, even by SIGKILL, which runs no handler.
///
/// Start it *before* creating the names, keep it while they exist, and [`dismiss`] it
/// once you have unlinked them (dropping it dismisses it too). It blocks reading a pipe
/// until end-of-file, which comes when our write end is closed: on purpose
/// ([`dismiss`]), or by the kernel as this process dies. Then it unlinks every name and
/// exits.
///
/// [`dismiss`]: Guardian::dismiss
#[derive(Debug)]
pub struct Guardian {
    pid: libc::pid_t,
    /// Our end of the pipe; closing it is what sets the guardian off.
    write_end: Option<OwnedFd>,
}
// ANCHOR_END: guardian

// The guardian does not die with us (no `PR_SET_PDEATHSIG`: that is the point). It
// lives in a process group of its own, so that a signal to our whole group (Ctrl-C in a
// terminal, `kill -9 -PGID`) does not reach it while it may still be needed, and it
// ignores SIGINT, SIGQUIT, SIGTERM and SIGHUP sent to it by pid or by name (it is a
// copy of our program, so `pkill` matches it too); we handle Ctrl-C ourselves. It holds
// no descriptor but its end of the pipe, so it keeps no other pipe of ours open. Our
// write end is close-on-exec: the children we spawn do not hold it, so they cannot
// delay the end-of-file. If we die, the orphaned guardian is reaped by whoever adopts
// it (init, or a subreaper).
//
// Unlinking a name that is already gone: on a dismissal the guardian cannot tell "done"
// from "died", so it unlinks the names again, after we did. That is harmless because
// they are names that only we make and never reuse: `unique_shm_name` puts our pid and
// a counter that only grows into each name, and no other process can hold our pid while
// we live. `dismiss` waits for the guardian to exit, so its unlinks all happen while we
// are alive; they find nothing (ENOENT) and remove no one else's file. (After a real
// death, another process could in theory get our pid and make the same name before the
// guardian runs; that needs the pids to wrap around within that moment.)

/// What the guardian will remove, as C strings made before the fork (the child may not
/// allocate).
struct Doomed {
    /// Paths to `unlink`: the files, and on Linux the shared memory's
    /// `/dev/shm/<name>`.
    paths: Vec<CString>,
    /// Names to `shm_unlink` (macOS, where shared memory has no path).
    shm_names: Vec<CString>,
}

impl Doomed {
    fn new(shm_names: &[&str], files: &[PathBuf]) -> io::Result<Doomed> {
        let mut paths = files
            .iter()
            .map(|path| CString::new(path.as_os_str().as_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut shm = Vec::new();
        for name in shm_names {
            if cfg!(target_os = "linux") {
                // glibc's shm_unlink is `unlink("/dev/shm/<name>")`; we call unlink
                // ourselves, which is async-signal-safe by the book.
                paths.push(CString::new(format!("/dev/shm{name}"))?);
            } else {
                // On macOS shm_unlink is a system call of its own.
                shm.push(CString::new(*name)?);
            }
        }
        Ok(Doomed {
            paths,
            shm_names: shm,
        })
    }
}

impl Guardian {
    /// Forks a guardian that will `shm_unlink` the shared-memory `shm_names` (as given
    /// to `shm_open`, e.g. `/shmem_x_1_0`) and remove the `files`. Safe to call from a
    /// program with threads: the child makes only async-signal-safe calls, on data
    /// prepared before the fork.
    pub fn start(shm_names: &[&str], files: &[PathBuf]) -> io::Result<Guardian> {
        let doomed = Doomed::new(shm_names, files)?;
        let paths: Vec<*const libc::c_char> =
            doomed.paths.iter().map(|p| p.as_ptr()).collect();
        let shm: Vec<*const libc::c_char> =
            doomed.shm_names.iter().map(|p| p.as_ptr()).collect();
        let fd_limit = open_files_limit();
        let (read_end, write_end) = cloexec_pipe()?;
        // Signals stay blocked in this thread across the fork, so the child gets them
        // blocked too until it has chosen to ignore them: a Ctrl-C cannot kill it in
        // between.
        // SAFETY: an all-zero sigset_t is a valid (empty) set.
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
            // SAFETY: we are the freshly forked child; `paths`, `shm` and `old` were
            // prepared before the fork, and the CStrings they point into are still
            // alive in our copy.
            unsafe { guard(read_end.as_raw_fd(), &paths, &shm, &old, fd_limit) }
        }
        let fork_error = io::Error::last_os_error();
        // SAFETY: restores the mask saved above.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
        if pid == -1 {
            return Err(fork_error);
        }
        // The child moves to a group of its own too; doing it here as well means it has
        // moved before we return, so before the caller creates anything. (Both calls
        // ask for the same group, so whichever comes second changes nothing.)
        // SAFETY: plain system call on our own child, which never calls exec.
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

    /// Lets the guardian go, once the names have been removed: closes our end of the
    /// pipe, so the guardian unlinks the (already missing) names and exits, and reaps
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

/// A pipe whose two ends are close-on-exec: with `pipe2` on Linux, atomically; on macOS
/// with `pipe` then `fcntl` (a thread that spawned a program in between could leak an
/// end to it: this lesson spawns from the main thread only).
fn cloexec_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    #[cfg(target_os = "linux")]
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let made = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    #[cfg(not(target_os = "linux"))]
    // SAFETY: `fds` has room for the two descriptors pipe writes.
    let made = unsafe { libc::pipe(fds.as_mut_ptr()) };
    if made == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the pipe was just opened, and nothing else owns its two descriptors.
    let ends = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    #[cfg(not(target_os = "linux"))]
    for end in [&ends.0, &ends.1] {
        // SAFETY: fcntl on a descriptor we own.
        if unsafe { libc::fcntl(end.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) }
            == -1
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(ends)
}

/// The guardian's life, in the forked child. Only async-signal-safe calls: the parent
/// may have had other threads, holding locks (the allocator's, say) that no thread here
/// will ever release.
///
/// # Safety
///
/// Call only in a freshly forked child; `paths` and `shm` must point to NUL-terminated
/// strings.
// ANCHOR: guard
unsafe fn guard(
    read_fd: libc::c_int,
    paths: &[*const libc::c_char],
    shm: &[*const libc::c_char],
    mask: &libc::sigset_t,
    fd_limit: libc::c_int,
) -> ! {
    // SAFETY: dup2, close, setpgid, sigaction, pthread_sigmask, read, unlink,
    // shm_unlink and _exit are system calls (async-signal-safe) on data prepared before
    // the fork.
    unsafe {
        // Keep only our end of the pipe, as descriptor 0: a copy of any other
        // descriptor (a pipe someone waits on for end-of-file) would hold it open.
        libc::dup2(read_fd, 0);
        close_from(1, fd_limit);
        libc::setpgid(0, 0); // a group of our own: Ctrl-C to the parent's misses us
        let mut ignore: libc::sigaction = std::mem::zeroed();
        ignore.sa_sigaction = libc::SIG_IGN;
        for signal in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaction(signal, &ignore, std::ptr::null_mut());
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, mask, std::ptr::null_mut());
        let mut buf = [0u8; 16];
        loop {
            let n = libc::read(0, buf.as_mut_ptr().cast(), buf.len());
            if n == 0 {
                break; // end-of-file: the parent is done, or dead
            }
            if n == -1
                && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted
            {
                // We cannot tell whether the parent is gone: remove nothing.
                libc::_exit(1);
            }
        }
        for &path in paths {
            libc::unlink(path); // ENOENT: the parent removed it already
        }
        for &name in shm {
            libc::shm_unlink(name);
        }
        libc::_exit(0)
    }
}
// ANCHOR_END: guard

/// Closes every descriptor from `first` up: on Linux with one `close_range`, or, where
/// that call is missing (before 5.9) or refused (a seccomp filter), one by one below
/// `fd_limit` (from [`open_files_limit`], read before the fork), as macOS always does.
/// Async-signal-safe.
///
/// # Safety
///
/// Call only in a forked child that owns nothing from `first` up: Rust code that still
/// holds one of those descriptors would go on using a closed (or reused) number.
unsafe fn close_from(first: libc::c_int, fd_limit: libc::c_int) {
    #[cfg(target_os = "linux")]
    // SAFETY: a plain system call; the caller owns nothing it closes.
    if unsafe {
        libc::syscall(libc::SYS_close_range, first as libc::c_uint, u32::MAX, 0u32)
    } == 0
    {
        return;
    }
    for fd in first..fd_limit {
        // SAFETY: as above.
        unsafe { libc::close(fd) };
    }
}

/// The soft limit on open descriptors (capped): no descriptor of ours is at or above
/// it.
fn open_files_limit() -> libc::c_int {
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

    fn exited_0(status: libc::c_int) -> bool {
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
    }

    /// What the kernel does when the parent dies, SIGKILL or not: it closes the write
    /// end. The guardian must then remove every file, and exit 0.
    #[test]
    fn a_guardian_whose_parent_is_gone_removes_its_files() {
        let paths = files("gone", 2);
        let mut guardian = Guardian::start(&[], &paths).unwrap();
        drop(guardian.write_end.take()); // as if we had died
        let status = reap(guardian.pid());
        assert!(exited_0(status), "{status:#x}");
        for path in &paths {
            assert!(!path.exists(), "{} left", path.display());
        }
    }

    /// The same for a shared-memory name, which on macOS is no file at all.
    #[test]
    fn a_guardian_whose_parent_is_gone_removes_its_shared_memory() {
        use nix::fcntl::OFlag;
        use nix::sys::mman::{shm_open, shm_unlink};
        use nix::sys::stat::Mode;
        let name = unique_shm_name("guardtest");
        let flags = OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_RDWR;
        drop(shm_open(name.as_str(), flags, Mode::S_IRUSR | Mode::S_IWUSR).unwrap());
        let mut guardian = Guardian::start(&[&name], &[]).unwrap();
        drop(guardian.write_end.take()); // as if we had died
        let status = reap(guardian.pid());
        assert!(exited_0(status), "{status:#x}");
        let gone = shm_open(name.as_str(), OFlag::O_RDWR, Mode::empty()).is_err();
        if !gone {
            let _ = shm_unlink(name.as_str());
        }
        assert!(gone, "{name} left");
    }

    /// A Ctrl-C to the process group (or a SIGTERM, SIGHUP, SIGQUIT) reaches the
    /// guardian too; it must stay to do its job.
    #[test]
    fn a_guardian_outlives_the_signals_that_stop_its_parent() {
        let paths = files("signals", 1);
        let mut guardian = Guardian::start(&[], &paths).unwrap();
        for signal in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: plain system call to our own child, not yet reaped.
            assert_eq!(unsafe { libc::kill(guardian.pid(), signal) }, 0);
        }
        drop(guardian.write_end.take());
        let status = reap(guardian.pid());
        assert!(exited_0(status), "{status:#x}");
        assert!(!paths[0].exists());
    }

    /// A signal to our whole process group (Ctrl-C, `kill -9 -PGID`) must miss the
    /// guardian: as soon as `start` returns, it leads a group of its own.
    #[test]
    fn a_guardian_is_not_in_its_parents_process_group() {
        let guardian = Guardian::start(&[], &[]).unwrap();
        // SAFETY: plain system calls on ourselves and our own child.
        let (ours, its) = unsafe { (libc::getpgid(0), libc::getpgid(guardian.pid())) };
        assert_eq!(its, guardian.pid());
        assert_ne!(its, ours);
        guardian.dismiss().unwrap();
    }

    #[test]
    fn a_dismissed_guardian_leaves_nothing_running() {
        let paths = files("dismissed", 1);
        let guardian = Guardian::start(&[], &paths).unwrap();
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
        let (read_end, write_end) = cloexec_pipe().unwrap();
        let guardian = Guardian::start(&[], &[]).unwrap();
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
            // end.
            // SAFETY: plain system call to our own child, not yet reaped.
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
        let guardian = Guardian::start(&[], &[]).unwrap();
        let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
        let (done, dismissed) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(guardian.dismiss().is_ok()));
        let outcome = dismissed.recv_timeout(Duration::from_secs(10));
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
        assert_eq!(outcome, Ok(true), "dismiss waited for the child");
    }
}
