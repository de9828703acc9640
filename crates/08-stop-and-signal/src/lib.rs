//! Lesson `stop-and-signal`: stopping work you started.
//!
//! A thread cannot be killed, in Rust or in Python: it can only be *asked* to stop, and it
//! stops when it next looks. So the thread half of this lesson is about asking well: a stop
//! flag checked between steps ([`task_with_flag`]), a cancel channel that also wakes a
//! sleeping step ([`sleep_or_cancel`]), a join with a deadline for the thread that does not
//! listen ([`Watched::join_timeout`]), and a pool whose queued jobs can be cancelled
//! ([`Pool`], [`Ticket::cancel`]).
//!
//! A process *can* be killed, so the process half is about doing it in the right order:
//! SIGTERM (please stop), a grace period, then SIGKILL (stop now), and reaping the child to
//! learn how it ended ([`terminate`], [`Ending`]). Signals can also carry requests: the
//! lesson's child turns them into flags ([`Requests`]) and answers SIGUSR1 with a
//! [`Report::Progress`] line on its stdout, which the parent reads with [`Lines`]. The
//! children are copies of this program that die with their parent ([`child`]).
//!
//! The twins in `examples/` are the short versions of the same ideas.

pub mod child;

/// What the chapter says the compiler refuses, kept as `compile_fail` doctests.
pub mod refused {
    #![doc = concat!(
        "A plain `bool` as a stop flag, written by one thread while another reads it: ",
        "E0506, it is borrowed.\n\n```compile_fail,E0506\n",
        include_str!("refused/plain_bool.rs"),
        "```"
    )]
}

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, select};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use signal_hook::consts::{SIGTERM, SIGUSR1};
use std::fmt;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdout, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::Ordering::{AcqRel, Acquire};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// The task
// ---------------------------------------------------------------------------------------

/// The tutorial's simulated work: `steps` steps, each a random sleep of up to
/// `max_sleep_ms`; its answer is `value * 2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Work {
    pub value: f64,
    pub steps: u32,
    pub max_sleep_ms: u64,
    /// Seeds the sleeps, so that a run can be repeated exactly.
    pub seed: u64,
}

impl Work {
    /// The sleep of each step, in order.
    fn sleeps(&self) -> impl Iterator<Item = Duration> {
        let mut rng = StdRng::seed_from_u64(self.seed);
        let max = self.max_sleep_ms;
        (0..self.steps).map(move |_| Duration::from_millis(rng.random_range(0..=max)))
    }
}

/// Percent done once `done` of `steps` steps have ended: the tutorial's
/// `(k + 1) * 100 / steps` after step `k`.
pub fn percent_done(done: u32, steps: u32) -> f32 {
    done as f32 * 100.0 / steps as f32
}

/// How a stoppable task ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// It ran every step; this is its value.
    Finished(f64),
    /// It was asked to stop and did, after this many steps.
    Stopped { after: u32 },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Finished(value) => write!(f, "finished with {value}"),
            Outcome::Stopped { after: 0 } => write!(f, "stopped before its first step"),
            Outcome::Stopped { after: 1 } => write!(f, "stopped after 1 step"),
            Outcome::Stopped { after } => write!(f, "stopped after {after} steps"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Stopping threads
// ---------------------------------------------------------------------------------------

/// The task, stoppable with a flag that it checks before each step.
///
/// Whoever wants it to stop sets `stop`; the task notices at its next step boundary, so
/// stopping takes up to one step. `on_step(done)` runs after each step.
// ANCHOR: stop_flag
pub fn task_with_flag(
    work: &Work,
    stop: &AtomicBool,
    mut on_step: impl FnMut(u32),
) -> Outcome {
    for (k, sleep) in (0..).zip(work.sleeps()) {
        // Relaxed is enough: the flag carries no other data that must be seen with it.
        if stop.load(Ordering::Relaxed) {
            return Outcome::Stopped { after: k };
        }
        thread::sleep(sleep);
        on_step(k + 1);
    }
    Outcome::Finished(work.value * 2.0)
}
// ANCHOR_END: stop_flag

/// Sleeps for `duration`, or less if `cancel` fires first; true when cancelled.
///
/// `cancel` fires when a message arrives or when every `Sender` is gone. Dropping the
/// sender is the better way to cancel: one `send` wakes one receiver, a drop wakes
/// them all.
// ANCHOR: cancel
pub fn sleep_or_cancel(cancel: &Receiver<()>, duration: Duration) -> bool {
    select! {
        recv(cancel) -> _ => true,
        default(duration) => false,
    }
}
// ANCHOR_END: cancel

/// The task, cancellable mid-step: a step's sleep ends as soon as `cancel` fires.
pub fn task_with_cancel(
    work: &Work,
    cancel: &Receiver<()>,
    mut on_step: impl FnMut(u32),
) -> Outcome {
    for (k, sleep) in (0..).zip(work.sleeps()) {
        if sleep_or_cancel(cancel, sleep) {
            return Outcome::Stopped { after: k };
        }
        on_step(k + 1);
    }
    Outcome::Finished(work.value * 2.0)
}

/// A thread whose end can be awaited with a deadline: std's `JoinHandle` has no
/// `join_timeout`, so the thread holds a channel that closes when it ends.
// ANCHOR: watched
pub struct Watched<T> {
    handle: JoinHandle<T>,
    done: Receiver<()>,
}

/// Runs `f` on a new thread that can be joined with a deadline. Fails if the system
/// refuses the thread (`thread::spawn` would panic).
pub fn spawn_watched<T, F>(f: F) -> io::Result<Watched<T>>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (done_tx, done) = crossbeam_channel::bounded::<()>(0);
    let handle = thread::Builder::new().spawn(move || {
        let _done = done_tx; // dropped when `f` returns *or panics*: that is the signal
        f()
    })?;
    Ok(Watched { handle, done })
}

impl<T> Watched<T> {
    /// `Ok`: what `join` gives (the value, or the panic). `Err`: the thread, still
    /// running; wait again, or drop it, which *detaches* it (nothing can kill it).
    pub fn join_timeout(self, timeout: Duration) -> Result<thread::Result<T>, Self> {
        match self.done.recv_timeout(timeout) {
            Err(RecvTimeoutError::Timeout) => Err(self),
            // Nothing is ever sent, so this is the disconnect: the thread has ended.
            _ => Ok(self.handle.join()),
        }
    }
}
// ANCHOR_END: watched

type Job = Box<dyn FnOnce() + Send>;

const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
const CANCELLED: u8 = 2;

/// A few worker threads taking jobs from one queue. A job still in the queue can be
/// cancelled (Python's `Future.cancel()`); a running one can only be asked to stop.
/// (Kept small: a job that panics takes its worker down, and its ticket gets `None`;
/// the pool of lesson 1 catches panics.)
pub struct Pool {
    queue: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

/// The caller's side of a submitted job.
pub struct Ticket<T> {
    state: Arc<AtomicU8>,
    result: Receiver<T>,
}

impl Pool {
    /// Starts `workers` threads. Fails if the system refuses one; those already started
    /// are then joined (dropping the pool does it).
    pub fn new(workers: usize) -> io::Result<Self> {
        let (queue, jobs) = crossbeam_channel::unbounded::<Job>();
        let mut pool = Pool {
            queue: Some(queue),
            workers: Vec::with_capacity(workers),
        };
        for _ in 0..workers {
            let jobs = jobs.clone();
            let worker = thread::Builder::new()
                .spawn(move || jobs.into_iter().for_each(|job| job()))?;
            pool.workers.push(worker);
        }
        Ok(pool)
    }

    /// Queues `f`; the ticket cancels it or waits for its value.
    pub fn submit<T, F>(&self, f: F) -> Ticket<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let state = Arc::new(AtomicU8::new(QUEUED));
        let (reply, result) = crossbeam_channel::bounded(1);
        let job_state = Arc::clone(&state);
        // ANCHOR: pool_job
        let job: Job = Box::new(move || {
            // One atomic step decides the race with `cancel`: exactly one of them wins.
            let (from, to) = (QUEUED, RUNNING);
            if job_state
                .compare_exchange(from, to, AcqRel, Acquire)
                .is_ok()
            {
                let _ = reply.send(f());
            } // else cancelled while queued: never run
        });
        // ANCHOR_END: pool_job
        if let Some(queue) = &self.queue {
            let _ = queue.send(job);
        }
        Ticket { state, result }
    }
}

impl<T> Ticket<T> {
    /// Cancels the job if it has not started. True: it will never run. False: it is
    /// running or done, and only the job itself can stop (with a flag or a channel).
    pub fn cancel(&self) -> bool {
        let (from, to) = (QUEUED, CANCELLED);
        self.state
            .compare_exchange(from, to, AcqRel, Acquire)
            .is_ok()
    }

    /// Waits for the job's value; `None` if it was cancelled (or panicked).
    pub fn wait(self) -> Option<T> {
        if self.state.load(Ordering::Acquire) == CANCELLED {
            return None;
        }
        self.result.recv().ok()
    }
}

impl Drop for Pool {
    /// Closes the queue and joins the workers: they run what is queued (a cancelled job
    /// returns at once), then their loop ends.
    fn drop(&mut self) {
        self.queue.take();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Processes: what the child says
// ---------------------------------------------------------------------------------------

/// What the lesson's child tells its parent: one short line on its stdout each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Report {
    /// Its signal handlers are installed: only from now on may it be signalled.
    Ready,
    /// Its answer to SIGUSR1: this many steps are done.
    Progress(u32),
    /// It saw SIGTERM and stopped after this many steps.
    Stopped(u32),
    /// It finished; this is the task's value.
    Done(f64),
}

/// The status the child exits with after stopping cleanly on SIGTERM: 128 + 15, what a
/// shell shows for a program that SIGTERM ended, so callers can treat both alike.
pub const EXIT_STOPPED: i32 = 143;

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Report::Ready => write!(f, "ready"),
            Report::Progress(done) => write!(f, "progress {done}"),
            Report::Stopped(after) => write!(f, "stopped {after}"),
            Report::Done(value) => write!(f, "done {value}"),
        }
    }
}

impl std::str::FromStr for Report {
    type Err = String;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let bad = || format!("not a report: {line:?}");
        let mut words = line.split_whitespace();
        let report = match (words.next(), words.next()) {
            (Some("ready"), None) => Report::Ready,
            (Some("progress"), Some(n)) => {
                Report::Progress(n.parse().map_err(|_| bad())?)
            }
            (Some("stopped"), Some(n)) => {
                Report::Stopped(n.parse().map_err(|_| bad())?)
            }
            (Some("done"), Some(v)) => Report::Done(v.parse().map_err(|_| bad())?),
            _ => return Err(bad()),
        };
        match words.next() {
            None => Ok(report),
            Some(_) => Err(bad()),
        }
    }
}

/// What a parent asks of the lesson's child, by signal: SIGTERM sets `stop`, SIGUSR1
/// sets `asked`. The child's loop reads both between its steps.
///
/// The handlers do nothing but set the flag. A handler runs in the middle of whatever
/// its thread was doing, perhaps inside `println!` or `malloc` holding their locks, so
/// it must not print or allocate: the loop does that, later.
pub struct Requests {
    /// SIGTERM has come: stop at the next step boundary.
    pub stop: Arc<AtomicBool>,
    /// SIGUSR1 has come: say how far you are (take it with `swap(false)`).
    pub asked: Arc<AtomicBool>,
}

impl Requests {
    /// Installs the two handlers. Until it returns, SIGTERM and SIGUSR1 still have
    /// their default action, which ends the process: say `ready` only after it.
    // ANCHOR: requests
    pub fn install() -> io::Result<Requests> {
        let (stop, asked) = (Arc::default(), Arc::default());
        signal_hook::flag::register(SIGTERM, Arc::clone(&stop))?;
        signal_hook::flag::register(SIGUSR1, Arc::clone(&asked))?;
        Ok(Requests { stop, asked })
    }
    // ANCHOR_END: requests
}

/// Reads a child's stdout line by line, waiting at most a given time for each, so that
/// the reader can look at other things (an interrupt, a clock) in between.
pub struct Lines {
    pipe: ChildStdout,
    pending: Vec<u8>,
}

/// What [`Lines::next`] found.
// ANCHOR: next
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Line(String),
    /// Nothing yet (the time ran out, or a signal arrived for this process).
    Timeout,
    /// The child has closed its stdout: it has exited, or is exiting.
    Eof,
}
// ANCHOR_END: next

impl Lines {
    pub fn new(pipe: ChildStdout) -> Self {
        Lines {
            pipe,
            pending: Vec::new(),
        }
    }

    /// The next line, waiting up to about `timeout` for it.
    pub fn next(&mut self, timeout: Duration) -> io::Result<Next> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return Ok(Next::Line(
                    String::from_utf8_lossy(&line[..end]).into_owned(),
                ));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let mut fds = [PollFd::new(self.pipe.as_fd(), PollFlags::POLLIN)];
            match poll(
                &mut fds,
                PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX),
            ) {
                Ok(0) => return Ok(Next::Timeout),
                Ok(_) => {}
                // A signal for us (Ctrl-C...) cut the wait short: let the caller look at it.
                Err(Errno::EINTR) => return Ok(Next::Timeout),
                Err(errno) => return Err(errno.into()),
            }
            // poll said readable, so this read does not block.
            let mut buf = [0u8; 512];
            match self.pipe.read(&mut buf) {
                Ok(0) if self.pending.is_empty() => return Ok(Next::Eof),
                // A last line without its newline is still a line.
                Ok(0) => self.pending.push(b'\n'),
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    return Ok(Next::Timeout);
                }
                Err(e) => return Err(e),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Processes: signalling, terminating, reaping
// ---------------------------------------------------------------------------------------

/// Sends `signal` to `child` unless it has already been reaped; false if it had ended.
///
/// A PID names a process only until its parent reaps it; then the kernel may give the
/// number to a new, unrelated process. Only this `Child` handle reaps this child, so
/// while `try_wait` finds it unreaped its PID is still its own, even if it has just
/// exited (an unreaped zombie keeps its PID, and a signal to it does nothing).
// ANCHOR: send_signal
pub fn send_signal(child: &mut Child, signal: Signal) -> io::Result<bool> {
    if child.try_wait()?.is_some() {
        return Ok(false);
    }
    let pid = i32::try_from(child.id()).map_err(io::Error::other)?;
    kill(Pid::from_raw(pid), signal)?;
    Ok(true)
}
// ANCHOR_END: send_signal

/// How a child process ended, from the status its parent reaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It called `exit` with this status (Python: `exitcode >= 0`).
    Exited(i32),
    /// This signal ended it (Python: `exitcode == -signal`).
    Killed(i32),
}

impl From<ExitStatus> for Ending {
    fn from(status: ExitStatus) -> Self {
        match status.code() {
            Some(code) => Ending::Exited(code),
            // On Unix a reaped status without a code was ended by a signal.
            None => Ending::Killed(status.signal().unwrap_or_default()),
        }
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ending::Exited(code) => write!(f, "exited with status {code}"),
            Ending::Killed(signal) => match Signal::try_from(signal) {
                Ok(name) => {
                    write!(f, "was killed by signal {signal} ({})", name.as_str())
                }
                Err(_) => write!(f, "was killed by signal {signal}"),
            },
        }
    }
}

/// Waits up to `timeout` for `child` to end, and reaps it; `None` if it is still running.
/// (std has no `Child::wait_timeout`, so this polls `try_wait` every 10 ms.)
pub fn wait_timeout(
    child: &mut Child,
    timeout: Duration,
) -> io::Result<Option<Ending>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status.into()));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        thread::sleep(left.min(Duration::from_millis(10)));
    }
}

/// How often [`terminate_or_hurry`] asks whether to hurry.
const HURRY_POLL: Duration = Duration::from_millis(50);

/// What [`terminate`] had to send before the child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Nothing: it had already ended.
    Nothing,
    /// SIGTERM, and it ended within the grace period.
    Sigterm,
    /// SIGTERM, then, the grace period over, SIGKILL.
    SigtermThenSigkill,
}

/// Stops `child` politely if it can, by force if it must, and reaps it: SIGTERM, up
/// to `grace` for it to finish and exit, then SIGKILL (which cannot be caught or
/// ignored).
pub fn terminate(child: &mut Child, grace: Duration) -> io::Result<(Sent, Ending)> {
    terminate_or_hurry(child, grace, || false)
}

/// [`terminate`], except that the grace period ends at once when `hurry()` says so (it
/// is asked every 50 ms): a parent that is being stopped itself, by Ctrl-C, must not
/// sit out a long grace period first.
// ANCHOR: terminate
pub fn terminate_or_hurry(
    child: &mut Child,
    grace: Duration,
    hurry: impl Fn() -> bool,
) -> io::Result<(Sent, Ending)> {
    if let Some(status) = child.try_wait()? {
        return Ok((Sent::Nothing, status.into()));
    }
    send_signal(child, Signal::SIGTERM)?;
    let deadline = Instant::now() + grace;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Some(ending) = wait_timeout(child, left.min(HURRY_POLL))? {
            return Ok((Sent::Sigterm, ending));
        }
        if left <= HURRY_POLL || hurry() {
            break;
        }
    }
    send_signal(child, Signal::SIGKILL)?;
    // SIGKILL ends a process at once, unless it is stuck inside the kernel (state D): a
    // bounded wait still, so that this never hangs.
    match wait_timeout(child, Duration::from_secs(5))? {
        Some(ending) => Ok((Sent::SigtermThenSigkill, ending)),
        None => Err(io::Error::other("the child outlived SIGKILL by 5 s")),
    }
}
// ANCHOR_END: terminate

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};
    use std::sync::Barrier;

    const GUARD: Duration = Duration::from_secs(10);

    fn work(steps: u32, max_sleep_ms: u64) -> Work {
        Work {
            value: 4.5,
            steps,
            max_sleep_ms,
            seed: 7,
        }
    }

    #[test]
    fn unstopped_tasks_return_twice_the_value() {
        let never = AtomicBool::new(false);
        assert_eq!(
            task_with_flag(&work(3, 1), &never, |_| {}),
            Outcome::Finished(9.0)
        );
        let (_keep, cancel) = crossbeam_channel::bounded::<()>(0);
        assert_eq!(
            task_with_cancel(&work(3, 1), &cancel, |_| {}),
            Outcome::Finished(9.0)
        );
    }

    #[test]
    fn same_seed_same_sleeps() {
        let a: Vec<_> = work(20, 100).sleeps().collect();
        let b: Vec<_> = work(20, 100).sleeps().collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|d| *d <= Duration::from_millis(100)));
        assert_eq!(percent_done(1, 4), 25.0);
    }

    #[test]
    fn stop_flag_stops_a_thread_at_the_next_step() {
        let stop = Arc::new(AtomicBool::new(false));
        // Rendezvous channels: the thread reports a step, then waits for "go on".
        let (step_tx, steps) = crossbeam_channel::bounded(0);
        let (go_tx, go) = crossbeam_channel::bounded(0);
        let worker = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                task_with_flag(&work(1000, 1), &stop, |done| {
                    step_tx.send(done).unwrap();
                    go.recv().unwrap();
                })
            })
        };
        assert_eq!(steps.recv_timeout(GUARD), Ok(1));
        go_tx.send(()).unwrap();
        assert_eq!(steps.recv_timeout(GUARD), Ok(2));
        stop.store(true, Ordering::Relaxed);
        go_tx.send(()).unwrap();
        assert_eq!(worker.join().unwrap(), Outcome::Stopped { after: 2 });
    }

    #[test]
    fn dropping_the_cancel_sender_wakes_a_long_sleep() {
        let (cancel, cancelled) = crossbeam_channel::bounded::<()>(0);
        let (woke_tx, woke) = crossbeam_channel::bounded(1);
        let barrier = Arc::new(Barrier::new(2));
        let b = Arc::clone(&barrier);
        thread::spawn(move || {
            b.wait();
            // An hour: only the cancel can end this within the guard.
            let _ =
                woke_tx.send(sleep_or_cancel(&cancelled, Duration::from_secs(3600)));
        });
        barrier.wait();
        drop(cancel);
        assert_eq!(woke.recv_timeout(GUARD), Ok(true));
    }

    #[test]
    fn one_cancel_drop_stops_every_task_sharing_the_channel() {
        let (cancel, cancelled) = crossbeam_channel::bounded::<()>(0);
        let (step_tx, steps) = crossbeam_channel::unbounded();
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let (cancelled, step_tx) = (cancelled.clone(), step_tx.clone());
                // Up to an hour per step: they end within the guard only if cancelled.
                thread::spawn(move || {
                    task_with_cancel(&work(5, 3_600_000), &cancelled, |d| {
                        step_tx.send(d).unwrap()
                    })
                })
            })
            .collect();
        drop(cancel);
        for task in tasks {
            let (tx, rx) = crossbeam_channel::bounded(1);
            thread::spawn(move || tx.send(task.join().unwrap()));
            assert!(matches!(
                rx.recv_timeout(GUARD),
                Ok(Outcome::Stopped { .. })
            ));
        }
        drop(step_tx);
        assert!(steps.try_iter().all(|d| d < 5));
    }

    #[test]
    fn join_timeout_reports_a_thread_that_does_not_stop() {
        let (release, blocked) = crossbeam_channel::bounded::<()>(0);
        let watched = spawn_watched(move || {
            blocked.recv().unwrap();
            42
        })
        .unwrap();
        // It is blocked until we release it, so no deadline can see it end.
        let watched = match watched.join_timeout(Duration::from_millis(50)) {
            Err(still_running) => still_running,
            Ok(_) => panic!("a blocked thread cannot have ended"),
        };
        release.send(()).unwrap();
        assert_eq!(
            watched.join_timeout(GUARD).ok().map(Result::unwrap),
            Some(42)
        );
    }

    #[test]
    fn join_timeout_hands_back_a_panic() {
        let watched = spawn_watched(|| panic!("boom")).unwrap();
        let joined = watched.join_timeout(GUARD).ok().expect("the thread ended");
        assert!(joined.is_err());
    }

    #[test]
    fn only_queued_jobs_can_be_cancelled() {
        let pool = Pool::new(1).unwrap();
        let (started_tx, started) = crossbeam_channel::bounded(0);
        let (release, gate) = crossbeam_channel::bounded::<()>(0);
        let first = pool.submit(move || {
            started_tx.send(()).unwrap();
            gate.recv().unwrap();
            1
        });
        let second = pool.submit(|| 2);
        let third = pool.submit(|| 3);
        started.recv_timeout(GUARD).unwrap();
        // The one worker is inside `first`, so `second` and `third` are still queued.
        assert!(!first.cancel(), "a running job cannot be cancelled");
        assert!(second.cancel());
        assert!(!second.cancel(), "cancelling twice reports no change");
        release.send(()).unwrap();
        assert_eq!(first.wait(), Some(1));
        assert_eq!(second.wait(), None);
        assert_eq!(third.wait(), Some(3));
    }

    #[test]
    fn reports_round_trip_and_junk_is_refused() {
        for report in [
            Report::Ready,
            Report::Progress(3),
            Report::Stopped(0),
            Report::Done(9.0),
            Report::Done(-2.5),
        ] {
            assert_eq!(report.to_string().parse::<Report>(), Ok(report));
        }
        assert_eq!(Report::Done(9.0).to_string(), "done 9");
        for junk in ["", "ready now", "progress", "progress x", "hello 3"] {
            assert!(junk.parse::<Report>().is_err(), "{junk:?}");
        }
    }

    /// Starts `/bin/sh -c script` with its stdout on a pipe; it dies with the test.
    fn sh(script: &str) -> Child {
        let mut command = Command::new("/bin/sh");
        command
            .args(["-c", script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        crate::child::die_with_parent(&mut command);
        command.spawn().unwrap()
    }

    #[test]
    fn lines_reads_lines_then_eof_and_times_out_in_between() {
        let mut child = sh("echo one; printf 'two\\nthree'; exec sleep 30");
        let mut lines = Lines::new(child.stdout.take().unwrap());
        assert_eq!(lines.next(GUARD).unwrap(), Next::Line("one".into()));
        assert_eq!(lines.next(GUARD).unwrap(), Next::Line("two".into()));
        // "three" has no newline yet and `sleep` keeps the pipe open: no whole line to give.
        assert_eq!(
            lines.next(Duration::from_millis(20)).unwrap(),
            Next::Timeout
        );
        let (_, ending) = terminate(&mut child, GUARD).unwrap();
        assert_eq!(ending, Ending::Killed(libc::SIGTERM));
        assert_eq!(lines.next(GUARD).unwrap(), Next::Line("three".into()));
        assert_eq!(lines.next(GUARD).unwrap(), Next::Eof);
    }

    #[test]
    fn endings_tell_exit_codes_from_signals() {
        let mut exits = sh("exit 3");
        assert_eq!(exits.wait().map(Ending::from).unwrap(), Ending::Exited(3));
        let mut killed = sh("kill -9 $$");
        let ending = Ending::from(killed.wait().unwrap());
        assert_eq!(ending, Ending::Killed(9));
        assert_eq!(ending.to_string(), "was killed by signal 9 (SIGKILL)");
    }

    #[test]
    fn a_reaped_child_is_never_signalled() {
        let mut child = sh("exit 0");
        child.wait().unwrap();
        assert!(!send_signal(&mut child, Signal::SIGKILL).unwrap());
        assert_eq!(
            terminate(&mut child, GUARD).unwrap(),
            (Sent::Nothing, Ending::Exited(0))
        );
    }

    #[test]
    fn a_hurry_cuts_a_long_grace_period_short() {
        // It ignores SIGTERM, so only SIGKILL ends it: after an hour, or on the hurry.
        let mut child = sh("trap '' TERM; echo ready; while :; do sleep 1; done");
        let mut lines = Lines::new(child.stdout.take().unwrap());
        assert_eq!(lines.next(GUARD).unwrap(), Next::Line("ready".into()));
        let asked = Instant::now();
        let hurry = || asked.elapsed() > Duration::from_millis(100);
        let hour = Duration::from_secs(3600);
        let (sent, ending) = terminate_or_hurry(&mut child, hour, hurry).unwrap();
        assert_eq!(sent, Sent::SigtermThenSigkill);
        assert_eq!(ending, Ending::Killed(libc::SIGKILL));
        assert!(asked.elapsed() < GUARD, "{:?}", asked.elapsed());
    }

    #[test]
    fn wait_timeout_gives_up_on_a_running_child() {
        let mut child = sh("exec sleep 30");
        assert_eq!(
            wait_timeout(&mut child, Duration::from_millis(20)).unwrap(),
            None
        );
        assert_eq!(
            terminate(&mut child, GUARD).unwrap(),
            (Sent::Sigterm, Ending::Killed(libc::SIGTERM))
        );
    }
}
