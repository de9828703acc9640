//! The Rust side of each row: the work, how it is spread over threads or processes, and
//! what the clock covers. Each function mirrors a program in `python/` (named in its
//! doc).
//!
//! Children are this very program started again with a hidden role (`--child cpu
//! 1000`), like Python's "spawn" start method; see [`child_main`].

use futures_pool::ThreadPool;
use locks::{LockKind, SharedCounter};
use process_basics::{Child as LessonChild, Work};
use process_queue::{BufSender, Report, Sender};
use shared_value::SharedSlots;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::os::fd::RawFd;
use std::process::{Child, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long any wait for another process may take before we call it a hang. Generous:
/// nothing here should take more than a fraction of it.
pub const HANG_GUARD: Duration = Duration::from_secs(10);

/// How a workload is spread over `workers` units of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// One after the other, on the calling thread.
    Sequential,
    /// One thread each, all at once.
    Threads,
    /// One child process each, all at once; the time includes starting and reaping
    /// them.
    Processes,
}

// ANCHOR: spin
/// A CPU-bound loop with nothing to wait for: a linear congruential generator, summed.
/// The same arithmetic as `spin` in `python/cpu_bound.py`.
///
/// `black_box` keeps the optimiser from deleting a loop whose result nobody uses.
pub fn spin(iters: u64) -> u64 {
    let (mut x, mut total) = (1u32, 0u64);
    for _ in 0..black_box(iters) {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        total += u64::from(x >> 16);
    }
    black_box(total)
}
// ANCHOR_END: spin

/// An I/O-bound job: it only waits. (`python/io_bound.py`)
pub fn wait_a_lot(sleeps: u64, each: Duration) {
    for _ in 0..sleeps {
        thread::sleep(each);
    }
}

// ANCHOR: spread
/// Runs `workers` copies of a job one [`Way`] and returns the wall time. `job` is the
/// in-process version; `role` names the same job for a child process.
pub fn spread(
    way: Way,
    workers: usize,
    job: &(dyn Fn() + Sync),
    role: &[String],
) -> io::Result<Duration> {
    let start = Instant::now();
    match way {
        Way::Sequential => (0..workers).for_each(|_| job()),
        // No GIL: each thread runs on its own core if one is free.
        Way::Threads => thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(job);
            }
        }),
        Way::Processes => {
            let mut children = Vec::with_capacity(workers);
            for _ in 0..workers {
                match start_child(role) {
                    Ok(child) => children.push(child),
                    Err(err) => {
                        wait_all(children, role)?;
                        return Err(err);
                    }
                }
            }
            wait_all(children, role)?;
        }
    }
    Ok(start.elapsed())
}
// ANCHOR_END: spread

/// The CPU-bound job, `iters` loop turns per worker, spread one way.
/// (`python/cpu_bound.py`)
pub fn cpu_bound(way: Way, workers: usize, iters: u64) -> io::Result<Duration> {
    let job = || {
        spin(iters);
    };
    spread(way, workers, &job, &role(&["cpu", &iters.to_string()]))
}

/// The I/O-bound job, `sleeps` sleeps of `sleep_ms` per worker, spread one way.
/// (`python/io_bound.py`)
pub fn io_bound(
    way: Way,
    workers: usize,
    sleeps: u64,
    sleep_ms: u64,
) -> io::Result<Duration> {
    let job = || wait_a_lot(sleeps, Duration::from_millis(sleep_ms));
    let args = role(&["io", &sleeps.to_string(), &sleep_ms.to_string()]);
    spread(way, workers, &job, &args)
}

// ANCHOR: pool
/// Tasks per second through lesson 1's [`ThreadPool`]: submit a batch of trivial tasks,
/// then collect every result. (`python/pool_batch.py`)
pub fn pool_batch(workers: usize, tasks: u64) -> io::Result<f64> {
    let pool = ThreadPool::new(workers).map_err(io::Error::other)?;
    pool.submit(|| 0u64).result().map_err(io::Error::other)?; // the pool is up
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks).map(|i| pool.submit(move || i + 1)).collect();
    let mut total = 0;
    for handle in handles {
        total += handle.result().map_err(io::Error::other)?;
    }
    let elapsed = start.elapsed();
    assert_eq!(
        total,
        tasks * (tasks + 1) / 2,
        "a task's result went missing"
    );
    Ok(tasks as f64 / elapsed.as_secs_f64())
}

/// Items per task in the `pool-map` row, as in lesson 1's bench.
pub const MAP_CHUNK: usize = 256;

/// Tasks per second through lesson 1's [`ThreadPool::map`]: the same batch, in chunks
/// of [`MAP_CHUNK`] items per task. (`python/pool_batch.py --chunksize 256`)
pub fn pool_map(workers: usize, tasks: u64) -> io::Result<f64> {
    let pool = ThreadPool::new(workers).map_err(io::Error::other)?;
    pool.submit(|| 0u64).result().map_err(io::Error::other)?; // the pool is up
    let start = Instant::now();
    let mut total = 0;
    for outcome in pool.map(|i| i + 1, 0..tasks, MAP_CHUNK) {
        total += outcome.map_err(io::Error::other)?;
    }
    let elapsed = start.elapsed();
    assert_eq!(total, tasks * (tasks + 1) / 2, "a result went missing");
    Ok(tasks as f64 / elapsed.as_secs_f64())
}

/// The mean time of one `submit` followed at once by `result()`: the latency of handing
/// a small job to a pool and waiting for it. (`python/pool_roundtrip.py`)
pub fn pool_roundtrip(workers: usize, rounds: u64) -> io::Result<Duration> {
    let pool = ThreadPool::new(workers).map_err(io::Error::other)?;
    pool.submit(|| 0u64).result().map_err(io::Error::other)?;
    let start = Instant::now();
    for i in 0..rounds {
        let answer = pool
            .submit(move || i + 1)
            .result()
            .map_err(io::Error::other)?;
        assert_eq!(answer, i + 1);
    }
    Ok(start.elapsed() / rounds.max(1) as u32)
}
// ANCHOR_END: pool

// ANCHOR: queue
/// Messages per second through lesson 5's queue, from a child to its parent: the child
/// says it is ready, waits for a byte on its stdin (the starting gun), then sends
/// `messages` progress reports, one `send` each. The parent takes each with `recv`, as
/// Python's program does with `get()`: it waits in `read()` and never polls (lesson 5's
/// step 4); a dead child is end-of-file, an error here (a hung child ends itself after
/// 3 × [`HANG_GUARD`]). The clock runs from the gun to the last report received.
/// (`python/queue_throughput.py`)
pub fn queue_throughput(messages: u64) -> io::Result<f64> {
    queue_rate("queue", messages)
}

/// The same, with the child's reports sent through lesson 5's `BufSender`, which
/// writes as many frames as fit in one atomic write (`PIPE_BUF` bytes). Python's queue
/// has no such thing: this row is compared with its ceiling only.
pub fn queue_batched_throughput(messages: u64) -> io::Result<f64> {
    queue_rate("queue-batched", messages)
}

/// Runs the child role `role` (`queue` or `queue-batched`) and times its reports.
fn queue_rate(role: &str, messages: u64) -> io::Result<f64> {
    let (sender, mut receiver) = process_queue::queue::<Report>()?;
    let mut command = crate::child::self_command()?;
    let fd = sender.inherit(&mut command)?;
    command
        .args(["--child", role, &messages.to_string(), &fd.to_string()])
        .stdin(Stdio::piped());
    let mut child = command.spawn()?;
    drop(command); // the parent keeps no write end: end-of-file comes when the child is gone
    drop(sender);
    let timed = (|| {
        receiver.recv().map_err(io::Error::other)?; // "ready"
        let start = Instant::now();
        child.stdin.take().expect("piped").write_all(b"g")?;
        for _ in 0..messages {
            receiver.recv().map_err(io::Error::other)?;
        }
        Ok(messages as f64 / start.elapsed().as_secs_f64())
    })();
    finish(vec![child], timed, &[role.to_string()])
}

/// The child's side of [`queue_rate`]: "ready", the gun, then the reports.
fn queue_child(batched: bool, messages: u64, fd: RawFd) -> io::Result<()> {
    // The parent waits in a blocking `recv` with no timeout; should this child hang,
    // its alarm ends it (SIGALRM, which nothing here handles), and the parent's `recv`
    // sees end-of-file. An alarm, not a sleeping thread: a second thread makes each
    // `write()` dearer (glibc's cancellation bookkeeping, a reference count on the
    // descriptor), by 16% of this row pinned to one core, and the ceiling's forked
    // child has none.
    // SAFETY: alarm only arms this process's timer; no handler, no memory involved.
    unsafe { libc::alarm((3 * HANG_GUARD).as_secs() as libc::c_uint) };
    // SAFETY: `fd` is the number the parent got from `Sender::inherit` and put on our
    // command line; it is used once, here, and nothing else in this process touches it.
    let mut sender = unsafe { Sender::<Report>::from_inherited(fd)? };
    let report = |k: u64| Report::Progress {
        worker: 0,
        percent: k as f32 * 100.0 / messages as f32,
    };
    sender.send(&report(0))?;
    io::stdin().read_exact(&mut [0; 1])?; // end-of-file instead means: the parent gave up
    if batched {
        let mut sender = BufSender::new(sender);
        for k in 1..=messages {
            sender.send(&report(k))?;
        }
        sender.flush()
    } else {
        for k in 1..=messages {
            sender.send(&report(k))?;
        }
        Ok(())
    }
}
// ANCHOR_END: queue

// ANCHOR: shared_value
/// Updates per second of lesson 6's shared `f32` (an atomic in a shared-memory
/// segment), stored in a loop while a reading process polls it every millisecond, as
/// `v.value = x` is in `python/shared_value.py`. Slot 0 is the value, slot 1 the
/// reader's "ready", slot 2 "stop".
pub fn shared_value(updates: u64) -> io::Result<f64> {
    let name = crate::child::unique_shm_name("measured");
    let mut slots = SharedSlots::create(&name, 3)?;
    let reader = start_child(&role(&["reader", &name]))?;
    let timed = (|| {
        wait_for_flag(slots.u32(1))?;
        slots.unlink()?; // the reader has mapped it: nobody else needs the name
        let value = slots.f32(0);
        let start = Instant::now();
        for i in 0..updates {
            // Relaxed, as lesson 6 stores progress: a plain store on x86, no lock.
            value.store(i as f32, Ordering::Relaxed);
        }
        let elapsed = start.elapsed();
        assert_eq!(
            value.load(Ordering::Relaxed),
            updates.saturating_sub(1) as f32
        );
        Ok(updates as f64 / elapsed.as_secs_f64())
    })();
    slots.u32(2).store(1, Ordering::Release);
    finish(vec![reader], timed, &role(&["reader"]))
}

/// The reading process of [`shared_value`]: maps the segment, says it is ready, then
/// reads the value every millisecond until told to stop (or for [`HANG_GUARD`] at
/// most).
fn shared_value_reader(name: &str) -> io::Result<()> {
    let slots = SharedSlots::open(name)?;
    slots.u32(1).store(1, Ordering::Release);
    let deadline = Instant::now() + HANG_GUARD;
    let mut last = 0.0;
    while slots.u32(2).load(Ordering::Acquire) == 0 && Instant::now() < deadline {
        last = black_box(slots.f32(0).load(Ordering::Relaxed));
        thread::sleep(Duration::from_millis(1));
    }
    black_box(last);
    Ok(())
}

/// Waits (bounded) for another process to set `flag` to 1.
fn wait_for_flag(flag: &std::sync::atomic::AtomicU32) -> io::Result<()> {
    let deadline = Instant::now() + HANG_GUARD;
    while flag.load(Ordering::Acquire) == 0 {
        if Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "a child is not ready",
            ));
        }
        thread::sleep(Duration::from_micros(100));
    }
    Ok(())
}
// ANCHOR_END: shared_value

// ANCHOR: process_lock
/// Lock-protected increments per second, two processes sharing lesson 7's counter and
/// its best lock (`LockKind::BEST`: the robust process-shared mutex on Linux, `flock`
/// elsewhere): each locks, adds one, unlocks, `per_process` times.
/// (`python/process_lock.py`) The clock starts when both children have mapped the
/// segment and stops when both have been reaped (so it includes their exit, which
/// Python's does not). Returns the rate, and the children's CPU time over the wall
/// time: about 2 if they really ran at once.
pub fn process_lock(per_process: u64) -> io::Result<(f64, f64)> {
    let cpu_before = cpu_time(libc::RUSAGE_CHILDREN)?;
    const CHILDREN: usize = 2;
    let mut counter = SharedCounter::create(Some(LockKind::BEST))?;
    let name = counter.name().to_string();
    let mut children = Vec::new();
    for i in 0..CHILDREN {
        let role = role(&["lock", &name, &i.to_string(), &per_process.to_string()]);
        match start_child(&role) {
            Ok(child) => children.push(child),
            Err(err) => return finish(children, Err(err), &role),
        }
    }
    let timed = (|| {
        let deadline = Instant::now() + HANG_GUARD;
        while counter.attached() < CHILDREN as u32 {
            if Instant::now() > deadline
                || children
                    .iter_mut()
                    .any(|c| !matches!(c.try_wait(), Ok(None)))
            {
                return Err(io::Error::other("a child did not attach to the counter"));
            }
            thread::sleep(Duration::from_micros(100));
        }
        counter.unlink()?; // everyone has mapped it: no crash can leak the name now
        let start = Instant::now();
        counter.start();
        Ok(start)
    })();
    let start = finish(children, timed, &role(&["lock"]))?;
    let elapsed = start.elapsed();
    let cpu = cpu_time(libc::RUSAGE_CHILDREN)? - cpu_before;
    let total = CHILDREN as u64 * per_process;
    assert_eq!(
        counter.lock()?.get(),
        total,
        "the lock let an update get lost"
    );
    let cpu_wall = cpu.as_secs_f64() / elapsed.as_secs_f64();
    Ok((total as f64 / elapsed.as_secs_f64(), cpu_wall))
}

/// The CPU time (user and system) of this process (`RUSAGE_SELF`) or of its reaped
/// children (`RUSAGE_CHILDREN`) so far.
pub fn cpu_time(who: libc::c_int) -> io::Result<Duration> {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut usage) != 0 {
            return Err(io::Error::last_os_error());
        }
        usage
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Ok(time(usage.ru_utime) + time(usage.ru_stime))
}
// ANCHOR_END: process_lock

/// Reaps `children` and returns `outcome`; on an error first kills them, since they may
/// be waiting for a parent that has given up. A child that failed is an error too.
fn finish<T>(
    mut children: Vec<Child>,
    outcome: io::Result<T>,
    role: &[String],
) -> io::Result<T> {
    if outcome.is_err() {
        for child in &mut children {
            let _ = child.kill();
        }
        let _ = wait_all(children, role);
        return outcome;
    }
    wait_all(children, role)?;
    outcome
}

// ANCHOR: process_start
/// The mean time to start a child that does nothing and wait for it to exit, with
/// lesson 4's building blocks: `child::self_command` (this program again, set up to
/// die with us) and `Child::spawn`, then `join`. (`python/process_start.py`)
pub fn process_start(starts: u32) -> io::Result<Duration> {
    let start = Instant::now();
    for _ in 0..starts {
        let mut command = process_basics::child::self_command()?;
        command.args(["--child", "noop"]);
        let exit = LessonChild::spawn(command)?.join()?;
        if !exit.success() {
            return Err(io::Error::other(format!("the child {exit}")));
        }
    }
    Ok(start.elapsed() / starts.max(1))
}

/// The mean time of lesson 4's `fork_task` with a task of no steps (the forked child
/// sends its 8-byte result up a pipe and `_exit`s), then `join`: Python's "fork" start
/// method. (`python/process_start.py --method fork`)
pub fn process_start_fork(starts: u32) -> io::Result<Duration> {
    let nothing = Work {
        steps: 0,
        max_sleep_ms: 0,
        seed: 0,
        crash_at: None,
    };
    let start = Instant::now();
    for _ in 0..starts {
        let mut child = process_basics::fork_task(4.5, &nothing)?;
        let exit = child.join()?;
        if !exit.success() || child.result() != Some(9.0) {
            return Err(io::Error::other(format!("the forked child {exit}")));
        }
    }
    Ok(start.elapsed() / starts.max(1))
}
// ANCHOR_END: process_start

// ANCHOR: thread_lock
/// Runs `work` on `threads` threads at once and returns how long they took together. A
/// barrier holds every thread at the start line, so the clock does not time their
/// creation.
pub fn time_in_threads(threads: usize, work: impl Fn() + Sync) -> Duration {
    let barrier = Barrier::new(threads + 1);
    thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    work();
                })
            })
            .collect();
        barrier.wait(); // every thread is ready: start the clock
        let start = Instant::now();
        for worker in workers {
            worker.join().unwrap();
        }
        start.elapsed()
    })
}

/// Lock-protected increments per second: `threads` threads each lock a shared counter,
/// add one and unlock, `per_thread` times. (`python/thread_lock.py`) Also returns the
/// process's CPU time over the wall time: about 2 when two threads really ran at once.
pub fn thread_lock(threads: usize, per_thread: u64) -> (f64, f64) {
    let counter = Mutex::new(0u64);
    let cpu_before = cpu_time(libc::RUSAGE_SELF).unwrap_or_default();
    let elapsed = time_in_threads(threads, || {
        for _ in 0..per_thread {
            *counter.lock().unwrap() += 1;
        }
    });
    let cpu = cpu_time(libc::RUSAGE_SELF).unwrap_or_default() - cpu_before;
    let total = threads as u64 * per_thread;
    assert_eq!(
        counter.into_inner().unwrap(),
        total,
        "the lock lost an update"
    );
    let rate = total as f64 / elapsed.as_secs_f64();
    (rate, cpu.as_secs_f64() / elapsed.as_secs_f64())
}
// ANCHOR_END: thread_lock

/// The hidden arguments that give a child its role.
fn role(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// Starts this program again as a child with `--child <role...>`; it dies with its
/// parent.
pub fn start_child(role: &[String]) -> io::Result<Child> {
    crate::child::self_command()?
        .arg("--child")
        .args(role)
        .stdin(Stdio::null())
        .spawn()
}

/// Reaps every child (all of them, even after a failure) and reports the first one that
/// did not exit with status 0: a crash is an error, not a fast measurement.
pub fn wait_all(children: Vec<Child>, role: &[String]) -> io::Result<()> {
    let mut first_error = None;
    for mut child in children {
        let outcome = match child.wait() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(io::Error::other(format!(
                "child `{}` ended with {status}",
                role.join(" ")
            ))),
            Err(err) => Err(err),
        };
        if let Err(err) = outcome {
            first_error.get_or_insert(err);
        }
    }
    first_error.map_or(Ok(()), Err)
}

// ANCHOR: child_main
/// What a child started with `--child <role> <arguments...>` does; returns its exit
/// status: 0 done, 1 failed, 2 not a role we know.
pub fn child_main(role: &[String]) -> i32 {
    let words: Vec<&str> = role.iter().map(String::as_str).collect();
    let outcome = match words[..] {
        ["noop"] => Ok(()),
        ["cpu", iters] => arg(iters).map(|iters| {
            spin(iters);
        }),
        ["io", sleeps, ms] => (|| {
            wait_a_lot(arg(sleeps)?, Duration::from_millis(arg(ms)?));
            Ok(())
        })(),
        [queue @ ("queue" | "queue-batched"), messages, fd] => {
            (|| queue_child(queue == "queue-batched", arg(messages)?, arg(fd)?))()
        }
        ["reader", name] => shared_value_reader(name),
        ["lock", name, child, increments] => (|| {
            let counter = SharedCounter::open(name)?;
            counter.wait_for_start(HANG_GUARD)?;
            counter.add(arg(child)?, arg(increments)?)?;
            Ok(())
        })(),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "unknown child role",
        )),
    };
    match outcome {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("error: child `{}`: {err}", role.join(" "));
            if err.kind() == io::ErrorKind::InvalidInput {
                2
            } else {
                1
            }
        }
    }
}

/// A number from a child's command line.
fn arg<T: std::str::FromStr>(word: &str) -> io::Result<T> {
    word.parse().map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("not a number: {word}"))
    })
}
// ANCHOR_END: child_main

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_matches_the_python_twin() {
        // python3 -c 'import sys; sys.path.insert(0, "python"); import cpu_bound;
        // print(cpu_bound.spin(5))'
        assert_eq!(spin(5), 179_579);
        assert_eq!(spin(0), 0);
    }

    #[test]
    fn every_way_runs_every_worker() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        for way in [Way::Sequential, Way::Threads] {
            let runs = AtomicUsize::new(0);
            let job = || {
                runs.fetch_add(1, Ordering::Relaxed);
            };
            spread(way, 3, &job, &[]).unwrap();
            assert_eq!(runs.load(Ordering::Relaxed), 3, "{way:?}");
        }
    }

    #[test]
    fn thread_lock_counts_every_increment() {
        // The function asserts the final count itself; the rate only has to be a
        // number.
        let (rate, cpu_wall) = thread_lock(2, 1_000);
        assert!(rate.is_finite() && rate > 0.0);
        assert!(cpu_wall.is_finite() && cpu_wall >= 0.0);
    }

    #[test]
    fn pool_rows_get_every_result() {
        // Both functions check every answer themselves; the figures only have to exist.
        assert!(pool_batch(2, 100).unwrap() > 0.0);
        assert!(pool_map(2, 1000).unwrap() > 0.0);
        assert!(pool_roundtrip(2, 10).unwrap() > Duration::ZERO);
    }

    #[test]
    fn unknown_child_roles_are_refused() {
        assert_eq!(child_main(&role(&["noop"])), 0);
        assert_eq!(child_main(&role(&["cpu", "10"])), 0);
        assert_eq!(child_main(&role(&["io", "1", "0"])), 0);
        assert_eq!(child_main(&role(&["cpu"])), 2);
        assert_eq!(child_main(&role(&["cpu", "many"])), 2);
        assert_eq!(child_main(&role(&["queue", "1"])), 2);
        assert_eq!(child_main(&role(&["io", "1", "-5"])), 2);
        // A lock role whose segment does not exist fails cleanly instead of hanging.
        assert_eq!(child_main(&role(&["lock", "/shmem_none_0_0", "0", "1"])), 1);
        assert_eq!(child_main(&role(&["reader", "/shmem_none_0_0"])), 1);
        assert_eq!(child_main(&role(&["dance"])), 2);
        assert_eq!(child_main(&[]), 2);
    }

    #[test]
    fn a_failed_child_is_reported_after_all_are_reaped() {
        let spawn = |code: &str| {
            std::process::Command::new("sh")
                .args(["-c", &format!("exit {code}")])
                .spawn()
                .unwrap()
        };
        let err = wait_all(vec![spawn("0"), spawn("3"), spawn("0")], &role(&["test"]))
            .unwrap_err();
        assert!(err.to_string().contains("exit status: 3"), "{err}");
        assert!(wait_all(vec![spawn("0")], &[]).is_ok());
    }
}
