//! Lesson `process-queue`: a typed queue from child processes to their parent over a pipe,
//! the Rust counterpart of Python's `multiprocessing.Queue` used one way (children `put`,
//! the parent `get`s).
//!
//! # The pieces
//!
//! - [`Message`]: how a type turns into a few bytes and back (hand-rolled, no serde). Every
//!   message travels as a *frame*: a 2-byte length, then the message's bytes.
//! - [`queue`] makes a pipe and returns its two ends, typed: a [`Sender`] (the write end) and
//!   a [`Receiver`] (the read end). Both ends are close-on-exec, so no child inherits either
//!   one by accident.
//! - [`Sender::inherit`] prepares a [`std::process::Command`] so that the child it starts gets
//!   the write end, and returns the descriptor number the child will find it under; the child
//!   passes that number to [`Sender::from_inherited`].
//! - [`Sender::send`] writes one frame with ONE `write()` of at most [`PIPE_BUF`] bytes, which
//!   the kernel never interleaves with another writer's: several children can share one queue.
//! - [`Receiver::try_recv`] and [`Receiver::recv_timeout`] read many frames per `read()` into
//!   a buffer and hand them out one by one, first in, first out. There is deliberately no
//!   `recv` that blocks forever: a parent must keep noticing Ctrl-C and dead children.
//! - For this lesson's own walkthrough: the [`Report`] message, the simulated [`task`], and
//!   [`Workers`], the parent's side of a queue shared by numbered children, whose `recv` turns
//!   "end of file before the result" into an error naming the child and how it ended.
//!
//! # Using the queue from another program
//!
//! ```no_run
//! use process_queue::{Receiver, RecvError, Report, Sender, queue};
//! use std::time::Duration;
//!
//! fn parent() -> Result<(), Box<dyn std::error::Error>> {
//!     let (sender, mut receiver) = queue::<Report>()?;
//!     let mut command = support::child::self_command()?;
//!     let fd = sender.inherit(&mut command)?;
//!     command.args(["--queue-fd", &fd.to_string()]); // however your child reads its flags
//!     let mut child = command.spawn()?;
//!     // Drop every write end the parent holds (the sender, and the command's copy), so the
//!     // receiver sees end-of-file once the child is gone.
//!     drop(command);
//!     drop(sender);
//!     loop {
//!         match receiver.recv_timeout(Duration::from_millis(100)) {
//!             Ok(Some(report)) => println!("{report:?}"),
//!             Ok(None) => {} // nothing yet: a good moment to check a stop flag
//!             Err(RecvError::Closed) => break,
//!             Err(other) => return Err(other.into()),
//!         }
//!     }
//!     child.wait()?; // drained first, then waited: the child cannot be stuck writing
//!     Ok(())
//! }
//!
//! fn child(fd: std::os::fd::RawFd) -> std::io::Result<()> {
//!     // SAFETY: `fd` came from the parent's `Sender::inherit`; nothing else here owns it.
//!     let mut sender = unsafe { Sender::<Report>::from_inherited(fd)? };
//!     sender.send(&Report::Result { worker: 0, value: 9.0 })
//! }
//! # let _ = (parent, child);
//! ```
//!
//! A message type too large for one atomic write does not compile:
//!
//! ```compile_fail
//! struct Huge;
//! impl process_queue::Message for Huge {
//!     const MAX_LEN: usize = 5000; // more than PIPE_BUF
//!     fn encode(&self, _out: &mut Vec<u8>) {}
//!     fn decode(_bytes: &[u8]) -> Option<Self> { None }
//! }
//! let _ = process_queue::queue::<Huge>();
//! ```

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::stat::{SFlag, fstat};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

pub mod solutions;
mod workers;

pub use workers::{Failure, Workers, how_it_ended};

/// The largest write that the kernel keeps in one piece when several processes write into
/// the same pipe (POSIX promises at least 512 bytes; Linux gives 4096).
pub const PIPE_BUF: usize = libc::PIPE_BUF;

/// Bytes in front of every message on the pipe: its length, as a little-endian `u16`.
pub const HEADER_LEN: usize = 2;

// ANCHOR: message
/// A type that can travel through a [`queue`]: it writes itself as a few bytes and reads
/// itself back. A good encoding is small and self-describing: a tag byte saying which kind of
/// message follows, then fixed-size fields (or a length before anything variable).
pub trait Message: Sized {
    /// The most bytes [`Message::encode`] ever appends. A frame (`HEADER_LEN + MAX_LEN`) must
    /// fit in one atomic write of `PIPE_BUF` bytes; [`queue`] checks that at compile time.
    const MAX_LEN: usize;

    /// Appends this message's bytes to `out`: at most `MAX_LEN` of them.
    fn encode(&self, out: &mut Vec<u8>);

    /// Rebuilds a message from exactly the bytes `encode` wrote, or `None` if they are not one.
    fn decode(bytes: &[u8]) -> Option<Self>;
}
// ANCHOR_END: message

/// Fails the build (when a queue of `M` is compiled) if one frame of `M` could be larger than
/// one atomic pipe write.
const fn assert_fits<M: Message>() {
    const {
        assert!(
            HEADER_LEN + M::MAX_LEN <= PIPE_BUF && M::MAX_LEN <= u16::MAX as usize,
            "Message::MAX_LEN is too large: a frame must fit in one write of PIPE_BUF bytes"
        )
    }
}

// ANCHOR: queue
/// Makes a queue: a pipe whose write end is the [`Sender`] and read end the [`Receiver`].
///
/// Both ends are close-on-exec: a child gets the write end only when asked for, with
/// [`Sender::inherit`]. The read end is non-blocking, so the receiver can always ask "is
/// anything there?" without getting stuck. A message type too large for one atomic write
/// makes this function fail to compile.
pub fn queue<M: Message>() -> io::Result<(Sender<M>, Receiver<M>)> {
    assert_fits::<M>();
    let (read_end, write_end) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    // Only the read end is non-blocking: the flag belongs to the open pipe end, which every
    // child shares with us, and a sender must block (not fail) when the pipe is full.
    fcntl(&read_end, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
    Ok((Sender::new(write_end), Receiver::new(read_end)))
}
// ANCHOR_END: queue

/// The write end of a [`queue`]: what a child `put`s messages into.
pub struct Sender<M> {
    fd: OwnedFd,
    /// Reused for every frame, so a send allocates nothing.
    frame: Vec<u8>,
    _message: PhantomData<fn(M)>,
}

impl<M: Message> Sender<M> {
    fn new(fd: OwnedFd) -> Self {
        Self {
            fd,
            frame: Vec::with_capacity(HEADER_LEN + M::MAX_LEN),
            _message: PhantomData,
        }
    }

    // ANCHOR: send
    /// Sends one message: its frame goes into the pipe with a single `write()`.
    ///
    /// A write of at most `PIPE_BUF` bytes into a pipe is atomic: it lands whole, never
    /// mixed with other writers' bytes. It blocks while the pipe is full (the parent is
    /// behind), and fails with `BrokenPipe` once the read end is gone.
    pub fn send(&mut self, message: &M) -> io::Result<()> {
        self.frame.clear();
        self.frame.extend_from_slice(&[0; HEADER_LEN]);
        message.encode(&mut self.frame);
        let len = self.frame.len() - HEADER_LEN;
        if len > M::MAX_LEN {
            // A wrong `encode` must not break the one-write promise for everyone else.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "encode wrote {len} bytes, more than MAX_LEN = {}",
                    M::MAX_LEN
                ),
            ));
        }
        self.frame[..HEADER_LEN].copy_from_slice(&(len as u16).to_le_bytes());
        loop {
            match nix::unistd::write(&self.fd, &self.frame) {
                Ok(written) if written == self.frame.len() => return Ok(()),
                // Cannot happen for a blocking pipe and a frame of at most PIPE_BUF bytes.
                Ok(written) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        format!("short write: {written} of {} bytes", self.frame.len()),
                    ));
                }
                // A signal arrived before anything was written: just try again.
                Err(Errno::EINTR) => continue,
                Err(errno) => return Err(errno.into()),
            }
        }
    }
    // ANCHOR_END: send

    // ANCHOR: inherit
    /// Prepares `command` so that the child it starts inherits this sender, and returns the
    /// descriptor number the child will find it under. Pass that number to the child (this
    /// lesson puts it on the child's command line) and give it to [`Sender::from_inherited`]
    /// there.
    ///
    /// The descriptor stays close-on-exec in the parent; only the child started by `command`
    /// clears that flag, after `fork` and before `exec`, so no other child (started by another
    /// thread at the same moment, say) keeps a copy past its own `exec`. `command` holds its own copy of the write
    /// end: drop it once the child is started, or the receiver never sees end-of-file.
    pub fn inherit(&self, command: &mut Command) -> io::Result<RawFd> {
        let copy = self.fd.try_clone()?; // a new descriptor, also close-on-exec
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

    /// The child's side of [`Sender::inherit`]: takes over the write end inherited as `fd`.
    ///
    /// It checks that `fd` is the write end of a pipe, and makes it close-on-exec again, so
    /// this child's own children do not inherit it by accident.
    ///
    /// # Safety
    ///
    /// If `fd` is open, nothing else in this process may use or close it: from now on the
    /// sender owns it (and closes it if this function fails). The number a parent passed after
    /// [`Sender::inherit`], used once at the child's start, is such a descriptor. (A number
    /// that is not open is refused with an error.)
    pub unsafe fn from_inherited(fd: RawFd) -> io::Result<Self> {
        assert_fits::<M>();
        // A number that is not open at all (a typo on the command line) is refused before
        // we take it over: owning and later closing a closed descriptor would be a bug.
        // SAFETY: F_GETFD only reads the descriptor table; a wrong number gives EBADF.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the caller gives us ownership of this open descriptor (see # Safety).
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let kind = SFlag::from_bits_truncate(fstat(&fd)?.st_mode) & SFlag::S_IFMT;
        let access = OFlag::from_bits_truncate(fcntl(&fd, FcntlArg::F_GETFL)?)
            & OFlag::O_ACCMODE;
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
        Ok(Self::new(fd))
    }

    /// A second sender on the same pipe (a duplicated descriptor), e.g. for another thread.
    pub fn try_clone(&self) -> io::Result<Self> {
        Ok(Self::new(self.fd.try_clone()?))
    }
}

/// Why a [`Receiver`] returned no message.
#[derive(Debug)]
pub enum RecvError {
    /// Every write end is closed (each child exited or dropped its sender) and every message
    /// has been read: nothing will ever come again.
    Closed,
    /// Bytes that are not a message of this type: a bug in `encode`/`decode`, or a writer that
    /// broke the one-write rule.
    Corrupt(String),
    /// The operating system refused a `read` or `poll`.
    Io(io::Error),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => write!(f, "the queue is closed: every sender is gone"),
            RecvError::Corrupt(what) => {
                write!(f, "corrupt message in the queue: {what}")
            }
            RecvError::Io(err) => write!(f, "reading the queue failed: {err}"),
        }
    }
}

impl std::error::Error for RecvError {}

impl From<io::Error> for RecvError {
    fn from(err: io::Error) -> Self {
        RecvError::Io(err)
    }
}

impl From<Errno> for RecvError {
    fn from(errno: Errno) -> Self {
        RecvError::Io(errno.into())
    }
}

/// How much one `read()` can fetch: as much as a default Linux pipe holds.
const READ_BUF: usize = 64 * 1024;

/// The read end of a [`queue`]: where the parent `get`s messages, first in, first out.
pub struct Receiver<M> {
    fd: OwnedFd,
    /// Bytes read from the pipe; `buf[start..end]` is not handed out yet.
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    _message: PhantomData<fn() -> M>,
}

impl<M: Message> Receiver<M> {
    fn new(fd: OwnedFd) -> Self {
        Self {
            fd,
            buf: vec![0; READ_BUF].into_boxed_slice(),
            start: 0,
            end: 0,
            _message: PhantomData,
        }
    }

    // ANCHOR: try_recv
    /// The next message if one is waiting, without blocking: `Ok(None)` means "nothing yet".
    ///
    /// Messages already in the buffer cost no system call; otherwise one `read()` fetches
    /// every frame that is waiting (up to 64 KiB). `Err(Closed)` means every sender is gone.
    pub fn try_recv(&mut self) -> Result<Option<M>, RecvError> {
        if let Some(message) = self.next_buffered()? {
            return Ok(Some(message));
        }
        // Keep the unfinished frame (if any) and make room after it.
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        match nix::unistd::read(&self.fd, &mut self.buf[self.end..]) {
            Ok(0) if self.end == 0 => Err(RecvError::Closed),
            Ok(0) => Err(RecvError::Corrupt(format!(
                "the pipe closed in the middle of a frame ({} bytes left over)",
                self.end
            ))),
            Ok(read) => {
                self.end += read;
                self.next_buffered()
            }
            Err(Errno::EAGAIN | Errno::EINTR) => Ok(None),
            Err(errno) => Err(errno.into()),
        }
    }
    // ANCHOR_END: try_recv

    /// Waits up to `timeout` for the next message. `Ok(None)` means nothing came in time, or a
    /// signal interrupted the wait: either way, a good moment to check a stop flag.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Option<M>, RecvError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(message) = self.try_recv()? {
                return Ok(Some(message));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            // Round up, so that a wait under 1 ms does not become a busy loop.
            let millis = left.as_micros().div_ceil(1000);
            let timeout = PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX);
            let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, timeout) {
                // Readable, or closed (POLLHUP): the next try_recv tells which.
                Ok(_) => {}
                Err(Errno::EINTR) => return Ok(None),
                Err(errno) => return Err(errno.into()),
            }
        }
    }

    /// The next complete frame in the buffer, decoded, if there is one.
    fn next_buffered(&mut self) -> Result<Option<M>, RecvError> {
        let waiting = &self.buf[self.start..self.end];
        let Some(header) = waiting.first_chunk::<HEADER_LEN>() else {
            return Ok(None);
        };
        let len = usize::from(u16::from_le_bytes(*header));
        if len > M::MAX_LEN {
            return Err(RecvError::Corrupt(format!(
                "a frame of {len} bytes, more than MAX_LEN = {}",
                M::MAX_LEN
            )));
        }
        let Some(bytes) = waiting.get(HEADER_LEN..HEADER_LEN + len) else {
            return Ok(None); // the rest of this frame has not been read yet
        };
        let message = M::decode(bytes).ok_or_else(|| {
            RecvError::Corrupt(format!("{len} bytes that do not decode: {bytes:02x?}"))
        })?;
        self.start += HEADER_LEN + len;
        Ok(Some(message))
    }
}

// ANCHOR: report
/// What this lesson's children send: progress while the task runs, then its result. Each
/// carries the index of the worker that sent it, because several workers share one queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Report {
    /// The task is `percent` % done.
    Progress { worker: u32, percent: f32 },
    /// The task's return value: the last message a worker sends.
    Result { worker: u32, value: f64 },
}

impl Report {
    /// The index of the worker that sent this report.
    pub fn worker(&self) -> u32 {
        match *self {
            Report::Progress { worker, .. } | Report::Result { worker, .. } => worker,
        }
    }
}

/// A tag byte (`P` or `R`), the worker index (4 bytes), then the number (4 or 8 bytes), all
/// little-endian: 9 or 13 bytes, 11 or 15 with the frame's length.
impl Message for Report {
    const MAX_LEN: usize = 1 + 4 + 8;

    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            Report::Progress { worker, percent } => {
                out.push(b'P');
                out.extend_from_slice(&worker.to_le_bytes());
                out.extend_from_slice(&percent.to_le_bytes());
            }
            Report::Result { worker, value } => {
                out.push(b'R');
                out.extend_from_slice(&worker.to_le_bytes());
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let (&tag, rest) = bytes.split_first()?;
        let (worker, number) = rest.split_first_chunk::<4>()?;
        let worker = u32::from_le_bytes(*worker);
        match tag {
            b'P' => Some(Report::Progress {
                worker,
                percent: f32::from_le_bytes(number.try_into().ok()?),
            }),
            b'R' => Some(Report::Result {
                worker,
                value: f64::from_le_bytes(number.try_into().ok()?),
            }),
            _ => None,
        }
    }
}
// ANCHOR_END: report

// ANCHOR: task
/// The tutorial's simulated work: `steps` steps, each sleeping a random 0..=`max_sleep_ms` ms
/// (seeded, so a run can be repeated), then `value * 2`.
///
/// After step `k` (counting from 1) it calls `on_step(k, percent_done)`; an error from it
/// stops the task, so a child whose parent has gone stops working too.
pub fn task<E>(
    value: f64,
    steps: u32,
    max_sleep_ms: u64,
    seed: u64,
    mut on_step: impl FnMut(u32, f32) -> Result<(), E>,
) -> Result<f64, E> {
    let mut rng = StdRng::seed_from_u64(seed);
    for k in 1..=steps {
        std::thread::sleep(Duration::from_millis(rng.random_range(0..=max_sleep_ms)));
        on_step(k, (k * 100) as f32 / steps as f32)?;
    }
    Ok(value * 2.0)
}
// ANCHOR_END: task

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::IntoRawFd;

    fn progress(worker: u32, percent: f32) -> Report {
        Report::Progress { worker, percent }
    }

    #[test]
    fn reports_round_trip() {
        for report in [
            progress(3, 42.5),
            Report::Result {
                worker: u32::MAX,
                value: -1.25,
            },
        ] {
            let mut bytes = Vec::new();
            report.encode(&mut bytes);
            assert!(bytes.len() <= Report::MAX_LEN);
            assert_eq!(Report::decode(&bytes), Some(report));
        }
    }

    #[test]
    fn decode_rejects_what_encode_never_writes() {
        assert_eq!(Report::decode(b""), None);
        assert_eq!(Report::decode(b"P\0\0\0"), None, "too short");
        assert_eq!(Report::decode(b"X\0\0\0\0\0\0\0\0"), None, "unknown tag");
        assert_eq!(Report::decode(b"P\0\0\0\0\0\0\0\0\0"), None, "too long");
    }

    #[test]
    fn messages_come_out_first_in_first_out() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        assert!(rx.try_recv().unwrap().is_none(), "nothing sent yet");
        for k in 0..10 {
            tx.send(&progress(0, k as f32)).unwrap();
        }
        for k in 0..10 {
            assert_eq!(rx.try_recv().unwrap(), Some(progress(0, k as f32)));
        }
        assert!(rx.try_recv().unwrap().is_none());
        drop(tx);
        assert_closes(&mut rx);
    }

    /// Asserts that `rx` reaches end-of-file. Not at once with `try_recv`: a child that another
    /// test is starting holds a copy of every descriptor until its `exec`, so end-of-file may
    /// come a moment late. The ten seconds are only a guard against a hang.
    fn assert_closes(rx: &mut Receiver<Report>) {
        let end = rx.recv_timeout(Duration::from_secs(10));
        assert!(matches!(end, Err(RecvError::Closed)), "{end:?}");
    }

    #[test]
    fn one_read_fetches_every_waiting_message() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        for k in 0..100 {
            tx.send(&progress(k, 1.0)).unwrap();
        }
        assert_eq!(rx.try_recv().unwrap(), Some(progress(0, 1.0)));
        // The other 99 frames (11 bytes each) are already in the buffer, from that one read.
        assert_eq!(rx.end - rx.start, 99 * 11);
    }

    #[test]
    fn recv_timeout_returns_none_when_nothing_comes() {
        let (_tx, mut rx) = queue::<Report>().unwrap();
        assert!(
            rx.recv_timeout(Duration::from_millis(20))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn recv_timeout_wakes_for_a_message_from_another_thread() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        let sender = std::thread::spawn(move || tx.send(&progress(1, 50.0)));
        let got = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(got, Some(progress(1, 50.0)));
        sender.join().unwrap().unwrap();
    }

    #[test]
    fn a_bad_length_is_reported_not_trusted() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        nix::unistd::write(&tx.fd, &[200, 0, b'P']).unwrap();
        assert!(matches!(rx.try_recv(), Err(RecvError::Corrupt(_))));
    }

    #[test]
    fn bytes_that_do_not_decode_are_reported() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        nix::unistd::write(&tx.fd, &[2, 0, b'Z', 0]).unwrap();
        assert!(matches!(rx.try_recv(), Err(RecvError::Corrupt(_))));
    }

    #[test]
    fn a_frame_cut_short_by_end_of_file_is_corrupt() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        nix::unistd::write(&tx.fd, &[9, 0, b'P', 1]).unwrap();
        drop(tx);
        assert!(
            rx.try_recv().unwrap().is_none(),
            "half a frame is not a message"
        );
        // Waits, as `assert_closes` does, for the end-of-file a starting child may delay.
        let end = rx.recv_timeout(Duration::from_secs(10));
        assert!(matches!(end, Err(RecvError::Corrupt(_))), "{end:?}");
    }

    #[test]
    fn an_encode_longer_than_max_len_is_refused() {
        struct Liar;
        impl Message for Liar {
            const MAX_LEN: usize = 1;
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(b"two");
            }
            fn decode(_: &[u8]) -> Option<Self> {
                Some(Liar)
            }
        }
        let (mut tx, mut rx) = queue::<Liar>().unwrap();
        let err = tx.send(&Liar).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(rx.try_recv().unwrap().is_none(), "nothing was written");
    }

    #[test]
    fn children_do_not_inherit_the_queue_unless_asked() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
        drop(tx);
        // Had `sleep` inherited the write end, the pipe would stay open while it runs.
        let got = rx.recv_timeout(Duration::from_secs(10));
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
        assert!(matches!(got, Err(RecvError::Closed)), "{got:?}");
    }

    #[test]
    fn a_child_asked_to_inherit_keeps_the_queue_open() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        let mut command = Command::new("sleep");
        command.arg("30");
        tx.inherit(&mut command).unwrap();
        let mut sleeper = command.spawn().unwrap();
        drop(command);
        drop(tx);
        // spawn() returns after exec, so `sleep` holds the write end now.
        assert!(rx.try_recv().unwrap().is_none());
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
        assert_closes(&mut rx);
    }

    #[test]
    fn from_inherited_takes_only_a_pipe_write_end() {
        let (tx, rx) = queue::<Report>().unwrap();
        let read_end = rx.fd.into_raw_fd();
        // SAFETY: we own `read_end` and hand it over; it is closed when the call fails.
        let err = unsafe { Sender::<Report>::from_inherited(read_end) }
            .err()
            .unwrap();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let write_end = tx.fd.into_raw_fd();
        // SAFETY: as above, for the write end.
        let sender = unsafe { Sender::<Report>::from_inherited(write_end) }.unwrap();
        let flags = fcntl(&sender.fd, FcntlArg::F_GETFD).unwrap();
        assert!(FdFlag::from_bits_truncate(flags).contains(FdFlag::FD_CLOEXEC));
    }

    #[test]
    fn task_reports_every_step_and_doubles_the_value() {
        let mut seen = Vec::new();
        let result = task(4.5, 4, 0, 7, |k, p| {
            seen.push((k, p));
            Ok::<_, ()>(())
        });
        assert_eq!(result, Ok(9.0));
        assert_eq!(seen, [(1, 25.0), (2, 50.0), (3, 75.0), (4, 100.0)]);
    }

    #[test]
    fn task_stops_at_the_first_error() {
        let mut calls = 0;
        let result = task(1.0, 10, 0, 7, |k, _| {
            calls += 1;
            if k == 3 { Err("stop") } else { Ok(()) }
        });
        assert_eq!(result, Err("stop"));
        assert_eq!(calls, 3);
    }
}
