//! Helpers for end-to-end tests of the process lessons: run a lesson binary in its own
//! session under a small reaper, signal it, and check that nothing is left behind.
//!
//! Why a reaper: when a lesson's parent is killed, its children are re-parented to the
//! nearest "subreaper", else to PID 1. Where PID 1 does not reap (some containers and sandboxes
//! do not), every orphan that exits would stay a zombie forever. So the test forks a reaper
//! that marks itself a subreaper, starts the lesson in a new session, and reaps the lesson and
//! every orphan it leaves until none is left. The lesson's own clean-up is still what is
//! tested: the reaper only collects exit statuses, it never kills anything.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A lesson binary running in its own session under a reaper.
pub struct Supervised {
    reaper: libc::pid_t,
    /// The lesson process; also its session and process-group id.
    pub leader: libc::pid_t,
    dir: PathBuf,
    reaped: Option<i32>,
}

/// How the lesson's leader ended, as the reaper saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this status.
    Exited(i32),
    /// A signal with this number ended it.
    Killed(i32),
}

impl Supervised {
    /// Starts `program args...` in a new session under a reaper. Its stdout and stderr go to
    /// files (see [`Supervised::stdout`] and [`Supervised::stderr`]).
    pub fn start(program: impl AsRef<Path>, args: &[&str]) -> io::Result<Self> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("testkit-{}-{n}", std::process::id()));
        fs::create_dir_all(&dir)?;
        let out = fs::File::create(dir.join("stdout"))?;
        let err = fs::File::create(dir.join("stderr"))?;

        // Everything the forked processes need is prepared now: after fork in a threaded
        // program (a test harness is one) only async-signal-safe calls are allowed.
        let path = CString::new(program.as_ref().as_os_str().as_bytes())?;
        let mut owned = vec![path.clone()];
        for arg in args {
            owned.push(CString::new(*arg)?);
        }
        let mut argv: Vec<*const libc::c_char> = owned.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == -1 {
            return Err(io::Error::last_os_error());
        }
        let (read_end, write_end) = (fds[0], fds[1]);
        use std::os::fd::AsRawFd;
        let (out_fd, err_fd) = (out.as_raw_fd(), err.as_raw_fd());

        // SAFETY: the child branches below call only async-signal-safe functions (dup2,
        // close_range, prctl, fork, setsid, execv, write, waitpid, _exit) on data prepared before fork.
        let reaper = unsafe { libc::fork() };
        if reaper == -1 {
            return Err(io::Error::last_os_error());
        }
        if reaper == 0 {
            // SAFETY: see above; this branch never returns (it ends in _exit).
            unsafe {
                // Keep only stdout/stderr (the lesson's files) and the pid pipe (as fd 3):
                // copies of other tests' pipe ends would delay the EOF those tests wait for.
                libc::dup2(out_fd, 1);
                libc::dup2(err_fd, 2);
                libc::dup2(write_end, 3);
                libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32);
                libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1);
                let leader = libc::fork();
                if leader == 0 {
                    libc::close(3);
                    libc::setsid();
                    libc::execv(argv[0], argv.as_ptr());
                    libc::_exit(127);
                }
                let bytes = leader.to_ne_bytes();
                libc::write(3, bytes.as_ptr().cast(), bytes.len());
                libc::close(3);
                // Reap the leader and every orphan re-parented to us, until none is left;
                // then exit with the leader's status (128 + signal if a signal ended it).
                let mut leader_code = 126;
                loop {
                    let mut status = 0;
                    let pid = libc::waitpid(-1, &mut status, 0);
                    if pid == -1 {
                        if *libc::__errno_location() == libc::EINTR {
                            continue;
                        }
                        break;
                    }
                    if pid == leader {
                        leader_code = if libc::WIFEXITED(status) {
                            libc::WEXITSTATUS(status)
                        } else {
                            128 + libc::WTERMSIG(status)
                        };
                    }
                }
                libc::_exit(leader_code);
            }
        }
        // SAFETY: closing the write end we do not use, then reading exactly one pid_t.
        let leader = unsafe {
            libc::close(write_end);
            let mut bytes = [0u8; std::mem::size_of::<libc::pid_t>()];
            let got = libc::read(read_end, bytes.as_mut_ptr().cast(), bytes.len());
            libc::close(read_end);
            if got != bytes.len() as isize {
                return Err(io::Error::other("reaper did not report the lesson's pid"));
            }
            libc::pid_t::from_ne_bytes(bytes)
        };
        Ok(Self {
            reaper,
            leader,
            dir,
            reaped: None,
        })
    }

    /// What the lesson has written to stdout so far.
    pub fn stdout(&self) -> String {
        fs::read_to_string(self.dir.join("stdout")).unwrap_or_default()
    }

    /// What the lesson has written to stderr so far.
    pub fn stderr(&self) -> String {
        fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    /// Waits until stderr holds at least `lines` lines (the lesson is running and reporting),
    /// or `timeout` passes (a hang guard). Returns whether they came.
    pub fn wait_for_stderr_lines(&self, lines: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.stderr().lines().count() >= lines {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Sends `signal` to the lesson's whole process group, as Ctrl-C in a terminal does.
    pub fn signal_group(&self, signal: i32) -> io::Result<()> {
        // SAFETY: plain system call; the group exists until the reaper has reaped it.
        check(unsafe { libc::killpg(self.leader, signal) })
    }

    /// Sends `signal` to the lesson's main process only.
    pub fn signal_leader(&self, signal: i32) -> io::Result<()> {
        // SAFETY: plain system call; the leader cannot be reaped before the reaper waits.
        check(unsafe { libc::kill(self.leader, signal) })
    }

    /// Waits up to `timeout` for the lesson and every process it left to end. Returns how the
    /// lesson ended, or `None` if something was still running when time ran out.
    pub fn wait(&mut self, timeout: Duration) -> Option<Ended> {
        let deadline = Instant::now() + timeout;
        while self.reaped.is_none() {
            let mut status = 0;
            // SAFETY: waitpid on our own child, without blocking.
            let pid = unsafe { libc::waitpid(self.reaper, &mut status, libc::WNOHANG) };
            if pid == self.reaper {
                self.reaped = Some(libc::WEXITSTATUS(status));
                break;
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.reaped.map(|code| match code {
            129..=159 => Ended::Killed(code - 128),
            code => Ended::Exited(code),
        })
    }

    /// The processes still alive (zombies included) in the lesson's session.
    pub fn remaining(&self) -> Vec<libc::pid_t> {
        session_members(self.leader)
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        // A failed test must not leave its lesson running: kill what is left and reap.
        if self.reaped.is_none() {
            // SAFETY: plain system calls on our own session and child.
            unsafe {
                libc::killpg(self.leader, libc::SIGKILL);
                for pid in session_members(self.leader) {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            let _ = self.wait(Duration::from_secs(10));
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn check(result: libc::c_int) -> io::Result<()> {
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Every process whose session id is `session`, read from `/proc`.
pub fn session_members(session: libc::pid_t) -> Vec<libc::pid_t> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command name, which is in parentheses and may hold spaces:
        // state ppid pgrp session ...
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(3).and_then(|s| s.parse::<libc::pid_t>().ok()) == Some(session) {
            found.push(pid);
        }
    }
    found
}

/// The names in `/dev/shm` that contain `_<pid>_`: the segments a process named with
/// [`crate::child::unique_shm_name`] and left behind.
pub fn shm_left_by(pid: libc::pid_t) -> Vec<String> {
    let needle = format!("_{pid}_");
    fs::read_dir("/dev/shm")
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.contains(&needle))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaper_reports_exit_and_collects_orphans() {
        // The shell starts a background sleeper and exits at once, orphaning it.
        let mut run =
            Supervised::start("/bin/sh", &["-c", "sleep 0.3 & echo started >&2; exit 3"]).unwrap();
        assert_eq!(run.wait(Duration::from_secs(10)), Some(Ended::Exited(3)));
        assert!(run.stderr().contains("started"));
        assert!(run.remaining().is_empty(), "{:?}", run.remaining());
    }

    #[test]
    fn signalled_leader_is_reported_as_killed() {
        let mut run = Supervised::start("/bin/sh", &["-c", "echo up >&2; exec sleep 30"]).unwrap();
        assert!(run.wait_for_stderr_lines(1, Duration::from_secs(10)));
        run.signal_leader(libc::SIGKILL).unwrap();
        assert_eq!(
            run.wait(Duration::from_secs(10)),
            Some(Ended::Killed(libc::SIGKILL))
        );
    }
}
