//! Running a lesson binary in its own session under a small reaper, signalling it, and
//! checking that nothing is left behind (Unix only: sessions, signals, reaping).
//!
//! Why a reaper: when a lesson's parent is killed, its children are re-parented to the
//! nearest "subreaper", else to PID 1. Where PID 1 does not reap (some containers and
//! sandboxes do not), every orphan that exits would stay a zombie forever. So the test
//! forks a reaper that marks itself a subreaper, starts the lesson in a new session,
//! and reaps the lesson and every orphan it leaves until none is left. The lesson's own
//! clean-up is still what is tested: the reaper only collects exit statuses, it never
//! kills anything.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::fd::FromRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Ended, Finished, HANG_GUARD};

/// A lesson binary running in its own session under a reaper.
pub struct Supervised {
    reaper: libc::pid_t,
    /// The lesson process; also its session and process-group id.
    pub leader: libc::pid_t,
    dir: PathBuf,
    /// The reaper writes the leader's pid here, and at the end its raw wait status.
    report: fs::File,
    ended: Option<Ended>,
    reaped: bool,
    /// What `/dev/shm` held before the lesson started (see
    /// [`Supervised::assert_nothing_left`]).
    shm_before: Vec<String>,
}

impl Supervised {
    /// Starts `program args...` in a new session under a reaper. Its stdout and stderr
    /// go to files (see [`Supervised::stdout`] and [`Supervised::stderr`]). Returns
    /// once `program` is running in its session, so [`Supervised::leader`] can be
    /// signalled at once.
    pub fn start(program: impl AsRef<Path>, args: &[&str]) -> io::Result<Self> {
        Self::start_with(program, args, &Setup::default())
    }

    /// Like [`Supervised::start`], in the conditions `setup` asks for: a stdout that
    /// fails, a process limit. Fails with [`io::ErrorKind::Unsupported`] (its text says
    /// why) where those conditions cannot be made; a test then prints that and skips.
    pub fn start_with(
        program: impl AsRef<Path>,
        args: &[&str],
        setup: &Setup,
    ) -> io::Result<Self> {
        static NEXT: std::sync::atomic::AtomicU32 =
            std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("testkit-{}-{n}", std::process::id()));
        fs::create_dir_all(&dir)?;
        let out = fs::File::create(dir.join("stdout"))?;
        let err = fs::File::create(dir.join("stderr"))?;
        // The lesson reads nothing from the test harness: its stdin is empty.
        let null = fs::File::open("/dev/null")?;
        let shm_before = shm_names();
        // What the lesson's stdout is: its file, /dev/full, or a pipe whose read end
        // is closed (below, once the reaper has its copy of the write end).
        let (out, closed_read_end) = match setup.stdout {
            StdoutTo::File => (out, None),
            StdoutTo::Full => {
                (fs::OpenOptions::new().write(true).open("/dev/full")?, None)
            }
            StdoutTo::ClosedPipe => {
                let mut ends = [0; 2];
                // SAFETY: `ends` has room for the two descriptors the call writes.
                if unsafe { pipe_cloexec(ends.as_mut_ptr()) } == -1 {
                    return Err(io::Error::last_os_error());
                }
                // SAFETY: both descriptors are new and ours alone.
                let (read_end, write_end) = unsafe {
                    (
                        fs::File::from_raw_fd(ends[0]),
                        fs::File::from_raw_fd(ends[1]),
                    )
                };
                (write_end, Some(read_end))
            }
        };
        let credentials = match setup.process_limit {
            Some(limit) => Some(limit_credentials(program.as_ref(), limit)?),
            None => None,
        };

        // Everything the forked processes need is prepared now: after fork in a
        // threaded program (a test harness is one) only async-signal-safe calls are
        // allowed.
        let path = CString::new(program.as_ref().as_os_str().as_bytes())?;
        let mut owned = vec![path.clone()];
        for arg in args {
            owned.push(CString::new(*arg)?);
        }
        let mut argv: Vec<*const libc::c_char> =
            owned.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        // This process's environment, but with `RUST_BACKTRACE=0`: a panic in the
        // lesson then prints the same lines whatever the developer running the tests
        // has set.
        let mut env = vec![CString::new("RUST_BACKTRACE=0")?];
        for (key, value) in std::env::vars_os() {
            if key != "RUST_BACKTRACE" {
                let mut pair = key.as_bytes().to_vec();
                pair.push(b'=');
                pair.extend_from_slice(value.as_bytes());
                env.push(CString::new(pair)?);
            }
        }
        let mut envp: Vec<*const libc::c_char> =
            env.iter().map(|e| e.as_ptr()).collect();
        envp.push(std::ptr::null());
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors the call writes.
        if unsafe { pipe_cloexec(fds.as_mut_ptr()) } == -1 {
            return Err(io::Error::last_os_error());
        }
        let (read_end, write_end) = (fds[0], fds[1]);
        use std::os::fd::AsRawFd;
        let (in_fd, out_fd, err_fd) =
            (null.as_raw_fd(), out.as_raw_fd(), err.as_raw_fd());
        // Where the reaper's fallback stops closing descriptors, if close_range is
        // missing.
        let fd_limit = open_files_limit();

        // SAFETY: the child branches below call only async-signal-safe functions (dup2,
        // close_range, close, prctl, pipe2, fork, setsid, execve, read, write, waitpid,
        // _exit) on data prepared before fork.
        let reaper = unsafe { libc::fork() };
        if reaper == -1 {
            return Err(io::Error::last_os_error());
        }
        if reaper == 0 {
            // SAFETY: see above; this branch never returns (it ends in _exit).
            unsafe {
                // Keep only stdin (/dev/null), stdout/stderr (the lesson's files) and
                // the pid pipe (as fd 3): copies of other tests' pipe ends would delay
                // the EOF those tests wait for.
                libc::dup2(in_fd, 0);
                libc::dup2(out_fd, 1);
                libc::dup2(err_fd, 2);
                libc::dup2(write_end, 3);
                close_from(4, fd_limit);
                // Orphans come to us, not to PID 1 (Linux; elsewhere launchd reaps
                // them).
                #[cfg(target_os = "linux")]
                libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1);
                // The leader's pid is reported only once the leader has called setsid
                // and exec'd: its copy of `exec_sync`'s write end is close-on-exec, so
                // our read sees end-of-file then. Before that, the pid is not yet a
                // session or a process group (signal_group would fail, session_members
                // would miss it), and a signal would reach a copy of the test process
                // instead of the lesson.
                let mut exec_sync = [0; 2];
                let leader = if pipe_cloexec(exec_sync.as_mut_ptr()) == -1 {
                    -1
                } else {
                    libc::fork()
                };
                if leader == 0 {
                    libc::close(3);
                    libc::close(exec_sync[0]);
                    if let Some(credentials) = credentials
                        && !limit_processes(credentials)
                    {
                        libc::_exit(126);
                    }
                    libc::setsid();
                    libc::execve(argv[0], argv.as_ptr(), envp.as_ptr());
                    libc::_exit(127);
                }
                if leader > 0 {
                    libc::close(exec_sync[1]);
                    let mut byte = 0u8;
                    while libc::read(exec_sync[0], (&raw mut byte).cast(), 1) == -1
                        && errno() == libc::EINTR
                    {}
                    libc::close(exec_sync[0]);
                }
                // -1 if the leader could not be started: `start` then fails.
                let bytes = leader.to_ne_bytes();
                libc::write(3, bytes.as_ptr().cast(), bytes.len());
                // Reap the leader and every orphan re-parented to us, until none is
                // left; then pass on the leader's raw wait status, so that "exited 143"
                // and "killed by SIGTERM" stay different.
                let mut leader_status: libc::c_int = -1;
                loop {
                    let mut status = 0;
                    let pid = libc::waitpid(-1, &mut status, 0);
                    if pid == -1 {
                        if errno() == libc::EINTR {
                            continue;
                        }
                        break;
                    }
                    if pid == leader {
                        leader_status = status;
                    }
                }
                let bytes = leader_status.to_ne_bytes();
                libc::write(3, bytes.as_ptr().cast(), bytes.len());
                libc::_exit(0);
            }
        }
        // SAFETY: we close the write end we do not use and own the read end from here
        // on.
        let mut report = unsafe {
            libc::close(write_end);
            fs::File::from_raw_fd(read_end)
        };
        // The reaper holds the pipe's write end as the lesson's stdout; with the read
        // end closed here too, every write the lesson makes fails with EPIPE.
        drop(closed_read_end);
        // A pid of 0 or -1 would make the signals below hit this process's own group,
        // or every process we may signal: no `Supervised` is made without a real
        // leader.
        let leader = match read_int(&mut report) {
            Some(pid) if pid > 0 => pid,
            _ => {
                // SAFETY: waitpid on our own child, which exits at once without a
                // leader.
                unsafe { libc::waitpid(reaper, std::ptr::null_mut(), 0) };
                let _ = fs::remove_dir_all(&dir);
                return Err(io::Error::other("the reaper could not start the lesson"));
            }
        };
        Ok(Self {
            reaper,
            leader,
            dir,
            report,
            ended: None,
            reaped: false,
            shm_before,
        })
    }

    /// What the lesson has written to stdout so far.
    pub fn stdout(&self) -> String {
        read_lossy(&self.dir.join("stdout"))
    }

    /// What the lesson has written to stderr so far.
    pub fn stderr(&self) -> String {
        read_lossy(&self.dir.join("stderr"))
    }

    /// Waits until stderr holds at least `lines` whole lines (the lesson is running and
    /// reporting), or `timeout` passes (a hang guard). Returns whether they came.
    pub fn wait_for_stderr_lines(&self, lines: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            // Whole lines only: stderr is unbuffered, so `eprintln!` may be caught
            // mid-line.
            if self.stderr().matches('\n').count() >= lines {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Sends `signal` to the lesson's whole process group, as Ctrl-C in a terminal
    /// does.
    pub fn signal_group(&self, signal: i32) -> io::Result<()> {
        // SAFETY: plain system call; the group exists until the reaper has reaped it.
        check(unsafe { libc::killpg(self.leader, signal) })
    }

    /// Sends `signal` to the lesson's main process only.
    pub fn signal_leader(&self, signal: i32) -> io::Result<()> {
        // SAFETY: plain system call; the leader cannot be reaped before the reaper
        // waits.
        check(unsafe { libc::kill(self.leader, signal) })
    }

    /// Waits up to `timeout` for the lesson and every process it left to end. Returns
    /// how the lesson ended, or `None` if something was still running when time ran
    /// out.
    pub fn wait(&mut self, timeout: Duration) -> Option<Ended> {
        let deadline = Instant::now() + timeout;
        while !self.reaped {
            let mut status = 0;
            // SAFETY: waitpid on our own child, without blocking.
            let pid = unsafe { libc::waitpid(self.reaper, &mut status, libc::WNOHANG) };
            if pid == self.reaper {
                self.reaped = true;
                // The reaper wrote the leader's raw status before it exited.
                self.ended = read_int(&mut self.report).and_then(|raw| {
                    if libc::WIFEXITED(raw) {
                        Some(Ended::Exited(libc::WEXITSTATUS(raw)))
                    } else if libc::WIFSIGNALED(raw) {
                        Some(Ended::Killed(libc::WTERMSIG(raw)))
                    } else {
                        None
                    }
                });
                break;
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.ended
    }

    /// Panics, naming what is left, unless the lesson's session has no process left and
    /// `/dev/shm` holds no name the lesson created.
    ///
    /// A name that was there before the lesson started is not the lesson's, even if it
    /// carries the same pid: it was left by an earlier process that had this pid (pids
    /// are reused), and blaming this run for it would fail a test that did nothing
    /// wrong.
    pub fn assert_nothing_left(&self) {
        let remaining = self.remaining();
        assert!(
            remaining.is_empty(),
            "processes left running: {remaining:?}"
        );
        let mut shm = shm_left_by(self.leader);
        shm.retain(|name| !self.shm_before.contains(name));
        assert!(shm.is_empty(), "left in /dev/shm: {shm:?}");
    }

    /// The processes still alive (zombies included) in the lesson's session.
    pub fn remaining(&self) -> Vec<libc::pid_t> {
        session_members(self.leader)
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        // A failed test must not leave its lesson running: kill what is left and reap.
        if !self.reaped {
            // SAFETY: plain system calls on our own session and child.
            unsafe {
                libc::killpg(self.leader, libc::SIGKILL);
                for pid in session_members(self.leader) {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            let _ = self.wait(Duration::from_secs(10));
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Conditions for [`Supervised::start_with`]: the default is [`Supervised::start`]'s.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// Where the lesson's stdout goes.
    pub stdout: StdoutTo,
    /// Run the lesson under `RLIMIT_NPROC` = this many processes and threads, counting
    /// the lesson's own main thread. It runs as a user id of its own (root ignores the
    /// limit, and every process of a real user counts), so the count starts at 1. Needs
    /// root; elsewhere [`Supervised::start_with`] fails with `Unsupported`.
    pub process_limit: Option<u64>,
}

/// Where [`Setup`] sends the lesson's stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StdoutTo {
    /// A file, read by [`Supervised::stdout`].
    #[default]
    File,
    /// `/dev/full`: every write fails with ENOSPC, as on a full disk.
    Full,
    /// A pipe nobody reads, as in `lesson | head -c0`: every write fails with EPIPE.
    ClosedPipe,
}

/// What the leader sets before `exec` for [`Setup::process_limit`]: the limit, and the
/// user id to run as (`None`: stay who we are).
fn limit_credentials(program: &Path, limit: u64) -> io::Result<(u64, Option<u32>)> {
    // SAFETY: geteuid is a plain system call.
    if unsafe { libc::geteuid() } != 0 {
        // Our own user's processes all count, however many there are: no test can say
        // what a given limit lets through.
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a process limit needs root, to run the lesson as a user of its own",
        ));
    }
    // A user id of its own: no other process of it counts against the limit. Beyond
    // 65535, away from real users; distinct per test process and per run.
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 64;
    let uid = 2_000_000 + (std::process::id() % 1_000_000) * 64 + n;
    let mapped = fs::read_to_string("/proc/self/uid_map").map_or(
        cfg!(not(target_os = "linux")),
        |map| {
            map.lines().any(|line| {
                let f: Vec<u64> = line
                    .split_whitespace()
                    .filter_map(|x| x.parse().ok())
                    .collect();
                f.len() == 3 && f[0] <= u64::from(uid) && u64::from(uid) < f[0] + f[2]
            })
        },
    );
    if !mapped {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("user id {uid} is not mapped in this user namespace"),
        ));
    }
    // The program must be reachable and executable by that user: every directory on
    // its path searchable by others, the file executable by others.
    let program = fs::canonicalize(program)?;
    use std::os::unix::fs::PermissionsExt;
    for path in program.ancestors() {
        let mode = fs::metadata(path)?.permissions().mode();
        if mode & 0o001 == 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("{} is not executable by other users", path.display()),
            ));
        }
    }
    Ok((limit, Some(uid)))
}

/// In the leader, before `exec`: the process limit, and the user id to run as.
/// Async-signal-safe. False if a call failed (the leader then exits 126).
///
/// # Safety
///
/// Call only in a forked child.
unsafe fn limit_processes((limit, uid): (u64, Option<u32>)) -> bool {
    let limit = libc::rlimit {
        rlim_cur: limit as libc::rlim_t,
        rlim_max: limit as libc::rlim_t,
    };
    // SAFETY: plain system calls on this process's own credentials and limits.
    unsafe {
        if let Some(uid) = uid
            && (libc::setgroups(0, std::ptr::null()) == -1
                || libc::setgid(uid as libc::gid_t) == -1
                || libc::setuid(uid as libc::uid_t) == -1)
        {
            return false;
        }
        libc::setrlimit(libc::RLIMIT_NPROC, &limit) == 0
    }
}

/// A file's text; bytes that are not UTF-8 show as U+FFFD instead of hiding the rest.
fn read_lossy(path: &Path) -> String {
    String::from_utf8_lossy(&fs::read(path).unwrap_or_default()).into_owned()
}

/// Reads one native-endian `i32` from the reaper's pipe.
fn read_int(report: &mut fs::File) -> Option<i32> {
    use std::io::Read;
    let mut bytes = [0u8; 4];
    report.read_exact(&mut bytes).ok()?;
    Some(i32::from_ne_bytes(bytes))
}

/// The three ways a lesson can be stopped from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl-C in a terminal: SIGINT to the whole process group. The parent exits 130.
    CtrlC,
    /// SIGTERM to the parent only. The parent exits 143.
    Terminate,
    /// SIGKILL to the parent only: no handler runs; the children must die with it.
    Kill,
}

impl Stop {
    /// Sends this stop to the lesson.
    pub fn send(self, run: &Supervised) -> io::Result<()> {
        match self {
            Stop::CtrlC => run.signal_group(libc::SIGINT),
            Stop::Terminate => run.signal_leader(libc::SIGTERM),
            Stop::Kill => run.signal_leader(libc::SIGKILL),
        }
    }

    /// How the lesson's parent must end after this stop: 130 and 143 mean it handled
    /// the signal, cleaned up and exited; dying of SIGINT or SIGTERM itself would fail.
    pub fn expected(self) -> Ended {
        match self {
            Stop::CtrlC => Ended::Exited(130),
            Stop::Terminate => Ended::Exited(143),
            Stop::Kill => Ended::Killed(libc::SIGKILL),
        }
    }
}

/// Starts `program args...` (a long run), waits until its stderr satisfies `ready` (its
/// children are working), lets about a second pass, stops it with `stop`, and asserts
/// that it ended as `stop` expects, within the hang guard, leaving no process and no
/// shared memory. Returns the finished run for the lesson's own further checks.
pub fn stop_while_running(
    program: impl AsRef<Path>,
    args: &[&str],
    ready: impl Fn(&str) -> bool,
    stop: Stop,
) -> Finished {
    let mut run = Supervised::start(program, args).expect("the lesson starts");
    let deadline = Instant::now() + HANG_GUARD;
    while !ready(&run.stderr()) {
        assert!(
            Instant::now() < deadline,
            "never ready; stderr:\n{}",
            run.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(1));
    stop.send(&run).expect("the signal is sent");
    let ended = run.wait(HANG_GUARD);
    assert_eq!(
        ended,
        Some(stop.expected()),
        "after {stop:?}; stderr:\n{}",
        run.stderr()
    );
    run.assert_nothing_left();
    Finished {
        ended: stop.expected(),
        stdout: run.stdout(),
        stderr: run.stderr(),
    }
}

fn check(result: libc::c_int) -> io::Result<()> {
    if result == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Every process whose session id is `session`: from `/proc` on Linux, `pgrep -s`
/// elsewhere.
#[cfg(not(target_os = "linux"))]
pub fn session_members(session: libc::pid_t) -> Vec<libc::pid_t> {
    let Ok(out) = std::process::Command::new("pgrep")
        .args(["-s", &session.to_string()])
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect()
}

/// Every process whose session id is `session`, read from `/proc`.
#[cfg(target_os = "linux")]
pub fn session_members(session: libc::pid_t) -> Vec<libc::pid_t> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command name, which is in parentheses and may hold spaces:
        // state ppid pgrp session ...
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(3).and_then(|s| s.parse::<libc::pid_t>().ok()) == Some(session) {
            found.push(pid);
        }
    }
    found
}

/// The names in `/dev/shm` that contain `_<pid>_`: the segments a process named with
/// the lessons' way (`/shmem_<tag>_<pid>_<n>`) and left behind.
pub fn shm_left_by(pid: libc::pid_t) -> Vec<String> {
    let needle = format!("_{pid}_");
    let mut names = shm_names();
    names.retain(|name| name.contains(&needle));
    names
}

/// Every name in `/dev/shm`.
fn shm_names() -> Vec<String> {
    fs::read_dir("/dev/shm")
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A pipe whose two ends are close-on-exec. Linux sets the flag atomically with
/// `pipe2`; elsewhere `fcntl` sets it just after, which leaves a moment in which
/// another thread's fork could copy the ends (harmless here: the reaper closes every
/// other descriptor). Async-signal-safe.
///
/// # Safety
///
/// `fds` must have room for two descriptors.
unsafe fn pipe_cloexec(fds: *mut libc::c_int) -> libc::c_int {
    // SAFETY: the caller gives room for two descriptors; plain system calls.
    unsafe {
        #[cfg(target_os = "linux")]
        {
            libc::pipe2(fds, libc::O_CLOEXEC)
        }
        #[cfg(not(target_os = "linux"))]
        {
            if libc::pipe(fds) == -1 {
                return -1;
            }
            for i in 0..2 {
                libc::fcntl(*fds.add(i), libc::F_SETFD, libc::FD_CLOEXEC);
            }
            0
        }
    }
}

/// This thread's `errno`; async-signal-safe (it reads a thread-local, nothing more).
fn errno() -> libc::c_int {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Closes every descriptor from `first` up: with one `close_range` on Linux, or, where
/// that call is missing, refused or not Linux's, one by one below `fd_limit` (from
/// [`open_files_limit`], read before the fork). Async-signal-safe.
///
/// # Safety
///
/// Call only in a forked child that owns nothing from `first` up.
unsafe fn close_from(first: libc::c_int, fd_limit: libc::c_int) {
    // SAFETY: plain system calls; the caller owns nothing they close.
    unsafe {
        #[cfg(target_os = "linux")]
        if libc::syscall(libc::SYS_close_range, first as libc::c_uint, u32::MAX, 0u32)
            == 0
        {
            return;
        }
        for fd in first..fd_limit {
            libc::close(fd);
        }
    }
}

/// The soft limit on open descriptors (capped): none of ours is at or above it.
fn open_files_limit() -> libc::c_int {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == -1 {
        return 1024;
    }
    limit.rlim_cur.min(1 << 20) as libc::c_int
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaper_reports_exit_and_collects_orphans() {
        // The shell starts a background sleeper and exits at once, orphaning it.
        let mut run = Supervised::start(
            "/bin/sh",
            &["-c", "sleep 0.3 & echo started >&2; exit 3"],
        )
        .unwrap();
        assert_eq!(run.wait(Duration::from_secs(10)), Some(Ended::Exited(3)));
        assert!(run.stderr().contains("started"));
        assert!(run.remaining().is_empty(), "{:?}", run.remaining());
    }

    use crate::testkit::{assert_usage_error, run_to_end};

    #[test]
    fn the_lesson_reads_an_empty_stdin_and_its_bad_bytes_still_show() {
        let finished = run_to_end("/bin/sh", &["-c", "cat; printf 'a\\377b'"]);
        assert_eq!(finished.stdout, "a\u{fffd}b");
    }

    #[test]
    fn the_lesson_runs_with_rust_backtrace_0() {
        let finished = run_to_end("/bin/sh", &["-c", "echo \"$RUST_BACKTRACE\""]);
        assert_eq!(finished.stdout, "0\n");
    }

    #[test]
    fn exit_143_is_not_mistaken_for_sigterm() {
        let finished = run_to_end("/bin/sh", &["-c", "exit 143"]);
        assert_eq!(finished.ended, Ended::Exited(143));
    }

    #[test]
    fn usage_error_helper_accepts_one_line_and_exit_2() {
        assert_usage_error(
            "/bin/sh",
            &["-c", "echo 'error: bad --x' >&2; exit 2"],
            "--x",
        );
    }

    #[test]
    #[should_panic(expected = "one line expected")]
    fn usage_error_helper_rejects_two_lines() {
        assert_usage_error(
            "/bin/sh",
            &["-c", "printf 'error: a\\nb\\n' >&2; exit 2"],
            "a",
        );
    }

    #[test]
    fn stop_helper_accepts_a_handled_sigterm() {
        // A shell that handles SIGTERM the way the lessons do: clean up, then exit 143.
        let script =
            "trap 'exit 143' TERM; echo ready >&2; while :; do sleep 0.05; done";
        let ready = |err: &str| err.contains("ready");
        let finished =
            stop_while_running("/bin/sh", &["-c", script], ready, Stop::Terminate);
        assert_eq!(finished.ended, Ended::Exited(143));
    }

    #[test]
    #[should_panic(expected = "after Terminate")]
    fn stop_helper_fails_a_program_that_dies_of_the_signal() {
        let script = "echo ready >&2; while :; do sleep 0.05; done";
        let ready = |err: &str| err.contains("ready");
        stop_while_running("/bin/sh", &["-c", script], ready, Stop::Terminate);
    }

    #[test]
    fn the_leader_is_its_own_session_as_soon_as_start_returns() {
        // No waiting for output first: `start` returns only after the leader's setsid
        // and exec, so its process group exists and a signal reaches the program
        // itself.
        for _ in 0..20 {
            let mut run =
                Supervised::start("/bin/sh", &["-c", "exec sleep 30"]).unwrap();
            assert_eq!(run.remaining(), [run.leader]);
            run.signal_group(libc::SIGKILL).unwrap();
            assert_eq!(run.wait(HANG_GUARD), Some(Ended::Killed(libc::SIGKILL)));
        }
    }

    #[test]
    fn shared_memory_is_blamed_on_the_run_only_if_it_came_after_the_start() {
        let script = "touch /dev/shm/shmem_testkit_$$_0";
        let mut run = Supervised::start("/bin/sh", &["-c", script]).unwrap();
        assert_eq!(run.wait(HANG_GUARD), Some(Ended::Exited(0)));
        let name = format!("shmem_testkit_{}_0", run.leader);
        struct Remove(PathBuf);
        impl Drop for Remove {
            fn drop(&mut self) {
                let _ = fs::remove_file(&self.0);
            }
        }
        let _remove = Remove(Path::new("/dev/shm").join(&name));
        let check = std::panic::AssertUnwindSafe(|| run.assert_nothing_left());
        assert!(
            std::panic::catch_unwind(check).is_err(),
            "{name} not reported"
        );
        // The same name found before the start was left by an earlier holder of the
        // pid.
        run.shm_before.push(name);
        run.assert_nothing_left();
    }

    #[test]
    fn stdout_can_be_a_full_disk_or_a_pipe_nobody_reads() {
        let script = "echo hi || echo failed >&2";
        for stdout in [StdoutTo::Full, StdoutTo::ClosedPipe] {
            let setup = Setup {
                stdout,
                ..Setup::default()
            };
            let mut run =
                Supervised::start_with("/bin/sh", &["-c", script], &setup).unwrap();
            assert_eq!(run.wait(HANG_GUARD), Some(Ended::Exited(0)), "{stdout:?}");
            assert!(
                run.stderr().contains("failed"),
                "{stdout:?}: {}",
                run.stderr()
            );
        }
    }

    #[test]
    fn a_process_limit_refuses_the_next_process() {
        let setup = Setup {
            process_limit: Some(1),
            ..Setup::default()
        };
        let script = "(true) && echo forked >&2 || echo refused >&2";
        let mut run = match Supervised::start_with("/bin/sh", &["-c", script], &setup) {
            Ok(run) => run,
            Err(err) if err.kind() == io::ErrorKind::Unsupported => {
                eprintln!("skipped: {err}");
                return;
            }
            Err(err) => panic!("{err}"),
        };
        // The shell cannot fork the subshell: it says so (and may exit 2).
        assert!(run.wait(HANG_GUARD).is_some());
        assert!(!run.stderr().contains("forked"), "{}", run.stderr());
        assert!(run.stderr().contains("fork"), "{}", run.stderr());
    }

    #[test]
    fn signalled_leader_is_reported_as_killed() {
        let mut run =
            Supervised::start("/bin/sh", &["-c", "echo up >&2; exec sleep 30"])
                .unwrap();
        assert!(run.wait_for_stderr_lines(1, Duration::from_secs(10)));
        run.signal_leader(libc::SIGKILL).unwrap();
        assert_eq!(
            run.wait(Duration::from_secs(10)),
            Some(Ended::Killed(libc::SIGKILL))
        );
    }
}
