//! The ceilings: for each row that measures a lesson's building block, the same
//! operation done the plainest way the machine offers, with nothing a lesson adds
//! (no error handling beyond a check, no framing, no type, no child hygiene). A row
//! reports its Rust figure as a fraction of this, measured in the same run.
//!
//! Children here are made with `fork` and do only async-signal-safe work (system
//! calls and arithmetic) until `_exit`, as lesson 4 teaches: the plainest child there
//! is. Every wait for one is bounded by [`HANG_GUARD`].

use crate::idioms::HANG_GUARD;
use std::io::{self, Read};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: channel
/// Tasks per second when the pool is nothing but a crossbeam channel: `workers`
/// threads receive task numbers and store `i + 1` into a preallocated array; the
/// caller sends every number, then waits for the workers and adds the results up. One
/// send and one receive per task, and no allocation.
pub fn channel_batch(workers: usize, tasks: u64) -> f64 {
    through_channel(workers, tasks, 0..tasks, |i, results| {
        results[i as usize].store(i + 1, Ordering::Release);
    })
}

/// Sends every message (inside the clock) to `workers` threads, each of which hands
/// each message it receives to `store`, which stores `i + 1` into the preallocated
/// array for each task `i` of the message; then checks the results add up. Returns
/// tasks per second.
fn through_channel<M: Send>(
    workers: usize,
    tasks: u64,
    messages: impl Iterator<Item = M>,
    store: impl Fn(M, &[AtomicU64]) + Sync,
) -> f64 {
    let results: Vec<AtomicU64> = (0..tasks).map(|_| AtomicU64::new(0)).collect();
    let (send, receive) = crossbeam_channel::unbounded::<M>();
    let elapsed = thread::scope(|s| {
        for _ in 0..workers {
            let (receive, results, store) = (receive.clone(), &results, &store);
            s.spawn(move || {
                for message in receive {
                    store(message, results);
                }
            });
        }
        let start = Instant::now();
        for message in messages {
            send.send(message).expect("the workers are there");
        }
        drop(send);
        start // the scope waits for the workers before it returns
    })
    .elapsed();
    let total: u64 = results.iter().map(|r| r.load(Ordering::Acquire)).sum();
    assert_eq!(total, tasks * (tasks + 1) / 2, "a result went missing");
    tasks as f64 / elapsed.as_secs_f64()
}

// ANCHOR_END: channel

// ANCHOR: channel_chunks
/// The same, with the numbers sent as ranges of `chunk`: the plainest `map` in chunks.
/// Each worker stores `i + 1` for every number of a range it receives.
pub fn channel_chunks(workers: usize, tasks: u64, chunk: u64) -> f64 {
    let firsts = (0..tasks).step_by(chunk.max(1) as usize);
    let ranges = firsts.map(|first| first..(first + chunk).min(tasks));
    through_channel(workers, tasks, ranges, |range, results| {
        for i in range {
            results[i as usize].store(i + 1, Ordering::Release);
        }
    })
}
// ANCHOR_END: channel_chunks

// ANCHOR: spin_roundtrip
/// The mean time to hand a number to another thread and get `i + 1` back, when both
/// threads spin on an atomic instead of sleeping: no system call, no wake-up, only the
/// cache line travelling between two cores. (A pool that never sleeps would get this
/// close; a pool whose idle threads sleep pays for waking them.)
pub fn spin_roundtrip(rounds: u64) -> io::Result<Duration> {
    const STOP: u64 = u64::MAX;
    let (job, answer) = (AtomicU64::new(0), AtomicU64::new(0));
    let spin_until = |word: &AtomicU64, want: &dyn Fn(u64) -> bool| -> Option<u64> {
        let deadline = Instant::now() + HANG_GUARD;
        loop {
            for _ in 0..1_000 {
                let seen = word.load(Ordering::Acquire);
                if want(seen) {
                    return Some(seen);
                }
                std::hint::spin_loop();
            }
            if Instant::now() > deadline {
                return None;
            }
        }
    };
    thread::scope(|s| {
        s.spawn(|| {
            let mut last = 0;
            while let Some(i) = spin_until(&job, &|seen| seen != last) {
                if i == STOP {
                    return;
                }
                answer.store(i + 1, Ordering::Release);
                last = i;
            }
        });
        // Jobs are numbered from 1, so that each differs from the one before.
        let start = Instant::now();
        let mut outcome = Ok(());
        for i in 1..=rounds {
            job.store(i, Ordering::Release);
            if spin_until(&answer, &|seen| seen == i + 1).is_none() {
                outcome = Err(io::Error::new(io::ErrorKind::TimedOut, "no answer"));
                break;
            }
        }
        let each = start.elapsed() / rounds.max(1) as u32;
        job.store(STOP, Ordering::Release);
        outcome.map(|()| each)
    })
}

// ANCHOR_END: spin_roundtrip

// ANCHOR: starts
/// The mean time to start `program` with `args` through a plain `Command` (no
/// `pre_exec` hook, so std uses `posix_spawn`), read its stdout to the end and wait for
/// it to exit.
pub fn plain_start(program: &str, args: &[&str], starts: u32) -> io::Result<Duration> {
    let start = Instant::now();
    for _ in 0..starts {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut out = Vec::new();
        child.stdout.take().expect("piped").read_to_end(&mut out)?;
        let status = child.wait()?;
        if !status.success() {
            return Err(io::Error::other(format!("{program} ended with {status}")));
        }
    }
    Ok(start.elapsed() / starts.max(1))
}

/// The mean time to `fork` a child that writes 8 bytes (a result) up a pipe and calls
/// `_exit(0)`, to read the pipe to its end and to reap the child.
pub fn fork_pipe(starts: u32) -> io::Result<Duration> {
    let start = Instant::now();
    for _ in 0..starts {
        let (read_end, write_end) = pipe()?;
        let child = fork_child(|| {
            close(read_end);
            i32::from(!write_all(write_end, &9.0f64.to_ne_bytes()))
        });
        close(write_end);
        let mut got = [0u8; 64];
        let mut len = 0;
        // SAFETY: read writes at most the rest of `got`, which we own.
        while let n @ 1.. = unsafe {
            libc::read(read_end, got[len..].as_mut_ptr().cast(), got.len() - len)
        } {
            len += n as usize;
        }
        close(read_end);
        reap_now(child?)?;
        if len != 8 {
            return Err(io::Error::other("the child sent no result"));
        }
    }
    Ok(start.elapsed() / starts.max(1))
}
// ANCHOR_END: starts

/// `/bin/true`, or where this system keeps it.
pub fn true_program() -> &'static str {
    ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("true")
}

/// Forks a child that runs `body` and `_exit`s with what it returns.
///
/// `body` must be async-signal-safe: system calls and arithmetic on memory prepared
/// before the fork, no allocation, no lock, no stdio (the child has only this thread;
/// a lock another thread held at the fork stays taken for ever).
fn fork_child(body: impl FnOnce() -> i32) -> io::Result<libc::pid_t> {
    // SAFETY: the child runs only `body` (async-signal-safe, the caller's promise) and
    // `_exit`, and never returns into the parent's code.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            let code = body();
            // SAFETY: _exit ends the child at once, running no destructor or handler.
            unsafe { libc::_exit(code) }
        }
        pid => Ok(pid),
    }
}

/// Waits for the forked child `pid`, at most [`HANG_GUARD`] (then kills it); a child
/// that did not exit with 0 is an error.
fn reap(pid: libc::pid_t) -> io::Result<()> {
    let deadline = Instant::now() + HANG_GUARD;
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes the status into our variable.
        match unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } {
            0 if Instant::now() < deadline => thread::sleep(Duration::from_micros(20)),
            0 => {
                // SAFETY: kill and waitpid on our own unreaped child.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, &mut status, 0);
                }
                return Err(io::Error::new(io::ErrorKind::TimedOut, "a child hung"));
            }
            -1 => {
                let err = io::Error::last_os_error();
                if err.kind() != io::ErrorKind::Interrupted {
                    return Err(err);
                }
            }
            _ if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 => {
                return Ok(());
            }
            _ => {
                return Err(io::Error::other(format!(
                    "a child ended with {status:#x}"
                )));
            }
        }
    }
}

/// Waits for a forked child asleep in `waitpid`, without the polling of [`reap`]: for
/// a child that exits at once (the polling's sleeps would be what the start probe
/// measures) or one that ends by itself within its own `alarm` (polling would take CPU
/// from the children being timed).
fn reap_now(pid: libc::pid_t) -> io::Result<()> {
    let mut status = 0;
    // SAFETY: waitpid writes the status into our variable.
    while unsafe { libc::waitpid(pid, &mut status, 0) } == -1 {
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
        Ok(())
    } else {
        Err(io::Error::other(format!("a child ended with {status:#x}")))
    }
}

/// A pipe: (read end, write end), raw descriptors the caller closes with [`close`].
fn pipe() -> io::Result<(i32, i32)> {
    let mut fds = [0; 2];
    // SAFETY: pipe writes two descriptors into the array.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok((fds[0], fds[1]))
}

fn close(fd: i32) {
    // SAFETY: the caller owns `fd` and uses it no more.
    unsafe { libc::close(fd) };
}

/// Reads exactly `buf.len()` bytes with as many `read` calls as it takes (one, for a
/// message that was written whole); false at end of file or on an error.
/// Async-signal-safe.
fn read_exact(fd: i32, buf: &mut [u8]) -> bool {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: read writes at most the rest of `buf`, which we own.
        let n =
            unsafe { libc::read(fd, buf[got..].as_mut_ptr().cast(), buf.len() - got) };
        if n > 0 {
            got += n as usize;
        } else if n == 0
            || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted
        {
            return false;
        }
    }
    true
}

/// One `write` of all of `bytes` (a pipe takes up to PIPE_BUF bytes whole).
/// Async-signal-safe.
fn write_all(fd: i32, bytes: &[u8]) -> bool {
    loop {
        // SAFETY: write reads `bytes`, which we own.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n == bytes.len() as isize {
            return true;
        }
        if n != -1 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return false;
        }
    }
}

/// The size of one frame of lesson 5's queue as the `queue` row sends it: a 2-byte
/// length and the postcard bytes of `Report::Progress` (a tag, the worker, an `f32`).
pub const QUEUE_FRAME: usize = 8;

// ANCHOR: pipe_messages
/// Messages per second through a pipe, one `write` of a [`QUEUE_FRAME`]-byte message
/// by a forked child and one `read` of it by us. The child waits for a byte on a
/// second pipe, the starting gun, so that the clock covers the messages only.
pub fn pipe_messages(messages: u64) -> io::Result<f64> {
    pipe_batches(messages, 1)
}

/// Messages per second through a pipe, `per_write` of them to each `write` of a forked
/// child (the last one may carry fewer), each write read back with one `read`.
fn pipe_batches(messages: u64, per_write: usize) -> io::Result<f64> {
    assert!((1..=libc::PIPE_BUF / QUEUE_FRAME).contains(&per_write));
    let batch = |k: u64| per_write.min((messages - k) as usize) * QUEUE_FRAME;
    let (data_read, data_write) = pipe()?;
    let (go_read, go_write) = pipe()?;
    let child = fork_child(|| {
        close(data_read);
        close(go_write);
        if !read_exact(go_read, &mut [0u8; 1]) {
            return 1;
        }
        let mut chunk = [7u8; libc::PIPE_BUF];
        let mut k = 0;
        while k < messages {
            let bytes = &mut chunk[..batch(k)];
            for message in bytes.chunks_exact_mut(QUEUE_FRAME) {
                message[4..8].copy_from_slice(&(k as f32).to_le_bytes());
                k += 1;
            }
            if !write_all(data_write, bytes) {
                return 1;
            }
        }
        0
    });
    close(data_write);
    close(go_read);
    let timed = child
        .as_ref()
        .map_err(|_| io::Error::other("no writer"))
        .and_then(|_| {
            let start = Instant::now();
            if !write_all(go_write, b"g") {
                return Err(io::Error::other("the writer is gone"));
            }
            let mut chunk = [0u8; libc::PIPE_BUF];
            let mut k = 0;
            while k < messages {
                let bytes = &mut chunk[..batch(k)];
                if !read_exact(data_read, bytes) {
                    return Err(io::Error::other("a message went missing"));
                }
                k += (bytes.len() / QUEUE_FRAME) as u64;
            }
            Ok(messages as f64 / start.elapsed().as_secs_f64())
        });
    close(go_write);
    close(data_read);
    reap(child?)?;
    timed
}
// ANCHOR_END: pipe_messages

// ANCHOR: pipe_messages_batched
/// The same messages as [`pipe_messages`], as many to a `write` as fit in one atomic
/// write (`PIPE_BUF` bytes: 512 messages on Linux), each batch read back with one
/// `read`: the ceiling of the `queue-batched` row.
pub fn pipe_messages_batched(messages: u64) -> io::Result<f64> {
    pipe_batches(messages, libc::PIPE_BUF / QUEUE_FRAME)
}
// ANCHOR_END: pipe_messages_batched

/// A shared anonymous mapping of `len` bytes (zeros), which forked children share with
/// us; unmapped when dropped.
struct SharedPage {
    at: *mut libc::c_void,
    len: usize,
}

impl SharedPage {
    fn new(len: usize) -> io::Result<Self> {
        // SAFETY: a fresh anonymous mapping; no existing memory is touched.
        let at = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if at == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(SharedPage { at, len })
    }

    /// The `index`-th 32-bit word of the page as an atomic.
    fn u32(&self, index: usize) -> &AtomicU32 {
        assert!((index + 1) * 4 <= self.len);
        // SAFETY: in bounds (checked), aligned (the mapping is page-aligned), and the
        // memory lives as long as `self`; atomics are how both processes touch it.
        unsafe { &*self.at.cast::<AtomicU32>().add(index) }
    }
}

impl Drop for SharedPage {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly what `new` mapped; no reference outlives `self`.
        unsafe { libc::munmap(self.at, self.len) };
    }
}

/// Waits (bounded) until `word` holds at least `value`.
fn wait_until(word: &AtomicU32, value: u32) -> io::Result<()> {
    let deadline = Instant::now() + HANG_GUARD;
    while word.load(Ordering::Acquire) < value {
        if Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "a child is not ready",
            ));
        }
        thread::sleep(Duration::from_micros(50));
    }
    Ok(())
}

/// In a forked child: sleeps 1 ms (async-signal-safe).
fn nap_1ms() {
    let nap = libc::timespec {
        tv_sec: 0,
        tv_nsec: 1_000_000,
    };
    // SAFETY: nanosleep reads the timespec on our stack.
    unsafe { libc::nanosleep(&nap, std::ptr::null_mut()) };
}

// ANCHOR: shared_store
/// Updates per second of an `f32` stored as its bits into shared memory with a plain
/// atomic store, while a forked reader reads it every millisecond, as the
/// `shared-value` row's reader does. Word 0 is the value, 1 the reader's "ready", 2
/// "stop".
pub fn shared_store(updates: u64) -> io::Result<f64> {
    let page = SharedPage::new(4096)?;
    let (value, ready, stop) = (page.u32(0), page.u32(1), page.u32(2));
    let reader = fork_child(|| {
        ready.store(1, Ordering::Release);
        let mut seen = 0u32;
        while stop.load(Ordering::Acquire) == 0 {
            seen = seen.wrapping_add(value.load(Ordering::Relaxed));
            nap_1ms();
        }
        i32::from(std::hint::black_box(seen) == u32::MAX)
    })?;
    let timed = wait_until(ready, 1).map(|()| {
        let start = Instant::now();
        for i in 0..updates {
            value.store((i as f32).to_bits(), Ordering::Relaxed);
        }
        updates as f64 / start.elapsed().as_secs_f64()
    });
    stop.store(1, Ordering::Release);
    reap(reader)?;
    timed
}
// ANCHOR_END: shared_store

// ANCHOR: robust_mutex
/// Increments per second of two forked processes that each lock a robust,
/// process-shared pthread mutex in shared memory, add one to a counter beside it and
/// unlock, `per_process` times: lesson 7's lock with nothing of lesson 7 around it. The
/// clock runs from the start signal until both are reaped, as in the lesson's row, and
/// the parent waits as the lesson's does: asleep in `waitpid`. (Polling, as [`reap`]
/// does, took a share of the two cores from the children, so they fought less for the
/// lock and counted faster than two processes that really contend: 1.5 CPU over wall
/// instead of 1.85.) A child that hangs is killed by its own `alarm` after
/// [`HANG_GUARD`]. Also returns the children's CPU time over wall time, so that a
/// ceiling whose processes did not really contend shows.
#[cfg(target_os = "linux")]
pub fn robust_mutex(per_process: u64) -> io::Result<(f64, f64)> {
    #[repr(C, align(64))]
    struct Shared {
        mutex: libc::pthread_mutex_t,
        count: u64,
    }
    let page = SharedPage::new(8192)?;
    let shared = page.at.cast::<Shared>();
    // The control words live on the second page, away from the lock's cache line.
    let (ready, go) = (page.u32(1024), page.u32(1025));
    // SAFETY: the page is ours, zeroed, aligned and big enough; nobody uses the mutex
    // before it is initialised here.
    unsafe {
        let mut attr = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
        libc::pthread_mutexattr_init(attr.as_mut_ptr());
        libc::pthread_mutexattr_setpshared(
            attr.as_mut_ptr(),
            libc::PTHREAD_PROCESS_SHARED,
        );
        libc::pthread_mutexattr_setrobust(
            attr.as_mut_ptr(),
            libc::PTHREAD_MUTEX_ROBUST,
        );
        let code = libc::pthread_mutex_init(&raw mut (*shared).mutex, attr.as_ptr());
        libc::pthread_mutexattr_destroy(attr.as_mut_ptr());
        if code != 0 {
            return Err(io::Error::from_raw_os_error(code));
        }
    }
    let cpu_before = crate::idioms::cpu_time(libc::RUSAGE_CHILDREN)?;
    let mut children = Vec::new();
    for _ in 0..2 {
        let child = fork_child(|| {
            // SAFETY: alarm is async-signal-safe; nobody here handles SIGALRM, so it
            // ends the child.
            unsafe { libc::alarm(HANG_GUARD.as_secs() as libc::c_uint) };
            ready.fetch_add(1, Ordering::AcqRel);
            while go.load(Ordering::Acquire) == 0 {
                nap_1ms();
            }
            for _ in 0..per_process {
                // SAFETY: the mutex was initialised before the fork and the page stays
                // mapped; the count is only touched under the lock.
                unsafe {
                    if libc::pthread_mutex_lock(&raw mut (*shared).mutex) != 0 {
                        return 1;
                    }
                    (*shared).count += 1;
                    libc::pthread_mutex_unlock(&raw mut (*shared).mutex);
                }
            }
            0
        });
        match child {
            Ok(pid) => children.push(pid),
            Err(err) => {
                go.store(1, Ordering::Release);
                children.into_iter().for_each(|pid| drop(reap(pid)));
                return Err(err);
            }
        }
    }
    let ready = wait_until(ready, 2);
    let start = Instant::now();
    go.store(1, Ordering::Release);
    // Every child is reaped, even after one failed; each ends within its alarm.
    let reaped: Vec<io::Result<()>> = children.into_iter().map(reap_now).collect();
    let elapsed = start.elapsed();
    ready?;
    reaped.into_iter().collect::<io::Result<()>>()?;
    // SAFETY: both children are gone; only we read the count now.
    let count = unsafe { (*shared).count };
    assert_eq!(count, 2 * per_process, "the lock let an update get lost");
    let cpu = crate::idioms::cpu_time(libc::RUSAGE_CHILDREN)? - cpu_before;
    let elapsed = elapsed.as_secs_f64();
    Ok((count as f64 / elapsed, cpu.as_secs_f64() / elapsed))
}

/// Elsewhere there is no robust process-shared mutex to call (lesson 7 uses `flock`).
#[cfg(not(target_os = "linux"))]
pub fn robust_mutex(_per_process: u64) -> io::Result<(f64, f64)> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "Linux only"))
}
// ANCHOR_END: robust_mutex

// ANCHOR: pipe_workers
/// Tasks per second through 2 forked worker processes that read a task (8 bytes, a
/// number) from a pipe and write back the number plus one (8 bytes): one `write` and
/// one `read` per task on each side, up to 8 tasks in flight per worker. (Lesson 9's
/// pool sends up to 128 ahead; with 128 this probe is no faster.) A thread of ours
/// feeds each worker and reads its answers.
pub fn pipe_workers(tasks: u64) -> io::Result<f64> {
    const AHEAD: u64 = 8;
    let mut workers = Vec::new(); // (pid, tasks to it, answers from it)
    for _ in 0..2 {
        match fork_echo_worker(&workers) {
            Ok(worker) => workers.push(worker),
            Err(err) => {
                stop_workers(workers)?;
                return Err(err);
            }
        }
    }
    let halves = [tasks / 2, tasks - tasks / 2];
    let start = Instant::now();
    let totals: Vec<Option<u64>> = thread::scope(|s| {
        let feeds: Vec<_> = workers
            .iter()
            .zip(halves)
            .enumerate()
            .map(|(w, (&(_, to, from), n))| {
                s.spawn(move || {
                    let first = w as u64 * halves[0];
                    let (mut sent, mut received, mut total) = (0, 0, 0);
                    let mut buf = [0u8; 8];
                    while received < n {
                        while sent < n && sent < received + AHEAD {
                            if !write_all(to, &(first + sent).to_le_bytes()) {
                                return None;
                            }
                            sent += 1;
                        }
                        if !read_exact(from, &mut buf) {
                            return None;
                        }
                        total += u64::from_le_bytes(buf);
                        received += 1;
                    }
                    Some(total)
                })
            })
            .collect();
        feeds.into_iter().map(|f| f.join().ok().flatten()).collect()
    });
    let elapsed = start.elapsed();
    stop_workers(workers)?;
    let total: u64 = totals
        .into_iter()
        .sum::<Option<u64>>()
        .ok_or_else(|| io::Error::other("a worker died"))?;
    assert_eq!(total, tasks * (tasks + 1) / 2, "an answer went missing");
    Ok(tasks as f64 / elapsed.as_secs_f64())
}
// ANCHOR_END: pipe_workers

/// Forks a worker of [`pipe_workers`]: (its pid, the write end of its tasks, the read
/// end of its answers). It closes the `earlier` workers' ends, or they would never see
/// end of file.
fn fork_echo_worker(
    earlier: &[(libc::pid_t, i32, i32)],
) -> io::Result<(libc::pid_t, i32, i32)> {
    let (task_read, task_write) = pipe()?;
    let (answer_read, answer_write) = pipe().inspect_err(|_| {
        close(task_read);
        close(task_write);
    })?;
    let pid = fork_child(|| {
        close(task_write);
        close(answer_read);
        earlier.iter().for_each(|&(_, to, from)| {
            close(to);
            close(from);
        });
        let mut buf = [0u8; 8];
        while read_exact(task_read, &mut buf) {
            let answer = u64::from_le_bytes(buf) + 1;
            if !write_all(answer_write, &answer.to_le_bytes()) {
                return 1;
            }
        }
        0
    });
    close(task_read);
    close(answer_write);
    match pid {
        Ok(pid) => Ok((pid, task_write, answer_read)),
        Err(err) => {
            close(task_write);
            close(answer_read);
            Err(err)
        }
    }
}

/// Closes the workers' pipes (end of file: each returns) and reaps them all.
fn stop_workers(workers: Vec<(libc::pid_t, i32, i32)>) -> io::Result<()> {
    let mut first_error = Ok(());
    for (pid, to, from) in workers {
        close(to);
        close(from);
        if let Err(err) = reap(pid) {
            first_error = first_error.and(Err(err));
        }
    }
    first_error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_probes_get_every_answer() {
        assert!(channel_batch(2, 1_000) > 0.0);
        assert!(channel_chunks(2, 1_000, 256) > 0.0);
        assert!(spin_roundtrip(100).unwrap() > Duration::ZERO);
    }

    #[test]
    fn the_queue_probe_sends_frames_of_the_rows_size() {
        // The queue row sends progress reports at worker 0: a length, then the report.
        for percent in [0.0, 50.0, 100.0] {
            let report = process_queue::Report::Progress { worker: 0, percent };
            let frame =
                process_queue::HEADER_LEN + postcard::to_stdvec(&report).unwrap().len();
            assert_eq!(frame, QUEUE_FRAME);
        }
    }

    #[test]
    fn process_probes_run_and_reap() {
        assert!(fork_pipe(3).unwrap() > Duration::ZERO);
        assert!(plain_start(true_program(), &[], 2).unwrap() > Duration::ZERO);
        assert!(plain_start("false", &[], 1).is_err());
        assert!(pipe_messages(10_000).unwrap() > 0.0);
        assert!(pipe_messages_batched(10_001).unwrap() > 0.0);
        assert!(shared_store(10_000).unwrap() > 0.0);
        assert!(pipe_workers(1_001).unwrap() > 0.0);
        if cfg!(target_os = "linux") {
            assert!(robust_mutex(1_000).unwrap().0 > 0.0);
        }
    }
}
