//! Getting one segment mapped by a parent and its children without ever leaking its
//! name.
//!
//! A name in `/dev/shm` belongs to no process: it stays until someone unlinks it. So at
//! every instant between `create` and `unlink`, some living process must be ready to
//! remove it. The parent is, unless it is killed with SIGKILL; then its children, which
//! die with it once they work, must outlive it just long enough to remove the name. The
//! conversation, one byte at a time over the child's stdin and stdout pipes:
//!
//! | parent                          | child                                          |
//! |---------------------------------|------------------------------------------------|
//! | spawns the child                | sends [`READY`]                                |
//! | creates the segment, [`GO`]     | maps it, sends [`MAPPED`]                      |
//! | unlinks the name, [`UNLINKED`]  | starts dying with the parent, and working      |
//!
//! If the child's stdin reaches end-of-file before [`UNLINKED`], the parent is gone and
//! the child removes the name itself. If the child dies, the parent sees end-of-file
//! and its own `Drop` removes the name.

use crate::child::die_with_parent;
use crate::slots::{SharedSlots, unlink_name};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;
use nix::unistd::getppid;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The caller's stop condition, asked between waits: `Some(signal)` once the program
/// should stop (the walkthrough answers from its Ctrl-C handler), `None` to go on.
pub type Stop<'a> = &'a dyn Fn() -> Option<i32>;

/// Child to parent: "I will remove the name if you die".
pub const READY: u8 = b'R';
/// Parent to child: "the segment exists; map it".
pub const GO: u8 = b'G';
/// Child to parent: "I have mapped it".
pub const MAPPED: u8 = b'M';
/// Parent to child: "the name is gone; nothing to clean up any more".
pub const UNLINKED: u8 = b'U';

/// Why the setup or the wait for a child did not finish.
#[derive(Debug)]
pub enum SetupError {
    /// The caller's [`Stop`] said stop, with this signal number.
    Interrupted(i32),
    /// The child closed its pipe (it died) before sending the expected byte.
    ChildGone,
    /// Nothing came within the time limit.
    TimedOut,
    /// A system call failed, or the child sent an unexpected byte.
    Io(io::Error),
}

impl From<io::Error> for SetupError {
    fn from(err: io::Error) -> Self {
        Self::Io(err)
    }
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Interrupted(sig) => write!(f, "interrupted by signal {sig}"),
            Self::ChildGone => f.write_str("a child ended during setup"),
            Self::TimedOut => f.write_str("a child did not answer in time"),
            Self::Io(err) => write!(f, "{err}"),
        }
    }
}

/// A child process and the two ends of its setup pipes. Dropping a `Worker` that has
/// not been reaped kills the child and reaps it, so an early return never leaves one
/// running.
pub struct Worker {
    child: Child,
    to_child: ChildStdin,
    from_child: ChildStdout,
    status: Option<ExitStatus>,
}

impl Worker {
    /// Starts `command` (this program again, with a child role) with its stdin and
    /// stdout connected to us. Rust creates these pipes close-on-exec, so no other
    /// child inherits them and their end-of-file means what it should: that process is
    /// gone.
    pub fn spawn(mut command: Command) -> io::Result<Self> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let (Some(to_child), Some(from_child)) =
            (child.stdin.take(), child.stdout.take())
        else {
            unreachable!("both pipes were requested");
        };
        Ok(Self {
            child,
            to_child,
            from_child,
            status: None,
        })
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends one byte of the setup conversation.
    pub fn send(&mut self, byte: u8) -> Result<(), SetupError> {
        match self.to_child.write_all(&[byte]) {
            Ok(()) => Ok(()),
            // No reader left: the child is gone (Rust ignores SIGPIPE, so we get
            // EPIPE).
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                Err(SetupError::ChildGone)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Waits for `byte` from the child, polling 10 times a second so that `stop` or a
    /// dead child is noticed, and giving up at `deadline`.
    pub fn expect(
        &mut self,
        byte: u8,
        stop: Stop,
        deadline: Instant,
    ) -> Result<(), SetupError> {
        loop {
            if let Some(sig) = stop() {
                return Err(SetupError::Interrupted(sig));
            }
            if Instant::now() >= deadline {
                return Err(SetupError::TimedOut);
            }
            let mut fds = [PollFd::new(self.from_child.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(100u16)) {
                Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                Ok(_) => {}
                Err(errno) => return Err(io::Error::from(errno).into()),
            }
            let mut got = [0u8; 1];
            return match self.from_child.read(&mut got)? {
                0 => Err(SetupError::ChildGone),
                _ if got[0] == byte => Ok(()),
                _ => Err(io::Error::other(format!(
                    "unexpected setup byte {:?}",
                    got[0]
                ))
                .into()),
            };
        }
    }

    /// Returns the child's status if it has ended (reaping it), without blocking.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = self.child.try_wait()?;
        }
        Ok(self.status)
    }

    /// Waits for the child to end, asking `stop` every 50 ms; gives up at `deadline`
    /// (dropping the `Worker` then kills the child).
    pub fn wait(
        &mut self,
        stop: Stop,
        deadline: Instant,
    ) -> Result<ExitStatus, SetupError> {
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(status);
            }
            if let Some(sig) = stop() {
                return Err(SetupError::Interrupted(sig));
            }
            if Instant::now() >= deadline {
                return Err(SetupError::TimedOut);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if self.status.is_none() {
            // SIGKILL cannot be caught or ignored, so the wait that follows is short.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ANCHOR: parent_side
/// The parent's half: once every child has promised to clean up if we die, create
/// the segment; once every child has mapped it, unlink its name. `after_create` runs
/// while the name exists (the tests kill the parent there).
pub fn share_with_children(
    workers: &mut [Worker],
    name: &str,
    len: usize,
    stop: Stop,
    after_create: impl FnOnce(),
) -> Result<SharedSlots, SetupError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    for worker in workers.iter_mut() {
        worker.expect(READY, stop, deadline)?;
    }
    // Until `unlink`: if we return early, dropping `slots` (the owner) removes the
    // name; if we are killed, the children remove it.
    let mut slots = SharedSlots::create(name, len)?;
    after_create();
    for worker in workers.iter_mut() {
        worker.send(GO)?;
    }
    for worker in workers.iter_mut() {
        worker.expect(MAPPED, stop, deadline)?;
    }
    slots.unlink()?;
    for worker in workers.iter_mut() {
        worker.send(UNLINKED)?;
    }
    Ok(slots)
}
// ANCHOR_END: parent_side

// ANCHOR: child_side
/// The child's half. Returns the mapped segment, or `None` if the parent died during
/// setup (then this child has removed the name, if it still existed).
pub fn join_parent(name: &str) -> io::Result<Option<SharedSlots>> {
    let parent = getppid();
    let (mut from_parent, mut to_parent) = (io::stdin().lock(), io::stdout().lock());
    let mut talk = |send: u8, want: u8| -> bool {
        let mut got = [0u8; 1];
        to_parent.write_all(&[send]).is_ok()
            && to_parent.flush().is_ok()
            && matches!(from_parent.read(&mut got), Ok(1) if got[0] == want)
    };
    // End-of-file instead of an answer: the parent is gone, and the name is ours to
    // remove (it may not exist yet, or any more: then there is nothing to do).
    if !talk(READY, GO) {
        return clean_up_after_parent(name);
    }
    let slots = SharedSlots::open(name)?;
    if !talk(MAPPED, UNLINKED) {
        return clean_up_after_parent(name);
    }
    // The name is gone: nothing left to clean up, so from now on die with the parent.
    die_with_parent(parent)?;
    Ok(Some(slots))
}

fn clean_up_after_parent(name: &str) -> io::Result<Option<SharedSlots>> {
    if unlink_name(name)? {
        eprintln!("worker {}: parent gone; removed {name}", std::process::id());
    }
    Ok(None)
}
// ANCHOR_END: child_side

/// How a child ended, in words: `exited with status 3` or
/// `killed by signal 6 (SIGABRT)`.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => match Signal::try_from(sig) {
            Ok(signal) => format!("killed by signal {sig} ({signal})"),
            Err(_) => format!("killed by signal {sig}"),
        },
        (None, None) => format!("ended ({status})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_described() {
        assert_eq!(
            describe(ExitStatus::from_raw(3 << 8)),
            "exited with status 3"
        );
        assert_eq!(
            describe(ExitStatus::from_raw(libc::SIGABRT)),
            "killed by signal 6 (SIGABRT)"
        );
    }

    /// The stop condition of a caller that never stops.
    fn never() -> Option<i32> {
        None
    }

    #[test]
    fn worker_that_dies_is_noticed_not_waited_on_forever() {
        let mut worker = Worker::spawn(Command::new("true")).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        assert!(matches!(
            worker.expect(READY, &never, deadline),
            Err(SetupError::ChildGone)
        ));
        assert!(worker.wait(&never, deadline).unwrap().success());
    }

    #[test]
    fn expected_byte_arrives_and_a_wrong_one_is_an_error() {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut command = Command::new("/bin/sh");
        command.args(["-c", "printf RX; read -r line"]);
        let mut worker = Worker::spawn(command).unwrap();
        worker.expect(READY, &never, deadline).unwrap();
        assert!(matches!(
            worker.expect(MAPPED, &never, deadline),
            Err(SetupError::Io(_))
        ));
        worker.send(b'\n').unwrap();
        assert!(worker.wait(&never, deadline).unwrap().success());
    }

    #[test]
    fn stop_condition_ends_the_waits() {
        let stop = || Some(libc::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut command = Command::new("sleep");
        command.arg("30");
        let mut worker = Worker::spawn(command).unwrap();
        assert!(matches!(
            worker.expect(READY, &stop, deadline),
            Err(SetupError::Interrupted(libc::SIGINT))
        ));
        assert!(matches!(
            worker.wait(&stop, deadline),
            Err(SetupError::Interrupted(libc::SIGINT))
        ));
    }

    #[test]
    fn dropping_a_worker_kills_and_reaps_it() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let worker = Worker::spawn(command).unwrap();
        let pid = nix::unistd::Pid::from_raw(worker.id() as i32);
        drop(worker);
        // Reaped: the pid no longer exists, not even as a zombie (which a signal 0
        // would still reach).
        assert_eq!(
            nix::sys::signal::kill(pid, None),
            Err(nix::errno::Errno::ESRCH)
        );
    }
}
