//! Helpers for the lessons' end-to-end tests.
//!
//! Everywhere: [`run_to_end`] (run a lesson binary under a hang guard) and
//! [`assert_usage_error`]. On Unix, [`run_to_end`] runs the binary in a session of its
//! own under a small reaper and also checks that it left no process and no shared
//! memory behind; [`Supervised`], [`Stop`] and [`stop_while_running`] signal a run
//! while it works.

use std::path::Path;
use std::time::Duration;

mod refused;
pub use refused::assert_refused;
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

/// Like [`run_to_end`], in the conditions `setup` asks for. `None` where they cannot be
/// made here (the reason is printed: the test is skipped).
#[cfg(unix)]
pub fn run_to_end_with(
    program: impl AsRef<Path>,
    args: &[&str],
    setup: &Setup,
) -> Option<Finished> {
    let mut run = match Supervised::start_with(program, args, setup) {
        Ok(run) => run,
        Err(err) if err.kind() == std::io::ErrorKind::Unsupported => {
            eprintln!("skipped: {setup:?} cannot be arranged here: {err}");
            return None;
        }
        Err(err) => panic!("the lesson does not start: {err}"),
    };
    let ended = run.wait(HANG_GUARD).unwrap_or_else(|| {
        panic!(
            "{args:?} did not end within {HANG_GUARD:?}; stderr:\n{}",
            run.stderr()
        )
    });
    run.assert_nothing_left();
    Some(Finished {
        ended,
        stdout: run.stdout(),
        stderr: run.stderr(),
    })
}

/// The lines of `stderr` that report an error (`error: ...`).
pub fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .map(|line| line.trim_start_matches(['\r', '\x1b', '[', 'K']))
        .filter(|line| line.starts_with("error:"))
        .collect()
}

/// Asserts that `stderr` holds no panic report (Rust's `thread '...' panicked at ...`;
/// a lesson's own one-line report of a panic it makes on purpose may stay), and exactly
/// one error line, which contains `mentions`.
pub fn assert_one_error_line(stderr: &str, mentions: &str) {
    assert!(!stderr.contains("panicked at"), "a panic: {stderr}");
    let errors = error_lines(stderr);
    assert_eq!(errors.len(), 1, "one error line expected: {stderr}");
    assert!(
        errors[0].contains(mentions),
        "the error should mention {mentions:?}: {stderr}"
    );
}

/// `program args... | head -c0`: the reader of stdout is gone. The lesson must end
/// quietly (status 0, or 141 as a tool ended by SIGPIPE), print no panic and no error,
/// and leave nothing behind.
#[cfg(unix)]
pub fn assert_closed_stdout_ends_quietly(program: impl AsRef<Path>, args: &[&str]) {
    let setup = Setup {
        stdout: StdoutTo::ClosedPipe,
        ..Setup::default()
    };
    let Some(run) = run_to_end_with(program, args, &setup) else {
        return;
    };
    assert!(
        matches!(
            run.ended,
            Ended::Exited(0 | 141) | Ended::Killed(libc::SIGPIPE)
        ),
        "{args:?} | head -c0: {run:?}"
    );
    assert!(!run.stderr.contains("panicked at"), "{run:?}");
    assert!(error_lines(&run.stderr).is_empty(), "{run:?}");
}

/// `program args... >/dev/full`: writing the results fails. The lesson must exit 1
/// with one error line that names stdout, no panic, and leave nothing behind.
#[cfg(unix)]
pub fn assert_full_stdout_is_one_error_line(program: impl AsRef<Path>, args: &[&str]) {
    let setup = Setup {
        stdout: StdoutTo::Full,
        ..Setup::default()
    };
    let Some(run) = run_to_end_with(program, args, &setup) else {
        return;
    };
    assert_eq!(run.ended, Ended::Exited(1), "{args:?} >/dev/full: {run:?}");
    assert_one_error_line(&run.stderr, "stdout");
}

/// `program args...` under a limit of `limit` processes and threads (see
/// [`Setup::process_limit`]). The lesson may finish (the limit was enough); if not, it
/// must exit 1 with one error line that names the limit (`ulimit -u`), no panic, and
/// leave nothing behind. Returns the run (`None`: skipped, the reason printed).
#[cfg(unix)]
pub fn assert_process_limit_is_one_error_line(
    program: impl AsRef<Path>,
    args: &[&str],
    limit: u64,
) -> Option<Finished> {
    let setup = Setup {
        process_limit: Some(limit),
        ..Setup::default()
    };
    let run = run_to_end_with(program, args, &setup)?;
    assert_ne!(
        run.ended,
        Ended::Exited(126),
        "the limit could not be set: {run:?}"
    );
    if run.ended != Ended::Exited(0) {
        assert_eq!(run.ended, Ended::Exited(1), "limit {limit}: {run:?}");
        assert_one_error_line(&run.stderr, "ulimit -u");
    }
    assert!(
        !run.stderr.contains("panicked at"),
        "limit {limit}: {run:?}"
    );
    Some(run)
}

/// `program args...` with `/dev/shm` full: in a mount namespace of its own
/// (`unshare -m`, which needs root), over a 256 KiB tmpfs filled to the last page. The
/// lesson must exit 1 with one error line naming `/dev/shm`, no panic (a SIGBUS would
/// be a crash), and leave no name of its own in that `/dev/shm`. Skipped, saying why,
/// where `unshare -m` does not work.
#[cfg(target_os = "linux")]
pub fn assert_full_dev_shm_is_one_error_line(program: impl AsRef<Path>, args: &[&str]) {
    use std::process::{Command, Stdio};
    let probe = Command::new("unshare")
        .args(["-m", "true"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|status| status.success()) {
        eprintln!("skipped: `unshare -m` does not work here (it needs root)");
        return;
    }
    let script = r#"mount -t tmpfs -o size=256k tmpfs /dev/shm || exit 125
dd if=/dev/zero of=/dev/shm/filler bs=4k 2>/dev/null
"$@"; status=$?
left=$(ls /dev/shm | grep -vx filler)
[ -z "$left" ] || echo "LEFT IN /dev/shm: $left"
exit $status"#;
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", script, "sh"])
        .arg(program.as_ref())
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .expect("unshare starts");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_ne!(out.status.code(), Some(125), "no tmpfs: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}\n{stderr}");
    assert_one_error_line(&stderr, "/dev/shm");
    assert!(!stdout.contains("LEFT IN /dev/shm"), "{stdout}");
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
