//! What step 4 buys: small progress reports per second from a child to its parent
//! through the lesson's queue, received the step 3 way (`recv_timeout`, which waits in
//! `poll()`) and the step 4 way (`recv`, which never polls), and sent in bulk through a
//! `BufSender`. Run it optimised, as the chapter does:
//!
//!     cargo bench -p process-queue --bench throughput
//!
//! The child is this program started again (`--child one|bulk N FD`). It says it is
//! ready, waits for a byte on its stdin (the starting gun), then sends N reports; the
//! clock runs from the gun to the last report received. The ways take turns, five runs
//! each, and each figure is the best run: on a shared machine, the one the other
//! programs disturbed least.

use process_queue::{BufSender, Receiver, RecvError, Report, Sender, child, queue};
use std::error::Error;
use std::io::{Read, Write};
use std::os::fd::RawFd;
use std::process::Stdio;
use std::time::{Duration, Instant};

const MESSAGES: u64 = 200_000;
const RUNS: usize = 5;

/// How the parent receives, and how the child sends.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    /// `recv_timeout` for every message (step 3).
    Timeout,
    /// `recv` only (step 4).
    Recv,
    /// `recv`, and the child sends through a `BufSender` (step 4).
    Bulk,
}

const WAYS: [(Way, &str); 3] = [
    (Way::Timeout, "send, recv_timeout (step 3)"),
    (Way::Recv, "send, recv (step 4)"),
    (Way::Bulk, "BufSender, recv (step 4)"),
];

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, how, messages, fd] = &args[..]
        && flag == "--child"
    {
        return child_main(how == "bulk", messages.parse()?, fd.parse()?);
    }
    let mut best = [0.0f64; WAYS.len()];
    for _ in 0..RUNS {
        for (i, (way, _)) in WAYS.iter().enumerate() {
            best[i] = best[i].max(rate(*way)?);
        }
    }
    println!("{MESSAGES} progress reports from a child, best of {RUNS} runs:");
    for ((_, name), rate) in WAYS.iter().zip(best) {
        println!("{name:<30} {:>6.2}M a second", rate / 1e6);
    }
    Ok(())
}

/// Reports per second from one child, received and sent the way `way` says.
fn rate(way: Way) -> Result<f64, Box<dyn Error>> {
    let (sender, mut receiver) = queue::<Report>()?;
    let mut command = child::self_command()?;
    let fd = sender.inherit(&mut command)?;
    let how = if way == Way::Bulk { "bulk" } else { "one" };
    let n = MESSAGES.to_string();
    command
        .args(["--child", how, &n, &fd.to_string()])
        .stdin(Stdio::piped());
    let mut child = command.spawn()?;
    drop(command); // the parent keeps no write end: a dead child is end-of-file
    drop(sender);
    let get = |receiver: &mut Receiver<Report>| -> Result<Report, RecvError> {
        if way != Way::Timeout {
            return receiver.recv();
        }
        loop {
            if let Some(report) = receiver.recv_timeout(Duration::from_secs(10))? {
                return Ok(report);
            }
        }
    };
    get(&mut receiver)?; // "ready"
    let start = Instant::now();
    child.stdin.take().expect("piped").write_all(b"g")?;
    for _ in 0..MESSAGES {
        get(&mut receiver)?;
    }
    let elapsed = start.elapsed();
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("the child {status}").into());
    }
    Ok(MESSAGES as f64 / elapsed.as_secs_f64())
}

/// The child: "ready", the starting gun, then the reports, one `send` each or in bulk.
fn child_main(bulk: bool, messages: u64, fd: RawFd) -> Result<(), Box<dyn Error>> {
    // SAFETY: `fd` is the number the parent got from `Sender::inherit` and put on our
    // command line; it is used once, here, and nothing else in this process touches it.
    let mut sender = unsafe { Sender::<Report>::from_inherited(fd)? };
    let report = |k: u64| Report::Progress {
        worker: 0,
        percent: k as f32 * 100.0 / messages as f32,
    };
    sender.send(&report(0))?;
    std::io::stdin().read_exact(&mut [0; 1])?;
    if bulk {
        let mut sender = BufSender::new(sender);
        for k in 1..=messages {
            sender.send(&report(k))?;
        }
        sender.flush()?;
    } else {
        for k in 1..=messages {
            sender.send(&report(k))?;
        }
    }
    Ok(())
}
