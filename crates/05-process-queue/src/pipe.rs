//! Step 1's plumbing, kept by every later step: a pipe whose two ends no child inherits
//! by accident, and the way to hand its write end to one child on purpose.
//!
//! The twins use the child's stdout as the pipe. A pipe of our own leaves stdout to the
//! child (its `println!` can no longer land among the messages), and lets several
//! children write into the same pipe.

use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::sys::stat::{SFlag, fstat};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

// ANCHOR: pipe
/// A new pipe, `(read end, write end)`, both close-on-exec: a program that a child
/// `exec`s (and ours always does) starts without them unless [`inherit`] says
/// otherwise.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    // Linux sets the flag as it makes the pipe: no other thread can fork in between.
    #[cfg(target_os = "linux")]
    let ends = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    // macOS has no pipe2: set the flag just after. (A child forked by another thread in
    // that instant would keep the ends; Rust's std does the same for its own pipes.)
    #[cfg(not(target_os = "linux"))]
    let ends = {
        let (read_end, write_end) = nix::unistd::pipe()?;
        for end in [&read_end, &write_end] {
            fcntl(end, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
        }
        (read_end, write_end)
    };
    Ok(ends)
}
// ANCHOR_END: pipe

// ANCHOR: inherit
/// Prepares `command` so that the child it starts inherits `write_end`, and returns the
/// number the child will find it under (tell the child, e.g. on its command line).
///
/// The flag is cleared in that child only, between `fork` and `exec`: no other child
/// (started by another thread at the same moment, say) keeps a copy. `command` holds a
/// copy of the write end: drop it once the child runs, or no reader sees end-of-file.
pub fn inherit(write_end: BorrowedFd<'_>, command: &mut Command) -> io::Result<RawFd> {
    let copy = write_end.try_clone_to_owned()?; // a new descriptor, also close-on-exec
    let fd = copy.as_raw_fd();
    let hook = move || {
        // SAFETY: fcntl is async-signal-safe (no allocation, no lock), as code between
        // fork and exec must be; it clears close-on-exec on `copy` in the child only.
        if unsafe { libc::fcntl(copy.as_raw_fd(), libc::F_SETFD, 0) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: the hook runs in the child between fork and exec and only calls fcntl.
    unsafe { command.pre_exec(hook) };
    Ok(fd)
}
// ANCHOR_END: inherit

/// The child's side of [`inherit`]: takes over the write end inherited as `fd`.
///
/// It checks that `fd` is the write end of a pipe, and makes it close-on-exec again, so
/// this child's own children do not inherit it by accident.
///
/// # Safety
///
/// If `fd` is open, nothing else in this process may use or close it: from now on the
/// returned value owns it (and it is closed if this function fails). The number a
/// parent passed after [`inherit`], used once at the child's start, is such a
/// descriptor. (A number that is not open is refused with an error.)
pub unsafe fn take_inherited(fd: RawFd) -> io::Result<OwnedFd> {
    // A number that is not open at all (a typo on the command line) is refused before
    // we take it over: owning and later closing a closed descriptor would be a bug.
    // SAFETY: F_GETFD only reads the descriptor table; a wrong number gives EBADF.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the caller gives us ownership of this open descriptor (see # Safety).
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let kind = SFlag::from_bits_truncate(fstat(&fd)?.st_mode) & SFlag::S_IFMT;
    let access =
        OFlag::from_bits_truncate(fcntl(&fd, FcntlArg::F_GETFL)?) & OFlag::O_ACCMODE;
    if kind != SFlag::S_IFIFO || access != OFlag::O_WRONLY {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "descriptor {} is not the write end of a pipe",
                fd.as_raw_fd()
            ),
        ));
    }
    fcntl(&fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::{AsFd, IntoRawFd};
    use std::process::Stdio;

    /// Reads `read_end` to end-of-file: returns once every write end is closed.
    fn read_to_end(read_end: OwnedFd) -> String {
        let mut text = String::new();
        std::fs::File::from(read_end)
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    /// True once every write end of `read_end`'s pipe is closed; false if that takes
    /// more than 10 s (a hang guard, no timing bet: it happens at once or never).
    fn hangs_up(read_end: &OwnedFd) -> bool {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        // No events asked for: poll still reports POLLHUP.
        let mut fds = [PollFd::new(read_end.as_fd(), PollFlags::empty())];
        poll(&mut fds, PollTimeout::from(10_000u16)) == Ok(1)
    }

    #[test]
    fn children_do_not_inherit_the_pipe_unless_asked() {
        let (read_end, write_end) = pipe().unwrap();
        let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
        drop(write_end);
        // Had `sleep` inherited the write end, the pipe would stay open while it runs.
        let hung_up = hangs_up(&read_end);
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
        assert!(hung_up, "sleep held the pipe open");
    }

    #[test]
    fn a_child_asked_to_inherit_writes_into_the_pipe() {
        let (read_end, write_end) = pipe().unwrap();
        let mut command = Command::new("sh");
        let fd = inherit(write_end.as_fd(), &mut command).unwrap();
        command
            .args(["-c", &format!("echo 'result 9' >/dev/fd/{fd}")])
            .stdout(Stdio::null());
        let mut child = command.spawn().unwrap();
        drop(command);
        drop(write_end);
        assert_eq!(read_to_end(read_end), "result 9\n");
        assert!(child.wait().unwrap().success());
    }

    #[test]
    fn the_childs_own_stdout_stays_out_of_the_pipe() {
        // The twins' pipe is the child's stdout: whatever else the child prints comes
        // through it too. With a pipe of its own, stdout is the child's again.
        let (read_end, write_end) = pipe().unwrap();
        let mut command = Command::new("sh");
        let fd = inherit(write_end.as_fd(), &mut command).unwrap();
        command
            .args(["-c", &format!("echo stray; echo 'result 9' >/dev/fd/{fd}")])
            .stdout(Stdio::piped());
        let mut child = command.spawn().unwrap();
        drop(command);
        drop(write_end);
        assert_eq!(read_to_end(read_end), "result 9\n");
        let mut stdout = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        assert_eq!(
            stdout, "stray\n",
            "the twins would have read this as a message"
        );
        assert!(child.wait().unwrap().success());
    }

    #[test]
    fn take_inherited_takes_only_a_pipe_write_end() {
        let (read_end, write_end) = pipe().unwrap();
        // SAFETY: we own `read_end` and hand it over; it is closed when the call fails.
        let err = unsafe { take_inherited(read_end.into_raw_fd()) }.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        // SAFETY: as above, for the write end.
        let taken = unsafe { take_inherited(write_end.into_raw_fd()) }.unwrap();
        let flags = fcntl(&taken, FcntlArg::F_GETFD).unwrap();
        assert!(FdFlag::from_bits_truncate(flags).contains(FdFlag::FD_CLOEXEC));
    }

    #[test]
    fn take_inherited_refuses_a_number_that_is_not_open() {
        // SAFETY: a number far above anything this test process opens.
        let err = unsafe { take_inherited(999_999) }.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
    }
}
