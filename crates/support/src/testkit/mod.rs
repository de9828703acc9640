//! Helpers for the lessons' end-to-end tests.
//!
//! Everywhere: [`run_to_end`] (run a lesson binary under a hang guard) and
//! [`assert_usage_error`]. On Unix, [`run_to_end`] runs the binary in a session of its
//! own under a small reaper and also checks that it left no process and no shared
//! memory behind; [`Supervised`], [`Stop`] and [`stop_while_running`] signal a run
//! while it works.

use std::path::Path;
use std::time::Duration;

#[cfg(unix)]
mod supervised;
#[cfg(unix)]
pub use supervised::*;

/// How a lesson's main process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this status.
    Exited(i32),
    /// A signal with this number ended it (Unix).
    Killed(i32),
}

/// What a finished run printed, and how it ended.
#[derive(Debug)]
pub struct Finished {
    /// How the lesson's main process ended.
    pub ended: Ended,
    /// Everything it wrote to stdout.
    pub stdout: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

impl Finished {
    /// The last line of stdout: the lessons' `Result: ...` line.
    pub fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }
}

/// The hang guard of every wait in these helpers: generous, so a slow machine fails
/// nothing.
pub const HANG_GUARD: Duration = Duration::from_secs(10);

/// Runs `program args...` to its end under the reaper and checks that it left no
/// process and no shared memory behind.
#[cfg(unix)]
pub fn run_to_end(program: impl AsRef<Path>, args: &[&str]) -> Finished {
    let mut run = Supervised::start(program, args).expect("the lesson starts");
    let ended = run.wait(HANG_GUARD).unwrap_or_else(|| {
        panic!(
            "{args:?} did not end within {HANG_GUARD:?}; stderr:\n{}",
            run.stderr()
        )
    });
    run.assert_nothing_left();
    Finished {
        ended,
        stdout: run.stdout(),
        stderr: run.stderr(),
    }
}

/// Runs `program args...` to its end, with an empty stdin and `RUST_BACKTRACE=0`, and
/// kills it if it outlives the hang guard.
#[cfg(not(unix))]
pub fn run_to_end(program: impl AsRef<Path>, args: &[&str]) -> Finished {
    use std::io::Read;
    use std::process::{Command, Stdio};
    use std::time::Instant;

    let mut child = Command::new(program.as_ref())
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lesson starts");
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let read_out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        bytes
    });
    let read_err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + HANG_GUARD;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the lesson") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} did not end within {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let lossy = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    Finished {
        ended: Ended::Exited(status.code().unwrap_or(-1)),
        stdout: lossy(read_out.join().expect("stdout reader")),
        stderr: lossy(read_err.join().expect("stderr reader")),
    }
}

/// Asserts that `program args...` is refused as bad input, the way every lesson
/// promises: exit status 2, exactly one line on stderr starting with `error:` and
/// containing `mentions`, and nothing on stdout.
pub fn assert_usage_error(program: impl AsRef<Path>, args: &[&str], mentions: &str) {
    let out = std::process::Command::new(program.as_ref())
        .args(args)
        .output()
        .expect("the lesson starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: one line expected: {stderr:?}"
    );
    assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
    assert!(
        stderr.contains(mentions),
        "{args:?}: should mention {mentions:?}: {stderr}"
    );
    assert!(out.stdout.is_empty(), "{args:?}: stdout should be empty");
}
