//! Lesson `process-queue`: a typed queue from child processes to their parent over a
//! pipe, the Rust counterpart of Python's `multiprocessing.Queue` used one way
//! (children `put`, the parent `get`s).
//!
//! # The pieces
//!
//! - [`queue`] makes a pipe and returns its two ends, typed: a [`Sender`] (the write
//!   end) and a [`Receiver`] (the read end). Both ends are close-on-exec ([`pipe`]), so
//!   no child inherits either one by accident.
//! - [`Sender::inherit`] prepares a [`std::process::Command`] so that the child it
//!   starts gets the write end, and returns the descriptor number the child will find
//!   it under; the child passes that number to [`Sender::from_inherited`].
//! - [`Sender::send`] turns a message into bytes with serde (the postcard format), puts
//!   their length in front, and writes that frame with ONE `write()` of at most
//!   [`PIPE_BUF`] bytes, which the kernel never interleaves with another writer's:
//!   several children can share one queue. A message too large for that is refused.
//! - [`BufSender`] wraps a sender for bulk traffic: it holds messages back and writes
//!   as many whole frames as fit in one atomic write.
//! - [`Receiver::try_recv`] and [`Receiver::recv_timeout`] read many frames per
//!   `read()` into a buffer and hand them out one by one, first in, first out: a parent
//!   that must keep noticing Ctrl-C and dead children never waits long.
//!   [`Receiver::recv`] waits as long as it takes, like Python's `get()`, for a parent
//!   with nothing else to watch; it never calls `poll()`, which keeps the pipe fast.
//! - [`Workers`]: the parent's side of a queue shared by numbered children; its `recv`
//!   turns "a child ended before its result" into an error naming the child and how it
//!   ended, and stops when the caller's stop condition says so.
//! - For this lesson's walkthrough: the [`Report`] message and the simulated [`task`];
//!   [`child`] starts a copy of this program that dies with its parent.
//! - [`steps`]: the queue as the chapter builds it, step by step.
//!
//! # Using the queue from another program
//!
//! ```no_run
//! use process_queue::{Receiver, RecvError, Report, Sender, queue};
//! use std::time::Duration;
//!
//! fn parent() -> Result<(), Box<dyn std::error::Error>> {
//!     let (sender, mut receiver) = queue::<Report>()?;
//!     let mut command = process_queue::child::self_command()?;
//!     let fd = sender.inherit(&mut command)?;
//!     command.args(["--queue-fd", &fd.to_string()]); // however your child reads flags
//!     let mut child = command.spawn()?;
//!     // Drop every write end the parent holds (the sender, and the command's copy),
//!     // so the receiver sees end-of-file once the child is gone.
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
//!     // SAFETY: `fd` came from the parent's `Sender::inherit`; nothing else owns it.
//!     let mut sender = unsafe { Sender::<Report>::from_inherited(fd)? };
//!     sender.send(&Report::Result { worker: 0, value: 9.0 })
//! }
//! # let _ = (parent, child);
//! ```
//!
//! One reader, by construction: a [`Receiver`] is not `Clone` (error E0599), so two
//! threads cannot read one queue and split a frame between them.
//!
//! ```compile_fail,E0599
#![doc = include_str!("refused_second_reader.rs")]
//! ```

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};
use std::process::Command;
use std::time::{Duration, Instant};

pub mod child;
pub mod pipe;
pub mod steps;
mod workers;

pub use workers::{Failure, Workers, how_it_ended};

/// The largest write that the kernel keeps in one piece when several processes write
/// into the same pipe (POSIX promises at least 512 bytes; Linux gives 4096, macOS 512).
pub const PIPE_BUF: usize = libc::PIPE_BUF;

/// Bytes in front of every message on the pipe: its length, as a little-endian `u16`.
pub const HEADER_LEN: usize = 2;

/// The most bytes one message may take, so that its frame fits in one atomic write.
pub const MAX_MESSAGE: usize = PIPE_BUF - HEADER_LEN;

/// Makes a queue: a pipe whose write end is the [`Sender`] and read end the
/// [`Receiver`].
///
/// Both ends are close-on-exec: a child gets the write end only when asked for, with
/// [`Sender::inherit`]. The read end is non-blocking, so the receiver can always ask
/// "is anything there?" without getting stuck.
pub fn queue<M: Serialize + DeserializeOwned>() -> io::Result<(Sender<M>, Receiver<M>)>
{
    let (read_end, write_end) = pipe::pipe()?;
    // Only the read end is non-blocking: the flag belongs to the open pipe end, which
    // every child shares with us, and a sender must block (not fail) when the pipe is
    // full.
    fcntl(&read_end, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
    Ok((Sender::new(write_end), Receiver::new(read_end)))
}

/// The write end of a [`queue`]: what a child `put`s messages into.
pub struct Sender<M> {
    fd: OwnedFd,
    /// Reused for every frame, so a send allocates nothing once it has grown.
    frame: Vec<u8>,
    _message: PhantomData<fn(M)>,
}

/// An `InvalidInput` error: what a message that cannot be sent gets.
fn invalid_input(
    what: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what)
}

impl<M> Sender<M> {
    pub(crate) fn new(fd: OwnedFd) -> Self {
        Self {
            fd,
            frame: Vec::new(),
            _message: PhantomData,
        }
    }

    /// Prepares `command` so that the child it starts inherits this sender, and returns
    /// the descriptor number the child will find it under. Pass that number to the
    /// child (this lesson puts it on the child's command line) and give it to
    /// [`Sender::from_inherited`] there. `command` holds a copy of the write end: drop
    /// it once the child is started, or the receiver never sees end-of-file. (How:
    /// [`pipe::inherit`].)
    pub fn inherit(&self, command: &mut Command) -> io::Result<RawFd> {
        pipe::inherit(self.fd.as_fd(), command)
    }

    /// The child's side of [`Sender::inherit`]: takes over the write end inherited as
    /// `fd`, after checking that it is the write end of a pipe, and makes it
    /// close-on-exec again.
    ///
    /// # Safety
    ///
    /// If `fd` is open, nothing else in this process may use or close it: from now on
    /// the sender owns it (and closes it if this function fails). The number a parent
    /// passed after [`Sender::inherit`], used once at the child's start, is such a
    /// descriptor. (A number that is not open is refused with an error.)
    pub unsafe fn from_inherited(fd: RawFd) -> io::Result<Self> {
        // SAFETY: the caller's promise, passed on (the same contract).
        Ok(Self::new(unsafe { pipe::take_inherited(fd)? }))
    }

    /// A second sender on the same pipe (a duplicated descriptor), e.g. for another
    /// thread.
    pub fn try_clone(&self) -> io::Result<Self> {
        Ok(Self::new(self.fd.try_clone()?))
    }
}

impl<M: Serialize> Sender<M> {
    // ANCHOR: send
    /// Sends one message: a frame (its length, then its bytes) with a single `write()`.
    ///
    /// A write of at most `PIPE_BUF` bytes into a pipe is atomic: it lands whole, never
    /// mixed with other writers' bytes. It blocks while the pipe is full (the parent is
    /// behind), and fails with `BrokenPipe` once the read end is gone.
    pub fn send(&mut self, message: &M) -> io::Result<()> {
        let mut frame = std::mem::take(&mut self.frame);
        frame.clear();
        frame.extend_from_slice(&[0; HEADER_LEN]); // the length, filled in below
        let frame = postcard::to_extend(message, frame).map_err(invalid_input)?;
        let len = frame.len() - HEADER_LEN;
        if len > MAX_MESSAGE {
            return Err(invalid_input(format!(
                "a message of {len} bytes: one write takes at most {MAX_MESSAGE}"
            )));
        }
        self.frame = frame;
        self.frame[..HEADER_LEN].copy_from_slice(&(len as u16).to_le_bytes());
        write_once(self.fd.as_fd(), &self.frame)
    }
}

/// Writes `bytes` (whole frames, at most `PIPE_BUF` bytes) with a single `write()`.
fn write_once(fd: BorrowedFd<'_>, bytes: &[u8]) -> io::Result<()> {
    loop {
        match nix::unistd::write(fd, bytes) {
            Ok(n) if n == bytes.len() => return Ok(()),
            // Cannot happen for a blocking pipe and at most PIPE_BUF bytes.
            Ok(n) => return Err(io::Error::other(format!("short write: {n} bytes"))),
            // A signal arrived before anything was written: just try again.
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(errno.into()),
        }
    }
}
// ANCHOR_END: send

// ANCHOR: buf_sender
/// A [`Sender`] for bulk traffic. Like `BufWriter`, it holds messages back and writes
/// many with one `write()`; unlike it, it cuts only between frames and writes at most
/// `PIPE_BUF` bytes at a time, so each write is still atomic and every frame arrives
/// whole, whoever else writes into the pipe. Messages held back leave when the next
/// one would not fit with them, on [`flush`](Self::flush), or when it is dropped.
pub struct BufSender<M> {
    sender: Sender<M>,
    /// `held[..len]`: whole frames, not written yet.
    held: Box<[u8; PIPE_BUF]>,
    len: usize,
}

impl<M: Serialize> BufSender<M> {
    /// Holds `message` back, as a frame after the others; if it does not fit there,
    /// they leave first. A failed write loses the messages it carried.
    pub fn send(&mut self, message: &M) -> io::Result<()> {
        if self.len + HEADER_LEN > PIPE_BUF {
            self.flush()?; // no room left for even a length
        }
        let start = self.len;
        let (header, room) = self.held[start..].split_at_mut(HEADER_LEN);
        match postcard::to_slice(message, room) {
            Ok(bytes) => {
                let len = bytes.len();
                header.copy_from_slice(&(len as u16).to_le_bytes());
                self.len += HEADER_LEN + len;
                Ok(())
            }
            Err(postcard::Error::SerializeBufferFull) if start > 0 => {
                self.flush()?;
                self.send(message) // into the empty buffer
            }
            Err(postcard::Error::SerializeBufferFull) => Err(invalid_input(format!(
                "a message of more than {MAX_MESSAGE} bytes: one write takes no more"
            ))),
            Err(err) => Err(invalid_input(err)),
        }
    }
}

impl<M> BufSender<M> {
    pub fn new(sender: Sender<M>) -> Self {
        let (held, len) = (Box::new([0; PIPE_BUF]), 0);
        Self { sender, held, len }
    }

    /// Writes the messages held back, with one `write()`. Call it where the reader
    /// should see them now: at the end of a batch, before waiting for an answer.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.len == 0 {
            return Ok(());
        }
        let written = write_once(self.sender.fd.as_fd(), &self.held[..self.len]);
        self.len = 0;
        written
    }
}

// ANCHOR_END: buf_sender

impl<M> Drop for BufSender<M> {
    /// Flushes, as `BufWriter` does; an error here is lost (flush first to see it).
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Why a [`Receiver`] returned no message.
#[derive(Debug)]
pub enum RecvError {
    /// Every write end is closed (each child exited or dropped its sender) and every
    /// message has been read: nothing will ever come again.
    Closed,
    /// Bytes that are not a message of this type: a sender of another type, or a writer
    /// that broke the one-write rule.
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
    /// Whether the read end is non-blocking now: `try_recv` needs it to be, `recv` not.
    nonblocking: bool,
    _message: PhantomData<fn() -> M>,
}

impl<M> Receiver<M> {
    fn new(fd: OwnedFd) -> Self {
        Self {
            fd,
            buf: vec![0; READ_BUF].into_boxed_slice(),
            start: 0,
            end: 0,
            nonblocking: true, // as `queue` made it
            _message: PhantomData,
        }
    }

    /// Makes a `read()` wait for data (`false`) or fail with `EAGAIN` at once (`true`).
    /// The flag belongs to the read end, which no child keeps (it is close-on-exec),
    /// so switching it concerns this receiver alone.
    fn set_nonblocking(&mut self, on: bool) -> nix::Result<()> {
        if self.nonblocking != on {
            let flags = if on {
                OFlag::O_NONBLOCK
            } else {
                OFlag::empty()
            };
            fcntl(&self.fd, FcntlArg::F_SETFL(flags))?;
            self.nonblocking = on;
        }
        Ok(())
    }

    /// One `read()` of what the pipe holds, into the buffer after the unfinished frame
    /// (if any); `Ok(0)` is end-of-file.
    fn fill(&mut self) -> nix::Result<usize> {
        // Keep the unfinished frame (if any) and make room after it.
        self.buf.copy_within(self.start..self.end, 0);
        (self.start, self.end) = (0, self.end - self.start);
        let read = nix::unistd::read(&self.fd, &mut self.buf[self.end..])?;
        self.end += read;
        Ok(read)
    }

    /// What end-of-file means: every sender is gone, and a frame was cut short if
    /// bytes of it are left.
    fn end_of_file(&self) -> RecvError {
        if self.start == self.end {
            RecvError::Closed
        } else {
            RecvError::Corrupt("the pipe closed inside a frame".into())
        }
    }
}

impl<M: DeserializeOwned> Receiver<M> {
    // ANCHOR: try_recv
    /// The next message if one is waiting, without blocking: `Ok(None)` means "nothing
    /// yet". Messages already in the buffer cost no system call; otherwise one `read()`
    /// fetches every frame that is waiting. `Err(Closed)` means every sender is gone.
    pub fn try_recv(&mut self) -> Result<Option<M>, RecvError> {
        if let Some(message) = self.next_buffered()? {
            return Ok(Some(message));
        }
        self.set_nonblocking(true)?; // `recv` (step 4) may have left it blocking
        match self.fill() {
            Ok(0) => Err(self.end_of_file()),
            Ok(_) => self.next_buffered(),
            Err(Errno::EAGAIN | Errno::EINTR) => Ok(None),
            Err(errno) => Err(errno.into()),
        }
    }
    // ANCHOR_END: try_recv

    // ANCHOR: recv
    /// Waits for the next message for as long as it takes, like Python's `q.get()`,
    /// and never calls `poll()`. `Err(Closed)` once every sender is gone, so the death
    /// of the only child ends the wait; a child that lives on in silence, or a stop
    /// flag, is not noticed. Use it where there is nothing else to watch (one child,
    /// Ctrl-C left to kill the program); elsewhere use `recv_timeout`.
    pub fn recv(&mut self) -> Result<M, RecvError> {
        loop {
            if let Some(message) = self.next_buffered()? {
                return Ok(message);
            }
            self.set_nonblocking(false)?; // a read that waits for data
            match self.fill() {
                Ok(0) => return Err(self.end_of_file()),
                Ok(_) => {}
                // A signal handler ran: wait again, as Python's `get()` does.
                Err(Errno::EINTR) => {}
                Err(errno) => return Err(errno.into()),
            }
        }
    }
    // ANCHOR_END: recv

    /// Waits up to `timeout` for the next message. `Ok(None)` means nothing came in
    /// time, or a signal interrupted the wait: either way, a good moment to check a
    /// stop flag.
    ///
    /// Each wait costs three system calls: a `read()` that finds nothing, `poll()`,
    /// then the `read()` that fetches what came; every `read()` takes the pipe's lock,
    /// which the writers need too. Where nothing else needs watching, [`recv`] waits in
    /// one `read()` and moves small messages faster (chapter 5, step 4).
    ///
    /// [`recv`]: Self::recv
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
        if len > MAX_MESSAGE {
            return Err(RecvError::Corrupt(format!(
                "a frame of {len} bytes, more than one write holds"
            )));
        }
        let Some(bytes) = waiting.get(HEADER_LEN..HEADER_LEN + len) else {
            return Ok(None); // the rest of this frame has not been read yet
        };
        let message = match postcard::take_from_bytes(bytes) {
            Ok((message, [])) => message,
            Ok((_, rest)) => {
                let what =
                    format!("{} bytes left over in a frame: {bytes:02x?}", rest.len());
                return Err(RecvError::Corrupt(what));
            }
            Err(err) => {
                let what = format!("{err}: {bytes:02x?}");
                return Err(RecvError::Corrupt(what));
            }
        };
        self.start += HEADER_LEN + len;
        Ok(Some(message))
    }
}

// ANCHOR: report
/// What this lesson's children send: Python's `("progression", x)` and `("result", v)`
/// tuples as an enum. Each carries the index of the worker that sent it, because
/// several workers share one queue. serde derives how it turns into bytes and back.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Report {
    /// The task is `percent` % done.
    Progress { worker: u32, percent: f32 },
    /// The task's return value: the last message a worker sends.
    Result { worker: u32, value: f64 },
}
// ANCHOR_END: report

impl Report {
    /// The index of the worker that sent this report.
    pub fn worker(&self) -> u32 {
        match *self {
            Report::Progress { worker, .. } | Report::Result { worker, .. } => worker,
        }
    }
}

/// The tutorial's simulated work: `steps` steps, each sleeping a random
/// 0..=`max_sleep_ms` ms (seeded, so a run can be repeated), then `value * 2`.
///
/// After step `k` (counting from 1) it calls `on_step(k, percent_done)`; an error from
/// it stops the task, so a child whose parent has gone stops working too.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(worker: u32, percent: f32) -> Report {
        Report::Progress { worker, percent }
    }

    /// The bytes `send` writes for `message`: its frame.
    fn frame_of<M: Serialize + DeserializeOwned>(message: &M) -> Vec<u8> {
        let (mut tx, rx) = queue::<M>().unwrap();
        tx.send(message).unwrap();
        let mut frame = vec![0; PIPE_BUF];
        let n = nix::unistd::read(&rx.fd, &mut frame).unwrap();
        frame.truncate(n);
        frame
    }

    #[test]
    fn a_report_is_a_few_bytes() {
        // The length (2 bytes), the variant (1), the worker (a varint: 1 byte below
        // 128), then the number: an f32 (4) or an f64 (8). A pickled tuple takes about
        // 40.
        assert_eq!(frame_of(&progress(3, 42.5)).len(), 2 + 1 + 1 + 4);
        let result = Report::Result {
            worker: u32::MAX,
            value: -1.25,
        };
        assert_eq!(frame_of(&result).len(), 2 + 1 + 5 + 8);
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

    /// Asserts that `rx` reaches end-of-file. Not at once with `try_recv`: a child that
    /// another test is starting holds a copy of every descriptor until its `exec`, so
    /// end-of-file may come a moment late. The ten seconds are only a hang guard.
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
        // The other 99 frames (8 bytes each) are already in the buffer, from that one
        // read.
        assert_eq!(rx.end - rx.start, 99 * 8);
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
        nix::unistd::write(&tx.fd, &[0xff, 0xff, 0]).unwrap();
        assert!(matches!(rx.try_recv(), Err(RecvError::Corrupt(_))));
    }

    #[test]
    fn bytes_that_do_not_decode_are_reported() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        // Variant 9 does not exist.
        nix::unistd::write(&tx.fd, &[2, 0, 9, 0]).unwrap();
        assert!(matches!(rx.try_recv(), Err(RecvError::Corrupt(_))));
    }

    #[test]
    fn bytes_left_over_in_a_frame_are_reported() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        let mut frame = frame_of(&progress(0, 1.0));
        frame[0] += 1;
        frame.push(0); // one byte more than the report
        nix::unistd::write(&tx.fd, &frame).unwrap();
        assert!(matches!(rx.try_recv(), Err(RecvError::Corrupt(_))));
    }

    #[test]
    fn a_frame_cut_short_by_end_of_file_is_corrupt() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        nix::unistd::write(&tx.fd, &[6, 0, 0, 1]).unwrap();
        drop(tx);
        assert!(
            rx.try_recv().unwrap().is_none(),
            "half a frame is not a message"
        );
        // Waits, as `assert_closes` does, for the end-of-file a starting child may
        // delay.
        let end = rx.recv_timeout(Duration::from_secs(10));
        assert!(matches!(end, Err(RecvError::Corrupt(_))), "{end:?}");
    }

    #[test]
    fn a_message_too_large_for_one_write_is_refused() {
        let (mut tx, mut rx) = queue::<String>().unwrap();
        // A string of n bytes takes n + 2 (its length, a varint): the largest that
        // fits...
        let largest = "x".repeat(MAX_MESSAGE - 2);
        tx.send(&largest).unwrap();
        assert_eq!(rx.try_recv().unwrap(), Some(largest));
        // ...and one byte more, which does not.
        let err = tx.send(&"x".repeat(MAX_MESSAGE - 1)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(rx.try_recv().unwrap().is_none(), "nothing was written");
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
        use std::os::fd::IntoRawFd;
        let (tx, rx) = queue::<Report>().unwrap();
        // SAFETY: we own the read end and hand it over; it is closed when the call
        // fails.
        let err = unsafe { Sender::<Report>::from_inherited(rx.fd.into_raw_fd()) }
            .err()
            .unwrap();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        // SAFETY: as above, for the write end.
        let mut sender =
            unsafe { Sender::<Report>::from_inherited(tx.fd.into_raw_fd()) }.unwrap();
        let err = sender.send(&progress(0, 1.0)).unwrap_err();
        assert_eq!(
            err.kind(),
            io::ErrorKind::BrokenPipe,
            "the read end is closed"
        );
    }

    #[test]
    fn recv_waits_for_a_message_then_sees_end_of_file() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        let sender = std::thread::spawn(move || {
            tx.send(&progress(1, 50.0))?;
            tx.send(&progress(1, 100.0))
        });
        assert_eq!(rx.recv().unwrap(), progress(1, 50.0));
        assert_eq!(rx.recv().unwrap(), progress(1, 100.0));
        sender.join().unwrap().unwrap();
        // The sender is dropped: end-of-file ends the wait (a starting child in another
        // test may hold the write end a moment longer, and then recv just waits).
        assert!(matches!(rx.recv(), Err(RecvError::Closed)));
    }

    #[test]
    fn try_recv_after_recv_does_not_wait() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        tx.send(&progress(0, 1.0)).unwrap();
        assert_eq!(rx.recv().unwrap(), progress(0, 1.0));
        // `recv` left the read end blocking. Were it still so, this try_recv would
        // wait in `read()` until the hang guard drops the sender, and see Closed.
        let (done, guard) = std::sync::mpsc::channel::<()>();
        let keeper = std::thread::spawn(move || {
            let _ = guard.recv_timeout(Duration::from_secs(10));
            drop(tx);
        });
        assert!(
            rx.try_recv().unwrap().is_none(),
            "the sender is still there"
        );
        done.send(()).unwrap();
        keeper.join().unwrap();
    }

    #[test]
    fn a_buf_sender_holds_messages_until_flushed() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        let mut tx = BufSender::new(tx);
        for k in 0..3 {
            tx.send(&progress(k, 1.0)).unwrap();
        }
        assert!(rx.try_recv().unwrap().is_none(), "nothing written yet");
        tx.flush().unwrap();
        assert_eq!(rx.try_recv().unwrap(), Some(progress(0, 1.0)));
        assert_eq!(
            rx.end - rx.start,
            2 * 8,
            "the other two came with the first"
        );
        tx.send(&progress(3, 1.0)).unwrap();
        drop(tx); // flushes
        for k in 1..4 {
            assert_eq!(rx.try_recv().unwrap(), Some(progress(k, 1.0)));
        }
        assert_closes(&mut rx);
    }

    #[test]
    fn a_buf_sender_writes_whole_frames_and_at_most_pipe_buf_at_once() {
        let (tx, rx) = queue::<Report>().unwrap();
        let mut tx = BufSender::new(tx);
        // A progress report at worker 0 takes 8 bytes, so `fit` of them fill one
        // write: send one more.
        let fit = PIPE_BUF / 8;
        for k in 0..=fit {
            tx.send(&progress(0, k as f32)).unwrap();
        }
        // The first `fit` went in one write when the last did not fit with them.
        let mut bytes = vec![0; 2 * PIPE_BUF];
        let n = nix::unistd::read(&rx.fd, &mut bytes).unwrap();
        assert_eq!(n, fit * 8);
        assert_eq!(&bytes[..8], &frame_of(&progress(0, 0.0))[..]);
        let last = (fit - 1) as f32;
        assert_eq!(&bytes[n - 8..n], &frame_of(&progress(0, last))[..]);
        assert_eq!(tx.len, 8, "the last one is held back");
    }

    #[test]
    fn a_buf_sender_refuses_a_message_too_large_and_loses_no_other() {
        let (tx, mut rx) = queue::<String>().unwrap();
        let mut tx = BufSender::new(tx);
        tx.send(&"small".to_string()).unwrap();
        let err = tx.send(&"x".repeat(MAX_MESSAGE - 1)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        tx.flush().unwrap();
        assert_eq!(rx.try_recv().unwrap(), Some("small".to_string()));
        assert!(rx.try_recv().unwrap().is_none());
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
