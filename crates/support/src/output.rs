//! The results on stdout, written with `writeln!(out, ...)?`, and the one line a failed
//! run ends with.
//!
//! `println!` panics when stdout fails: when the reader of a pipe is gone
//! (`lesson | head -c0`) or the disk is full (`lesson >/dev/full`). Written with
//! `writeln!` to [`stdout()`], the failure is an error like any other: `?` returns it,
//! the lesson's children are stopped and reaped on the way out, and [`report`] ends the
//! run the way Unix tools do:
//!
//! - the reader is gone (a closed pipe): quietly, with status 141, which is what a
//!   shell reports for a tool that SIGPIPE ended;
//! - any other write error: one line, `error: writing the results to stdout: ...`,
//!   status 1.

use std::fmt::Display;
use std::io::{self, Write};
use std::sync::Mutex;

/// The first write error on stdout: its kind, and its text.
static FAILED: Mutex<Option<(io::ErrorKind, String)>> = Mutex::new(None);

/// The status of a run whose stdout's reader went away: 128 + SIGPIPE (13).
pub const CLOSED_PIPE_STATUS: i32 = 141;

/// This process's stdout, for `writeln!(out, ...)?`. It remembers its first write
/// error, so that [`report`] can tell a failed stdout from the lesson's own errors.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

/// The lesson's results go here: see the module's documentation.
pub fn stdout() -> Stdout {
    Stdout
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stdout().write(buf).inspect_err(remember)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        io::stdout().write_all(buf).inspect_err(remember)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().flush().inspect_err(remember)
    }
}

fn remember(err: &io::Error) {
    let mut failed = FAILED.lock().unwrap_or_else(|poison| poison.into_inner());
    failed.get_or_insert_with(|| (err.kind(), err.to_string()));
}

/// How a run that ended in `error` must exit, having said so in at most one line on
/// stderr. If writing to stdout failed, that is the story (whatever `error` says, it
/// followed from it): nothing and [`CLOSED_PIPE_STATUS`] for a closed pipe, or
/// `error: writing the results to stdout: ...` and 1. Otherwise `error: {error}` and 1.
pub fn report(error: impl Display) -> i32 {
    match stdout_failure() {
        Some(status) => status,
        None => {
            eprintln!("error: {error}");
            1
        }
    }
}

/// If writing to stdout has failed: says so (unless the pipe was closed) and returns
/// the exit status, as [`report`] does. `None` if stdout is fine.
pub fn stdout_failure() -> Option<i32> {
    let failed = FAILED.lock().unwrap_or_else(|poison| poison.into_inner());
    match failed.as_ref()? {
        (io::ErrorKind::BrokenPipe, _) => Some(CLOSED_PIPE_STATUS),
        (_, text) => {
            eprintln!("error: writing the results to stdout: {text}");
            Some(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_is_kept_and_decides_the_status() {
        assert_eq!(report("a failure of the lesson's own"), 1);
        remember(&io::Error::from(io::ErrorKind::BrokenPipe));
        remember(&io::Error::other("a later error"));
        assert_eq!(stdout_failure(), Some(CLOSED_PIPE_STATUS));
        assert_eq!(report("what followed from it"), CLOSED_PIPE_STATUS);
        *FAILED.lock().unwrap() = None;
        remember(&io::Error::other("No space left on device"));
        assert_eq!(report("what followed from it"), 1);
        *FAILED.lock().unwrap() = None;
    }
}
