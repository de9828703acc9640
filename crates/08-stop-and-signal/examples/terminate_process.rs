//! Stop a process from outside: Python's `Process.terminate()` (SIGTERM), a grace
//! period (`join(timeout)`), then `Process.kill()` (SIGKILL). Linux and macOS.
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

fn task(value: f64) -> f64 {
    for _ in 0..50 {
        sleep(Duration::from_millis(rand::random_range(0..=40)));
    }
    value * 2.0
}

fn main() -> std::io::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("child") {
        println!("child: done, {}", task(4.5)); // a SIGTERM ends it before this
        return Ok(());
    }
    // Python's "spawn": run this same program again, in its child role.
    let mut command = Command::new(std::env::current_exe()?);
    let mut child = command.arg("child").spawn()?;
    sleep(Duration::from_millis(200));
    // Not reaped yet (only we reap it, below), so its PID is still its own.
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM)?; // terminate()
    let grace = Instant::now() + Duration::from_secs(1);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status; // it ended, and is now reaped
        }
        if Instant::now() > grace {
            child.kill()?; // SIGKILL: cannot be caught or ignored
            break child.wait()?;
        }
        sleep(Duration::from_millis(10));
    };
    // Python folds both into one number (exitcode -15); Rust keeps two fields.
    match (status.code(), status.signal().map(Signal::try_from)) {
        (Some(code), _) => println!("Result: exited with status {code}"),
        (None, Some(Ok(signal))) => println!("Result: killed by {signal}"),
        _ => println!("Result: {status}"),
    }
    Ok(())
}
