//! The worker's side: a copy of this program started with [`WORKER_ARG`], serving
//! requests until its parent closes its stdin.

use crate::child;
use crate::task::Tasks;
use crate::wire::{FrameReader, Reply, Request, push_frame};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};

/// The argument that makes this program a pool worker (Python's "spawn": a fresh copy
/// of the program, told what to be).
pub const WORKER_ARG: &str = "--process-pool-worker";

/// Set in every worker's environment: a worker that starts a pool of its own would
/// start workers that start pools, without end, so [`crate::ProcessPool`] refuses to.
pub const WORKER_VAR: &str = "PROCESS_POOL_WORKER";

// ANCHOR: serve_if_worker
/// Call this first thing in `main`: if this process was started as a pool worker, it
/// serves `tasks` until the pool closes its stdin, then exits; otherwise it returns at
/// once. Python's `if __name__ == "__main__":` guard, the other way round.
pub fn serve_if_worker(tasks: &Tasks) {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == WORKER_ARG)
    {
        let code = match serve(tasks) {
            Ok(()) => 0,
            Err(err) => {
                eprintln!("pool worker {}: {err}", std::process::id());
                1
            }
        };
        std::process::exit(code);
    }
}
// ANCHOR_END: serve_if_worker

// ANCHOR: serve
/// A worker's life: say it is ready, then read requests and answer each one, until
/// end-of-file. One reply per task, written as soon as the task returns: a worker
/// killed later loses no result it had.
pub fn serve(tasks: &Tasks) -> io::Result<()> {
    let (requests, mut replies) = take_stdio()?;
    let mut requests = FrameReader::new(requests);
    let mut out = Vec::new();
    push_frame(&mut out, &Reply::Ready)?;
    replies.write_all(&out)?;
    loop {
        let Some(frame) = requests.next_frame() else {
            if requests.fill()? == 0 {
                return Ok(()); // end-of-file: the pool is shutting down
            }
            continue;
        };
        let request: Request = postcard::from_bytes(frame).map_err(io::Error::other)?;
        let (id, outcome) = (request.id, tasks.run(request.task, request.arg));
        let reply = match &outcome {
            Ok(result) => Reply::Done { id, result },
            Err(failure) => Reply::Failed {
                id,
                failure: failure.clone(),
            },
        };
        out.clear();
        push_frame(&mut out, &reply)?;
        replies.write_all(&out)?;
    }
}
// ANCHOR_END: serve

// ANCHOR: take_stdio
/// Sets the process up as a worker and returns its two pipes. The task code may print:
/// stdout becomes a copy of stderr, so what it prints cannot land among the replies,
/// and stdin becomes `/dev/null`, so it cannot read the requests either. Ctrl-C is
/// ignored: the terminal sends it to the whole group, and it is the pool's to handle
/// (it stops its workers itself). And the worker exits if its parent dies.
fn take_stdio() -> io::Result<(File, File)> {
    let requests: OwnedFd = io::stdin().as_fd().try_clone_to_owned()?;
    let replies: OwnedFd = io::stdout().as_fd().try_clone_to_owned()?;
    nix::unistd::dup2_stdout(io::stderr().as_fd())?;
    nix::unistd::dup2_stdin(File::open("/dev/null")?)?;
    // SAFETY: setting a signal's disposition to "ignore" runs no code of ours.
    unsafe { nix::sys::signal::signal(Signal::SIGINT, SigHandler::SigIgn) }?;
    child::exit_with_parent();
    // A task's panic reaches the caller as an error: no message on stderr too.
    std::panic::set_hook(Box::new(|_| {}));
    Ok((File::from(requests), File::from(replies)))
}
// ANCHOR_END: take_stdio

use nix::sys::signal::{SigHandler, Signal};
