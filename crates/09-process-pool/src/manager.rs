//! The pool's manager thread and the state it shares with `submit`: the queue of tasks,
//! the workers and what each one has in flight.

use crate::TaskError;
use crate::bytes::Bytes;
use crate::child::self_command;
use crate::slot::Slot;
use crate::wire::{FrameReader, Reply, Request};
use crate::worker::{WORKER_ARG, WORKER_VAR};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use serde::Serialize;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, ExitStatus, Stdio};
use std::sync::atomic::AtomicU64;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The replies of one worker, as the manager reads them.
type Replies = FrameReader<ChildStdout>;

/// Tasks sent ahead wait in their worker's pipe, at most this many bytes of them: so
/// that the pipe (16 KiB at least on macOS, 64 KiB on Linux) always has room for all,
/// and a write never blocks while the pool's lock is held, only a task whose request
/// takes at most `AHEAD_BYTES / send_ahead` bytes is sent ahead (64 by default).
const AHEAD_BYTES: usize = 8 * 1024;

/// How long a worker that closed its stdout gets to finish exiting before it is killed.
const GRACE: Duration = Duration::from_secs(2);

/// What the pool was built with.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub workers: usize,
    pub program: PathBuf,
    pub retry_crashed: bool,
    pub send_ahead: usize,
}

/// A submitted task, until its outcome is in its slot.
pub(crate) struct Entry {
    pub id: u64,
    /// The request its worker reads, as one frame ready to write (see
    /// [`Entry::request`]).
    pub request: Bytes,
    pub slot: Arc<Slot>,
    pub retried: bool,
}

// ANCHOR: request
impl Entry {
    /// The frame that asks a worker to run `task` on `arg` as task `id`. The caller
    /// builds it, at `submit`: the manager, which serves every worker, only copies it.
    pub fn request(id: u64, task: &str, arg: &impl Serialize) -> io::Result<Bytes> {
        let arg = Bytes::encode(arg).map_err(io::Error::other)?;
        Bytes::frame(&Request {
            id,
            task,
            arg: &arg,
        })
    }
}
// ANCHOR_END: request

/// One worker process, seen from the pool.
pub(crate) struct Worker {
    /// `None` once it has been reaped.
    child: Option<Child>,
    pub pid: u32,
    /// Its stdin; `None` once closed (shutdown) or broken (it is dying).
    requests: Option<ChildStdin>,
    /// The tasks sent to it and not answered yet, oldest first: the first one is the
    /// one it is running.
    in_flight: VecDeque<Entry>,
    /// It has said `Ready`.
    ready: bool,
}

/// Everything the pool's lock protects.
pub(crate) struct State {
    pub pending: VecDeque<Entry>,
    pub workers: Vec<Worker>,
    /// `shutdown` was called: finish the queue, then close the workers' stdin.
    pub closing: bool,
    /// `terminate` was called (or the pool dropped): no task runs any more.
    pub stopped: bool,
    /// Why the pool cannot run tasks at all, if it cannot.
    pub broken: Option<String>,
    /// Frames on their way to a worker; kept to reuse its memory.
    out: Vec<u8>,
    /// Slots settled by replies whose callers wait: woken after the manager has read
    /// every reply there is, so that each wakes once and finds all of them.
    pub to_wake: Vec<Arc<Slot>>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    pub options: Options,
    /// The id of the next task submitted: taken without the lock.
    pub next_id: AtomicU64,
}

impl Shared {
    pub fn new(options: Options) -> Self {
        Shared {
            state: Mutex::new(State {
                pending: VecDeque::new(),
                workers: Vec::new(),
                closing: false,
                stopped: false,
                broken: None,
                out: Vec::new(),
                to_wake: Vec::new(),
            }),
            options,
            next_id: AtomicU64::new(0),
        }
    }

    /// The lock is never held across code that can panic (tasks run in the workers),
    /// so it is not poisoned; if it were, the state would still be whole.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts one worker: this program again, with the worker argument, its stdin and
/// stdout made pipes to us, dying with us.
fn start_worker(options: &Options) -> io::Result<(Worker, Replies)> {
    let mut child = self_command(&options.program)
        .arg(WORKER_ARG)
        .env(WORKER_VAR, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let requests = child.stdin.take();
    let replies = child.stdout.take().expect("stdout was piped");
    let worker = Worker {
        pid: child.id(),
        child: Some(child),
        requests,
        in_flight: VecDeque::new(),
        ready: false,
    };
    Ok((worker, FrameReader::new(replies)))
}

impl State {
    // ANCHOR: dispatch
    /// Hands queued tasks to the workers: first one to each idle worker; then, while
    /// many tasks wait, some more to each worker ahead of need (see `top_up`).
    pub fn dispatch(&mut self, send_ahead: usize) {
        for w in 0..self.workers.len() {
            self.top_up(w, 1, 0);
        }
        // Only a long queue is worth sending ahead: each worker would find more work
        // waiting anyway, and a task sent ahead cannot go to another worker any more.
        // And a worker is topped up only once it has done half of what it was sent
        // ahead: then each write carries many tasks, not one or two.
        let keep = self.workers.len() * send_ahead;
        for w in 0..self.workers.len() {
            if self.workers[w].in_flight.len() <= 1 + send_ahead / 2 {
                self.top_up(w, 1 + send_ahead, keep);
            }
        }
    }
    // ANCHOR_END: dispatch

    // ANCHOR: top_up
    /// Sends worker `w` tasks from the front of the queue, all in one `write()`, until
    /// it has `limit` in flight or only `keep` tasks are left in the queue.
    fn top_up(&mut self, w: usize, limit: usize, keep: usize) {
        let (pending, out) = (&mut self.pending, &mut self.out);
        let worker = &mut self.workers[w];
        let Some(requests) = worker.requests.as_mut() else {
            return; // shut, or dying
        };
        let first_new = worker.in_flight.len();
        // The largest request sent ahead, in bytes.
        let max_ahead = AHEAD_BYTES / limit.saturating_sub(1).max(1);
        out.clear();
        while worker.in_flight.len() < limit && pending.len() > keep {
            let ahead = !worker.in_flight.is_empty();
            if ahead && pending.front().is_some_and(|e| e.request.len() > max_ahead) {
                break;
            }
            let entry = pending.pop_front().expect("not empty");
            if !entry.slot.mark_sent() {
                continue; // cancelled while it waited
            }
            out.extend_from_slice(&entry.request);
            if !ahead && worker.ready {
                entry.slot.set_running_on(worker.pid);
            }
            worker.in_flight.push_back(entry);
        }
        if !out.is_empty() && requests.write_all(out).is_err() {
            // Its stdin is closed: it is dead or dying, and its end-of-file is on the
            // way. These tasks never reached it: back to the queue.
            worker.requests = None;
            for entry in worker.in_flight.drain(first_new..).rev() {
                entry.slot.mark_queued();
                pending.push_front(entry);
            }
        }
    }
    // ANCHOR_END: top_up

    /// Takes the reply in `frame` from worker `w`. Anything but the reply to the task
    /// it runs (its first in flight) is a broken promise: the worker is killed.
    fn on_reply(&mut self, w: usize, frame: &[u8]) {
        let worker = &mut self.workers[w];
        let outcome = match postcard::from_bytes::<Reply>(frame) {
            Ok(Reply::Ready) => {
                worker.ready = true;
                if let Some(first) = worker.in_flight.front() {
                    first.slot.set_running_on(worker.pid);
                }
                return;
            }
            Ok(Reply::Done { id, result }) => (id, Ok(Bytes::from(result))),
            Ok(Reply::Failed { id, failure }) => (id, Err(TaskError::Failed(failure))),
            Err(_) => (u64::MAX, Err(TaskError::AlreadyTaken)),
        };
        match worker.in_flight.front() {
            Some(head) if head.id == outcome.0 => {
                let entry = worker.in_flight.pop_front().expect("not empty");
                if entry.slot.settle_quietly(outcome.1) {
                    self.to_wake.push(entry.slot); // once all replies are read
                }
                if let Some(next) = worker.in_flight.front() {
                    next.slot.set_running_on(worker.pid);
                }
            }
            _ => {
                if let Some(child) = worker.child.as_mut() {
                    let _ = child.kill();
                }
                worker.requests = None;
            }
        }
    }

    // ANCHOR: worker_gone
    /// Worker `w` closed its stdout: it died, or it exits because we closed its stdin.
    /// Reaps it; fails the task it was running (or, if the pool retries, queues it
    /// again, once); puts the tasks sent ahead back at the front of the queue; starts
    /// a replacement. Returns the replacement's replies.
    fn worker_gone(&mut self, w: usize, options: &Options) -> Option<Replies> {
        let worker = &mut self.workers[w];
        worker.requests = None;
        let status = worker.child.take().map_or_else(killed, reap);
        let (pid, ready) = (worker.pid, worker.ready);
        let mut lost = std::mem::take(&mut worker.in_flight);
        if self.stopped {
            lost.iter()
                .for_each(|e| e.slot.settle(Err(TaskError::Stopped)));
            return None;
        }
        if !ready && status.code().is_some() {
            return self.not_a_worker(pid, status, lost);
        }
        if let Some(mut running) = lost.pop_front() {
            if options.retry_crashed && !running.retried {
                running.retried = true;
                lost.push_front(running); // first in the queue again
            } else {
                let died = TaskError::WorkerDied { pid, status };
                running.slot.settle(Err(died));
            }
        }
        while let Some(entry) = lost.pop_back() {
            entry.slot.mark_queued();
            self.pending.push_front(entry);
        }
        self.replace(w, options)
    }
    // ANCHOR_END: worker_gone

    /// A worker exited before it said `Ready`: the program does not serve (its `main`
    /// does not call `serve_if_worker` first?), and a replacement would do the same.
    fn not_a_worker(
        &mut self,
        pid: u32,
        status: ExitStatus,
        lost: VecDeque<Entry>,
    ) -> Option<Replies> {
        let how = crate::how_it_ended(status);
        self.pending.extend(lost);
        self.break_pool(format!("a worker (pid {pid}) {how} before it was ready"));
        None
    }

    /// Starts a worker in place of worker `w`, if there is work left for it.
    fn replace(&mut self, w: usize, options: &Options) -> Option<Replies> {
        if self.broken.is_some() || (self.closing && self.pending.is_empty()) {
            return None;
        }
        match start_worker(options) {
            Ok((worker, replies)) => {
                self.workers[w] = worker;
                Some(replies)
            }
            Err(err) => {
                if self.workers.iter().all(|w| w.child.is_none()) {
                    self.break_pool(format!("could not start a worker: {err}"));
                }
                None
            }
        }
    }

    /// The pool cannot run tasks: every queued one fails with `why`, and so will every
    /// later one.
    fn break_pool(&mut self, why: String) {
        for entry in self.pending.drain(..) {
            entry.slot.settle(Err(TaskError::Broken(why.clone())));
        }
        self.broken = Some(why);
        for worker in &mut self.workers {
            worker.requests = None; // the others finish what they run, then exit
        }
    }

    /// Kills every worker now: `terminate`, and dropping the pool. The manager reaps
    /// them, and fails the tasks they ran.
    pub fn stop(&mut self) {
        self.stopped = true;
        for entry in self.pending.drain(..) {
            entry.slot.settle(Err(TaskError::Stopped));
        }
        for worker in &mut self.workers {
            worker.requests = None;
            if let Some(child) = worker.child.as_mut() {
                let _ = child.kill();
            }
        }
    }

    /// During a shutdown, once every task is done: close each worker's stdin, and each
    /// one exits when it has read to the end.
    pub fn close_if_done(&mut self) {
        let done = self.pending.is_empty()
            && self.workers.iter().all(|w| w.in_flight.is_empty());
        if self.closing && done {
            for worker in &mut self.workers {
                worker.requests = None;
            }
        }
    }

    /// The pids of the workers alive now.
    pub fn pids(&self) -> Vec<u32> {
        self.workers
            .iter()
            .filter(|w| w.child.is_some())
            .map(|w| w.pid)
            .collect()
    }
}

/// The status we report for a worker that vanished without one.
fn killed() -> ExitStatus {
    ExitStatus::from_raw(libc::SIGKILL)
}

/// How a worker that closed its stdout ended. It is exiting, so this takes moments; one
/// that lives on after [`GRACE`] anyway is killed.
fn reap(mut child: Child) -> ExitStatus {
    let deadline = Instant::now() + GRACE;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_micros(200));
            }
            _ => {
                let _ = child.kill();
                return child.wait().unwrap_or_else(|_| killed());
            }
        }
    }
}

/// The manager thread: starts the workers, then reads their replies and hands out the
/// queue until the pool is shut down or stopped and every worker has been reaped.
pub(crate) fn manage(shared: Arc<Shared>, started: mpsc::Sender<io::Result<()>>) {
    let mut replies = Vec::new();
    {
        let mut state = shared.lock();
        for _ in 0..shared.options.workers {
            match start_worker(&shared.options) {
                Ok((worker, reader)) => {
                    state.workers.push(worker);
                    replies.push(Some(reader));
                }
                Err(err) => {
                    state.stop(); // the manager reaps those started, then ends
                    let _ = started.send(Err(err));
                    break;
                }
            }
        }
    }
    let _ = started.send(Ok(())); // ignored if an error was sent first
    serve_workers(&shared, replies);
}

// ANCHOR: manage
/// The manager's loop: wait until some worker has written (or closed its stdout), read
/// without the lock, then take the replies, reap the dead and hand out the queue under
/// it. Ends when no worker is left.
fn serve_workers(shared: &Shared, mut replies: Vec<Option<Replies>>) {
    let options = &shared.options;
    let (mut open, mut ready, mut ended) = (Vec::new(), Vec::new(), Vec::new());
    let mut to_wake = Vec::new();
    loop {
        open.clear();
        open.extend((0..replies.len()).filter(|&w| replies[w].is_some()));
        if open.is_empty() {
            return; // every worker has been reaped, and none replaced
        }
        let mut fds: Vec<PollFd> = (open.iter())
            .map(|&w| replies[w].as_ref().expect("open").get_ref().as_fd())
            .map(|fd| PollFd::new(fd, PollFlags::POLLIN))
            .collect();
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(err) => panic!("poll failed: {err}"),
        }
        ready.clear();
        ready.extend(
            (fds.iter().zip(&open))
                .filter(|(fd, _)| fd.any().unwrap_or(true))
                .map(|(_, &w)| w),
        );
        drop(fds);
        ended.clear();
        for &w in &ready {
            let reader = replies[w].as_mut().expect("open");
            if !matches!(reader.fill(), Ok(n) if n > 0) {
                ended.push(w); // end-of-file (or a broken pipe): it is gone
            }
        }
        let mut state = shared.lock();
        for &w in &ready {
            let reader = replies[w].as_mut().expect("open");
            while let Some(frame) = reader.next_frame() {
                state.on_reply(w, frame);
            }
        }
        for &w in &ended {
            replies[w] = state.worker_gone(w, options);
        }
        state.dispatch(options.send_ahead);
        state.close_if_done();
        std::mem::swap(&mut to_wake, &mut state.to_wake);
        drop(state);
        to_wake.drain(..).for_each(|slot| slot.wake());
    }
}
// ANCHOR_END: manage
