//! Lesson `process-basics`: start child processes, do other work while they run, join
//! them, and tell an exit code from a death by signal.
//!
//! Two ways to start a child that runs [`task`]:
//! - [`Child::spawn`] runs a [`Command`]; the lesson re-runs its own binary with a
//!   hidden child-role flag (Python's "spawn" start method). This is the portable
//!   default.
//! - [`fork_task`] copies this process with `fork` (Python's "fork" start method), with
//!   the rules that come with it.
//!
//! Either way the child sends its result up a pipe, which the parent keeps drained
//! ([`read_ready`]) while it asks whether the child is alive ([`Child::is_alive`]), and
//! finally learns how it ended ([`Exit`]). Either way, too, the child dies with its
//! parent: [`child`] for a spawned one, [`fork_task`] for a forked one.
//!
//! Linux and macOS. What Linux alone has (`PR_SET_PDEATHSIG`, `pipe2`) sits behind
//! `cfg(target_os = "linux")`, next to what macOS does instead.
//!
//! `fork` is an `unsafe fn`: nothing checks what the copy does, so calling it outside
//! an `unsafe` block, without the promise that [`fork_task`] makes, is refused (E0133):
//!
//! ```compile_fail,E0133
#![doc = include_str!("refused_fork.rs")]
//! ```

pub mod child;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, poll};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};

// ANCHOR: task
/// The simulated work: how many steps, how long each may sleep, the seed of the sleeps,
/// and the step (1 = the first) at which the task aborts on purpose, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    pub steps: u32,
    pub max_sleep_ms: u64,
    pub seed: u64,
    pub crash_at: Option<u32>,
}

/// The tutorial's task: `steps` steps, each sleeping a random 0..=`max_sleep_ms` ms and
/// then reporting its progress in percent; returns `value * 2`.
///
/// It is async-signal-safe on purpose (no allocation, no lock, no stdio: the random
/// numbers are arithmetic on the stack and the sleep is the `nanosleep` system call),
/// so that a child made by `fork` may run it; see [`fork_task`].
pub fn task(value: f64, work: &Work, progress: impl FnMut(f32)) -> f64 {
    seeded_task(StdRng::seed_from_u64(work.seed), value, work, progress)
}

/// [`task`] with its generator already seeded from `work.seed`: a forked child gets
/// one seeded by its parent before the fork (see [`fork_task`] for why).
fn seeded_task(
    mut rng: StdRng,
    value: f64,
    work: &Work,
    mut progress: impl FnMut(f32),
) -> f64 {
    for k in 0..work.steps {
        if work.crash_at == Some(k + 1) {
            crash();
        }
        sleep_ms(rng.random_range(0..=work.max_sleep_ms));
        progress((k + 1) as f32 * 100.0 / work.steps as f32);
    }
    value * 2.0
}
// ANCHOR_END: task

/// Dies the way a bug in native code does: `abort`, that is SIGABRT. A crash on purpose
/// need not leave a core file, so the process first says so.
fn crash() -> ! {
    no_core_file();
    std::process::abort()
}

/// Linux: mark this process "not dumpable".
#[cfg(target_os = "linux")]
fn no_core_file() {
    // SAFETY: prctl is a plain system call (no allocation, no lock): fine after fork.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0) };
}

/// Elsewhere: a core size limit of 0.
#[cfg(not(target_os = "linux"))]
fn no_core_file() {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit is a plain system call that reads the struct we pass.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) };
}

/// Sleeps `ms` milliseconds with `nanosleep`, which is async-signal-safe. A signal
/// handler can cut it short (EINTR); then we sleep for the time it says was left.
fn sleep_ms(ms: u64) {
    let mut want = libc::timespec {
        tv_sec: (ms / 1000) as libc::time_t,
        tv_nsec: ((ms % 1000) * 1_000_000) as libc::c_long,
    };
    let mut left = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: both pointers point to live timespecs on this stack; with valid arguments
    // the only failure is EINTR, after which `left` holds the rest of the time.
    while unsafe { libc::nanosleep(&want, &mut left) } == -1 {
        want = left;
    }
}

// ANCHOR: exit
/// How a child ended: it exited with a code, or a signal killed it. Python folds both
/// into `exitcode` (a negative number means a signal); Rust keeps them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It returned from `main` or called `exit`; 0 means success.
    Code(i32),
    /// A signal ended it, perhaps after the kernel wrote a core dump.
    Signal { signal: i32, core_dumped: bool },
}

impl From<ExitStatus> for Exit {
    /// From std's status: `code()` is `None` after a signal, and the Unix-only
    /// `ExitStatusExt` says which signal.
    fn from(status: ExitStatus) -> Self {
        match status.signal() {
            Some(signal) => Exit::Signal {
                signal,
                core_dumped: status.core_dumped(),
            },
            None => Exit::Code(status.code().unwrap_or(-1)),
        }
    }
}
// ANCHOR_END: exit

impl Exit {
    /// From nix's `waitpid` result; `None` while the child runs (`StillAlive`, after
    /// `WNOHANG`) and for stop/continue reports (only sent when asked for).
    pub fn from_wait_status(status: WaitStatus) -> Option<Exit> {
        match status {
            WaitStatus::Exited(_, code) => Some(Exit::Code(code)),
            WaitStatus::Signaled(_, signal, core_dumped) => Some(Exit::Signal {
                signal: signal as i32,
                core_dumped,
            }),
            _ => None,
        }
    }

    /// True for exit code 0, the one status that means "it worked".
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Exit::Code(code) => write!(f, "exited with code {code}"),
            Exit::Signal {
                signal,
                core_dumped,
            } => {
                let name = Signal::try_from(signal).map_or("unknown", Signal::as_str);
                write!(f, "was killed by signal {signal} ({name})")?;
                if core_dumped {
                    write!(f, " (core dumped)")?;
                }
                Ok(())
            }
        }
    }
}

/// A running (or ended) child process: its pid, the read end of the pipe it sends its
/// result on, and how it ended once we know.
pub struct Child {
    pid: Pid,
    started: Started,
    /// `None` once the child has closed its end: end of file.
    pipe: Option<File>,
    output: Vec<u8>,
    exit: Option<Exit>,
}

/// How the child was started, which decides how we wait for it and read its result.
enum Started {
    Spawned(std::process::Child),
    Forked,
}

impl Child {
    // ANCHOR: spawn
    /// Starts `command` with its stdout on a pipe to us. The lesson passes
    /// [`child::self_command`] plus the hidden child-role flag: Python's "spawn".
    /// std creates the pipe close-on-exec, so no other child inherits our end of it.
    pub fn spawn(mut command: Command) -> io::Result<Child> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("no pipe"))?;
        Ok(Child {
            pid: Pid::from_raw(child.id() as libc::pid_t),
            started: Started::Spawned(child),
            pipe: Some(File::from(OwnedFd::from(stdout))),
            output: Vec::new(),
            exit: None,
        })
    }
    // ANCHOR_END: spawn

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.pid.as_raw() as u32
    }

    // ANCHOR: is_alive
    /// Python's `is_alive()`: asks, without blocking, whether the child still runs
    /// (`try_wait`, which is `waitpid` with `WNOHANG`). When it has ended, this also
    /// reaps it (no zombie is left) and keeps how it ended, see [`Child::exit`].
    pub fn is_alive(&mut self) -> io::Result<bool> {
        if self.exit.is_none() {
            self.exit = match &mut self.started {
                Started::Spawned(child) => child.try_wait()?.map(Exit::from),
                Started::Forked => {
                    let status = waitpid(self.pid, Some(WaitPidFlag::WNOHANG))?;
                    Exit::from_wait_status(status)
                }
            };
        }
        Ok(self.exit.is_none())
    }
    // ANCHOR_END: is_alive

    // ANCHOR: join
    /// Python's `join()`: reads the pipe to its end, *then* waits for the child.
    ///
    /// The order matters. A pipe holds 64 KiB on Linux; a child that writes more blocks
    /// until someone reads. A parent that waited first would wait for a child that
    /// waits for it: neither moves again. This blocks until the child is gone, so call
    /// it on a child that is ending or killed; to stay responsive, poll with
    /// [`read_ready`] and [`Child::is_alive`] instead.
    pub fn join(&mut self) -> io::Result<Exit> {
        if let Some(mut pipe) = self.pipe.take() {
            pipe.read_to_end(&mut self.output)?;
        }
        loop {
            if let Some(exit) = self.exit {
                return Ok(exit);
            }
            self.exit = match &mut self.started {
                Started::Spawned(child) => Some(child.wait()?.into()),
                Started::Forked => match waitpid(self.pid, None) {
                    Err(Errno::EINTR) => None,
                    status => Exit::from_wait_status(status?),
                },
            };
        }
    }
    // ANCHOR_END: join

    /// Sends SIGKILL, unless the child is already reaped: from then on its pid is free
    /// for the system to give to another process, which we must not kill.
    pub fn kill(&mut self) -> io::Result<()> {
        if self.exit.is_some() {
            return Ok(());
        }
        match &mut self.started {
            Started::Spawned(child) => child.kill(),
            Started::Forked => Ok(kill(self.pid, Signal::SIGKILL)?),
        }
    }

    /// How the child ended, once [`Child::is_alive`] or [`Child::join`] saw it end.
    pub fn exit(&self) -> Option<Exit> {
        self.exit
    }

    /// Everything read from the child's pipe so far.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// True once the child has closed its end of the pipe (usually: it has exited).
    pub fn output_closed(&self) -> bool {
        self.pipe.is_none()
    }

    /// True when the child is reaped and its pipe read to the end: nothing more comes.
    pub fn is_done(&self) -> bool {
        self.exit.is_some() && self.pipe.is_none()
    }

    /// The value the child sent: a line of text from a spawned child, the 8 bytes of an
    /// `f64` from a forked one. `None` if it sent something else (or nothing).
    pub fn result(&self) -> Option<f64> {
        match self.started {
            Started::Spawned(_) => std::str::from_utf8(&self.output)
                .ok()?
                .lines()
                .last()?
                .trim()
                .parse()
                .ok(),
            Started::Forked => {
                Some(f64::from_ne_bytes(self.output.as_slice().try_into().ok()?))
            }
        }
    }

    /// Reads once from the pipe (poll said it would not block); 0 bytes is end of file.
    fn read_once(&mut self) -> io::Result<()> {
        let Some(pipe) = &mut self.pipe else {
            return Ok(());
        };
        let mut buf = [0u8; 8192];
        match pipe.read(&mut buf) {
            Ok(0) => self.pipe = None,
            Ok(n) => self.output.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
        Ok(())
    }
}

// ANCHOR: drop
/// A child must not outlive its handle unreaped: on an early return (an error,
/// Ctrl-C), dropping the handle kills and reaps the child. std's `Child` does neither.
impl Drop for Child {
    fn drop(&mut self) {
        if self.exit.is_none() {
            let _ = self.kill();
            self.pipe = None;
            let _ = self.join();
        }
    }
}
// ANCHOR_END: drop

// ANCHOR: read_ready
/// Waits up to `timeout_ms` for any child to send something, and reads what came.
///
/// This is the parent's pause between two looks at its children, and it keeps every
/// pipe drained, so no child ever blocks on a full one. A signal (Ctrl-C) cuts the wait
/// short, so the caller notices it at once.
pub fn read_ready(children: &mut [Child], timeout_ms: u16) -> io::Result<()> {
    let ready: Vec<bool> = {
        let mut fds: Vec<PollFd> = children
            .iter()
            .filter_map(|child| child.pipe.as_ref())
            .map(|pipe| PollFd::new(pipe.as_fd(), PollFlags::POLLIN))
            .collect();
        match poll(&mut fds, timeout_ms) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(err) => return Err(err.into()),
        }
        // Data (POLLIN) or a closed writer (POLLHUP): either way a read will not block.
        fds.iter().map(|fd| fd.any().unwrap_or(true)).collect()
    };
    let open = children.iter_mut().filter(|child| child.pipe.is_some());
    for (child, ready) in open.zip(ready) {
        if ready {
            child.read_once()?;
        }
    }
    Ok(())
}
// ANCHOR_END: read_ready

/// Stops every child that still runs (SIGKILL) and reaps them all.
pub fn stop_all(children: &mut [Child]) {
    for child in children.iter_mut() {
        let _ = child.kill();
    }
    for child in children.iter_mut() {
        let _ = child.join();
    }
}

// ANCHOR: fork
/// Starts a child with `fork`: a copy of this process that runs `task(value)` and sends
/// the result's 8 bytes up a pipe (Python's "fork" start method).
///
/// The copy has only the thread that called `fork`. Had another thread been holding a
/// lock at that instant (the allocator's, stdout's), the lock stays taken in the child
/// forever. So from `fork` to `_exit` the child does only async-signal-safe work:
/// system calls and plain computation; no allocation, no `println!`, no std lock.
/// Everything it needs is ready before the fork.
///
/// That includes the task's random generator, and not for safety alone. Seeding one
/// the first time asks the CPU which instructions it has (CPUID, slow in a virtual
/// machine) and keeps the answer in a global. Asked in a child, the answer dies with
/// the child, and every child asks again: that made a fork-and-join of a task of no
/// steps a third slower (the measured lesson's `process-start-fork` row).
pub fn fork_task(value: f64, work: &Work) -> io::Result<Child> {
    let (read_end, write_end) = cloexec_pipe()?;
    let parent = getpid();
    let rng = StdRng::seed_from_u64(work.seed);
    // SAFETY: the child branch runs only async-signal-safe code (see `forked_child`) on
    // data prepared before the fork, and never returns: it ends in `_exit`.
    match unsafe { fork() }? {
        ForkResult::Child => {
            forked_child(parent, write_end.as_raw_fd(), rng, value, work)
        }
        ForkResult::Parent { child } => {
            // Close our copy of the write end, or we would never read end-of-file.
            drop(write_end);
            Ok(Child {
                pid: child,
                started: Started::Forked,
                pipe: Some(File::from(read_end)),
                output: Vec::new(),
                exit: None,
            })
        }
    }
}
// ANCHOR_END: fork

// ANCHOR: forked_child
/// The forked child's whole life. It ends with `_exit`, not `exit`: `exit` would run
/// the atexit handlers and flush the stdio buffers it copied from the parent.
fn forked_child(parent: Pid, out: RawFd, rng: StdRng, value: f64, work: &Work) -> ! {
    // SAFETY: signal and prctl are bare system calls that allocate nothing and take no
    // lock: async-signal-safe.
    unsafe {
        // Handlers are copied too: let Ctrl-C end this child as it ends a spawned one.
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        // Die with the parent, as `child::die_with_parent` does for a spawned child.
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    // No thread may be started here to watch the parent (that allocates), so the task
    // looks at each step: the macOS way; on Linux it also covers a parent gone before
    // prctl.
    exit_if_orphaned(parent);
    let result = seeded_task(rng, value, work, |_| exit_if_orphaned(parent));
    let bytes = result.to_ne_bytes();
    // SAFETY: write and _exit are async-signal-safe; `bytes` is on this stack. 8 bytes
    // is far below PIPE_BUF, so the write is never split.
    unsafe {
        libc::write(out, bytes.as_ptr().cast(), bytes.len());
        libc::_exit(0)
    }
}
// ANCHOR_END: forked_child

/// In a forked child: `_exit` at once if the process that forked us is gone (we were
/// adopted, so `getppid` changed). Async-signal-safe.
fn exit_if_orphaned(parent: Pid) {
    if getppid() != parent {
        // SAFETY: _exit is async-signal-safe and ends the process at once.
        unsafe { libc::_exit(1) }
    }
}

/// A pipe whose two ends are close-on-exec, so that no program a child `exec`s keeps a
/// copy. Linux sets the flag atomically with `pipe2`. macOS has no `pipe2`: `fcntl`
/// sets it just after, and a child spawned by another thread in that moment would
/// inherit the ends (this lesson starts its children from one thread).
fn cloexec_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    #[cfg(target_os = "linux")]
    let ends = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    #[cfg(not(target_os = "linux"))]
    let ends = {
        use nix::fcntl::{FcntlArg, FdFlag, fcntl};
        let (read_end, write_end) = nix::unistd::pipe()?;
        for end in [&read_end, &write_end] {
            fcntl(end, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
        }
        (read_end, write_end)
    };
    Ok(ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(seed: u64) -> Work {
        Work {
            steps: 5,
            max_sleep_ms: 1,
            seed,
            crash_at: None,
        }
    }

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    fn sleeper() -> Command {
        let mut command = Command::new("sleep");
        command.arg("30");
        command
    }

    #[test]
    fn task_doubles_and_reports_every_step() {
        let mut seen = Vec::new();
        assert_eq!(task(4.5, &quick(7), |p| seen.push(p)), 9.0);
        assert_eq!(seen, [20.0, 40.0, 60.0, 80.0, 100.0]);
    }

    #[test]
    fn exit_code_and_signal_are_told_apart() {
        let code = Exit::from(sh("exit 3").status().unwrap());
        assert_eq!(code, Exit::Code(3));
        assert_eq!(code.to_string(), "exited with code 3");
        assert!(!code.success());

        let killed = Exit::from(sh("kill -TERM $$").status().unwrap());
        assert_eq!(
            killed,
            Exit::Signal {
                signal: libc::SIGTERM,
                core_dumped: false
            }
        );
        assert_eq!(killed.to_string(), "was killed by signal 15 (SIGTERM)");
        assert!(Exit::from(sh("true").status().unwrap()).success());
    }

    #[test]
    fn wait_status_converts_and_core_dumps_are_named() {
        let pid = Pid::from_raw(1);
        assert_eq!(Exit::from_wait_status(WaitStatus::StillAlive), None);
        assert_eq!(
            Exit::from_wait_status(WaitStatus::Exited(pid, 0)),
            Some(Exit::Code(0))
        );
        let dumped =
            Exit::from_wait_status(WaitStatus::Signaled(pid, Signal::SIGABRT, true));
        assert_eq!(
            dumped.unwrap().to_string(),
            "was killed by signal 6 (SIGABRT) (core dumped)"
        );
    }

    #[test]
    fn spawned_child_sends_a_line_of_text() {
        let mut child = Child::spawn(sh("echo starting; echo 4.5")).unwrap();
        assert_eq!(child.join().unwrap(), Exit::Code(0));
        assert_eq!(child.result(), Some(4.5));
        assert!(child.is_done());
        assert!(!child.is_alive().unwrap());
    }

    // ANCHOR: drain_test
    #[test]
    fn polling_drains_a_child_that_writes_more_than_a_pipe_holds() {
        // 1 MiB does not fit in a pipe: the child can finish only if we read meanwhile.
        let mut children = vec![Child::spawn(sh("head -c 1048576 /dev/zero")).unwrap()];
        while !children[0].is_done() {
            read_ready(&mut children, 100).unwrap();
            children[0].is_alive().unwrap();
        }
        assert_eq!(children[0].exit(), Some(Exit::Code(0)));
        assert_eq!(children[0].output().len(), 1 << 20);
    }
    // ANCHOR_END: drain_test

    #[test]
    fn forked_child_works_even_in_a_threaded_process() {
        // The test harness runs tests on threads: exactly where only async-signal-safe
        // work is allowed in a forked child.
        let mut child = fork_task(4.5, &quick(3)).unwrap();
        assert_eq!(child.join().unwrap(), Exit::Code(0));
        assert_eq!(child.result(), Some(9.0));
    }

    #[test]
    fn forked_child_that_aborts_is_reported_as_sigabrt() {
        let work = Work {
            crash_at: Some(2),
            ..quick(3)
        };
        let mut child = fork_task(4.5, &work).unwrap();
        assert_eq!(
            child.join().unwrap(),
            Exit::Signal {
                signal: libc::SIGABRT,
                core_dumped: false
            }
        );
        assert_eq!(child.result(), None);
    }

    #[test]
    fn killed_child_is_reaped_and_reported() {
        let long = Work {
            steps: 10_000,
            max_sleep_ms: 10,
            seed: 1,
            crash_at: None,
        };
        let mut children = vec![fork_task(1.0, &long).unwrap()];
        children.push(Child::spawn(sleeper()).unwrap());
        for child in &mut children {
            assert!(child.is_alive().unwrap());
        }
        stop_all(&mut children);
        for child in &children {
            assert_eq!(
                child.exit(),
                Some(Exit::Signal {
                    signal: libc::SIGKILL,
                    core_dumped: false
                })
            );
        }
        // Killing after reaping does nothing: the pid may be someone else's now.
        assert!(children[0].kill().is_ok());
    }

    #[test]
    fn dropping_a_running_child_kills_and_reaps_it() {
        let child = Child::spawn(sleeper()).unwrap();
        let pid = Pid::from_raw(child.pid() as libc::pid_t);
        drop(child);
        // Killed and reaped: not even a zombie is left to receive a signal.
        assert_eq!(kill(pid, None), Err(Errno::ESRCH));
    }
}
