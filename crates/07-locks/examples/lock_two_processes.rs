//! Two processes, one lock: each takes it, prints the two lines of its critical
//! section, and lets it go. The lock is a lock on a file (`flock` on Linux and macOS),
//! which every process that opens the file shares. Python: `mp.Lock` and two
//! `mp.Process`.
use std::env;
use std::fs::{self, File};
use std::process::Command;
use std::thread;
use std::time::Duration;

fn critical_section(lock_path: &str, me: &str) -> std::io::Result<()> {
    let file = File::open(lock_path)?;
    file.lock()?; // waits while the other process holds the lock
    println!("process {me}: CRITICAL SECTION");
    thread::sleep(Duration::from_millis(20)); // the other process waits meanwhile
    println!("process {me}: only one process at a time in here");
    file.unlock() // also released if we die: the kernel closes our file
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = env::args().collect();
    if args.len() == 4 && args[1] == "child" {
        return critical_section(&args[2], &args[3]);
    }
    let lock_path = env::temp_dir().join(format!("lock-{}", std::process::id()));
    File::create(&lock_path)?;
    let mut children = Vec::new();
    for me in ["1", "2"] {
        let mut command = Command::new(env::current_exe()?);
        children.push(command.arg("child").arg(&lock_path).arg(me).spawn()?);
    }
    let mut held = 0;
    for mut child in children {
        if child.wait()?.success() {
            held += 1; // it took the lock, and let it go
        }
    }
    fs::remove_file(&lock_path)?;
    println!("Result: {held} of 2 processes held the lock, one at a time");
    Ok(())
}
