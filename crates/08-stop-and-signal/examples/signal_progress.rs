//! Ask a child process how far it is: Python's `os.kill(pid, SIGUSR1)`, answered by
//! the child's handler. Linux and macOS.
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, atomic::AtomicBool, atomic::Ordering};
use std::thread::sleep;
use std::time::Duration;

/// The child: the tutorial's task, answering SIGUSR1 between two steps.
fn child(value: f64) -> std::io::Result<()> {
    let asked = Arc::new(AtomicBool::new(false));
    // The handler only sets the flag; the loop below does the answering.
    signal_hook::flag::register(signal_hook::consts::SIGUSR1, Arc::clone(&asked))?;
    println!("ready"); // until now, a SIGUSR1 would have killed us
    for k in 1..=50 {
        sleep(Duration::from_millis(rand::random_range(0..=40)));
        if asked.swap(false, Ordering::Relaxed) {
            println!("progress {}%", k * 2); // one line answers one question
        }
    }
    println!("done {}", value * 2.0);
    Ok(())
}

fn main() -> std::io::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("child") {
        return child(4.5);
    }
    let mut command = Command::new(std::env::current_exe()?);
    let mut child = command.arg("child").stdout(Stdio::piped()).spawn()?;
    let mut last = String::new();
    // Each line answers a question; the lines end when the child does, however it died.
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        last = line?;
        println!("child: {last}");
        if !last.starts_with("done") {
            sleep(Duration::from_millis(200));
            // Not reaped yet (only we reap it, below), so its PID is still its own.
            kill(Pid::from_raw(child.id() as i32), Signal::SIGUSR1)?;
        }
    }
    let status = child.wait()?;
    let value = last.strip_prefix("done ").filter(|_| status.success());
    println!("Result: {}", value.unwrap_or("the child failed"));
    Ok(())
}
