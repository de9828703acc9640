//! The parent's side of a queue shared by numbered children: it reads their [`Report`]s
//! and watches the children themselves, so that a child that dies before its result, or
//! the caller's stop condition (Ctrl-C, say), ends the wait with an error instead of
//! hanging it.

use crate::{Receiver, RecvError, Report};
use std::fmt;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// The longest a blocking call waits before asking the stop condition again.
const TICK: Duration = Duration::from_millis(100);

/// How long a child that closed its end of the pipe gets to finish exiting before it is
/// killed.
const GRACE: Duration = Duration::from_secs(5);

/// How long the pipe may stay open after every worker has exited before
/// [`Workers::finish`] calls it a mistake. Not zero: a child that another thread is
/// starting holds a copy of every descriptor for the moment between its `fork` and its
/// `exec` (close-on-exec acts only at `exec`), and on a busy machine that moment can
/// outlast a tick.
const OPEN_AFTER_EXIT: Duration = Duration::from_secs(1);

/// Why [`Workers`] could not hand over the next report.
#[derive(Debug)]
pub enum Failure {
    /// The stop condition returned this signal number (SIGINT, SIGTERM): stop the
    /// children and exit 128 + number.
    Interrupted(i32),
    /// A worker ended badly: before sending its result, or (`sent_result`) after it.
    ChildDied {
        worker: usize,
        pid: u32,
        status: ExitStatus,
        sent_result: bool,
    },
    /// A report from a worker that does not exist or has already sent its result.
    Unexpected(Report),
    /// Every worker has sent its result and gone: there is nothing more to receive.
    Closed,
    /// The queue itself failed (corrupt bytes, an I/O error).
    Queue(RecvError),
    /// Another system call failed: starting a worker, waiting for one. The error's text
    /// says which.
    Io(io::Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Interrupted(signal) => write!(f, "interrupted by signal {signal}"),
            Failure::ChildDied {
                worker,
                pid,
                status,
                sent_result: false,
            } => write!(
                f,
                "worker {worker} (pid {pid}) ended before sending its result: it {}",
                how_it_ended(*status)
            ),
            Failure::ChildDied {
                worker,
                pid,
                status,
                sent_result: true,
            } => write!(
                f,
                "worker {worker} (pid {pid}) sent its result, but then {}",
                how_it_ended(*status)
            ),
            Failure::Unexpected(report) => write!(f, "unexpected report {report:?}"),
            Failure::Closed => write!(f, "every worker has already sent its result"),
            Failure::Queue(err) => err.fmt(f),
            Failure::Io(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for Failure {}

impl From<RecvError> for Failure {
    fn from(err: RecvError) -> Self {
        Failure::Queue(err)
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Self {
        Failure::Io(err)
    }
}

/// "exited with code 3", or "was killed by signal 6 (SIGABRT)".
pub fn how_it_ended(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        format!("exited with code {code}")
    } else if let Some(signal) = status.signal() {
        let name = nix::sys::signal::Signal::try_from(signal)
            .map_or("unknown", |s| s.as_str());
        format!("was killed by signal {signal} ({name})")
    } else {
        status.to_string()
    }
}

struct Worker {
    child: Child,
    /// Its `Report::Result` has arrived.
    done: bool,
    /// Set once the child has been reaped.
    status: Option<ExitStatus>,
}

/// What asks [`Workers`] to stop waiting: the number of a signal that arrived, if any.
type Stop = Box<dyn Fn() -> Option<i32>>;

/// The parent's end of a queue of [`Report`]s and the children writing into it, worker
/// `i` being the `i`-th child added. Dropping it kills and reaps the children still
/// running.
pub struct Workers {
    receiver: Receiver<Report>,
    children: Vec<Worker>,
    stop: Stop,
}

impl Workers {
    /// Watches `receiver`. `stop` is asked at least every 100 ms while waiting: once it
    /// returns a signal number (a Ctrl-C handler's flag, say), the wait ends with
    /// [`Failure::Interrupted`]. Pass `|| None` to wait only for the children.
    pub fn new(
        receiver: Receiver<Report>,
        stop: impl Fn() -> Option<i32> + 'static,
    ) -> Self {
        Self {
            receiver,
            children: Vec::new(),
            stop: Box::new(stop),
        }
    }

    /// Adds a started child; its reports must carry the index returned.
    pub fn add(&mut self, child: Child) -> usize {
        self.children.push(Worker {
            child,
            done: false,
            status: None,
        });
        self.children.len() - 1
    }

    // ANCHOR: recv
    /// Waits for the next report, like Python's `q.get()`, but never forever: a child
    /// that ends before its result, or the stop condition, ends the wait with an error.
    pub fn recv(&mut self) -> Result<Report, Failure> {
        loop {
            if let Some(report) = self.next(TICK)? {
                return Ok(report);
            }
        }
    }

    /// The next report, waiting at most `wait`; `Ok(None)` if none came by then.
    fn next(&mut self, wait: Duration) -> Result<Option<Report>, Failure> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(signal) = (self.stop)() {
                return Err(Failure::Interrupted(signal));
            }
            let got = self.receiver.try_recv();
            if let Some(report) = self.take(got)? {
                return Ok(Some(report));
            }
            // The pipe is empty, so all that an already-reaped child wrote has been
            // read: if its result was not among it, it died.
            if let Some(index) = self
                .children
                .iter()
                .position(|w| w.status.is_some() && !w.done)
            {
                return Err(self.died(index));
            }
            if self.reap_exited()? {
                continue; // judge the newly exited once the pipe is seen empty again
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let got = self.receiver.recv_timeout(left.min(TICK));
            if let Some(report) = self.take(got)? {
                return Ok(Some(report));
            }
        }
    }
    // ANCHOR_END: recv

    /// The next report if one is already waiting, without blocking (a zero-timeout
    /// poll). `Ok(None)`: nothing is waiting (or nothing ever will: every result is
    /// in).
    pub fn try_recv(&mut self) -> Result<Option<Report>, Failure> {
        match self.next(Duration::ZERO) {
            Err(Failure::Closed) => Ok(None),
            other => other,
        }
    }

    /// True once every worker has sent its result.
    pub fn all_done(&self) -> bool {
        self.children.iter().all(|w| w.done)
    }

    /// After every result: reads to end-of-file (so no child is stuck writing), then
    /// reaps the children. Fails if a child sends more or ends badly, or if the pipe is
    /// still open a second after every child has exited.
    pub fn finish(mut self) -> Result<(), Failure> {
        let mut all_exited_at = None;
        loop {
            match self.next(TICK) {
                Ok(Some(report)) => return Err(Failure::Unexpected(report)),
                Ok(None) if self.children.iter().all(|w| w.status.is_some()) => {
                    // Every child has exited, yet no end-of-file: someone else holds a
                    // write end. A child being started by another thread lets go of it
                    // at its `exec`; a Sender the parent forgot never does.
                    let since = *all_exited_at.get_or_insert_with(Instant::now);
                    if since.elapsed() < OPEN_AFTER_EXIT {
                        continue;
                    }
                    return Err(Failure::Queue(RecvError::Io(io::Error::other(
                        "every worker has exited but the queue is still open: does the parent \
                         still hold a Sender, or a Command prepared with Sender::inherit?",
                    ))));
                }
                Ok(None) => {}
                Err(Failure::Closed) => break,
                Err(other) => return Err(other),
            }
        }
        for index in 0..self.children.len() {
            let status = self.status_of(index)?;
            if !status.success() {
                return Err(self.child_died(index, status));
            }
        }
        Ok(())
    }

    /// Kills (SIGKILL) and reaps every child still running. Safe to call more than
    /// once.
    pub fn stop(&mut self) {
        for worker in self.children.iter_mut().filter(|w| w.status.is_none()) {
            let _ = worker.child.kill();
            worker.status = worker.child.wait().ok();
        }
    }

    /// Turns what the receiver returned into a report, or the error to give the caller.
    fn take(
        &mut self,
        got: Result<Option<Report>, RecvError>,
    ) -> Result<Option<Report>, Failure> {
        match got {
            Ok(Some(report)) => {
                let index = report.worker() as usize;
                match self.children.get_mut(index) {
                    Some(worker) if !worker.done => {
                        worker.done = matches!(report, Report::Result { .. });
                        Ok(Some(report))
                    }
                    _ => Err(Failure::Unexpected(report)),
                }
            }
            Ok(None) => Ok(None),
            // End-of-file: every child has closed its end, so all have exited or are
            // exiting.
            Err(RecvError::Closed) => {
                match self.children.iter().position(|w| !w.done) {
                    Some(index) => Err(self.died(index)),
                    None => Err(Failure::Closed),
                }
            }
            Err(err) => Err(Failure::Queue(err)),
        }
    }

    /// Reaps, without waiting, every child that has exited; true if there was one.
    fn reap_exited(&mut self) -> io::Result<bool> {
        let mut any = false;
        for worker in self.children.iter_mut().filter(|w| w.status.is_none()) {
            worker.status = worker.child.try_wait().map_err(waiting)?;
            any |= worker.status.is_some();
        }
        Ok(any)
    }

    /// The error for worker `index`, which ended before its result.
    fn died(&mut self, index: usize) -> Failure {
        // With Ctrl-C the whole process group gets SIGINT: the children die of it, and
        // the parent must report the interruption, not their deaths.
        if let Some(signal) = (self.stop)() {
            return Failure::Interrupted(signal);
        }
        match self.status_of(index) {
            Ok(status) => self.child_died(index, status),
            Err(err) => err,
        }
    }

    fn child_died(&self, index: usize, status: ExitStatus) -> Failure {
        let worker = &self.children[index];
        Failure::ChildDied {
            worker: index,
            pid: worker.child.id(),
            status,
            sent_result: worker.done,
        }
    }

    /// How worker `index` ended, reaping it if needed. It has closed its end of the
    /// pipe, so it is exiting; if it still runs after `GRACE`, it is killed.
    fn status_of(&mut self, index: usize) -> Result<ExitStatus, Failure> {
        let worker = &mut self.children[index];
        if let Some(status) = worker.status {
            return Ok(status);
        }
        let deadline = Instant::now() + GRACE;
        let status = loop {
            if let Some(status) = worker.child.try_wait().map_err(waiting)? {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = worker.child.kill();
                break worker.child.wait().map_err(waiting)?;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        worker.status = Some(status);
        Ok(status)
    }
}

/// A failed `waitpid`, saying so.
fn waiting(err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("waiting for a worker: {err}"))
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_signals_are_told_apart() {
        assert_eq!(
            how_it_ended(ExitStatus::from_raw(3 << 8)),
            "exited with code 3"
        );
        assert_eq!(
            how_it_ended(ExitStatus::from_raw(libc::SIGABRT)),
            "was killed by signal 6 (SIGABRT)"
        );
    }

    #[test]
    fn the_error_names_the_child_and_how_it_ended() {
        let failure = Failure::ChildDied {
            worker: 2,
            pid: 1234,
            status: ExitStatus::from_raw(libc::SIGABRT),
            sent_result: false,
        };
        assert_eq!(
            failure.to_string(),
            "worker 2 (pid 1234) ended before sending its result: it was killed by signal 6 (SIGABRT)"
        );
    }
}
