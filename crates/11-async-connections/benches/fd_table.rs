//! What step 4 buys: the time to open 2100 files one after the other, in a process
//! with one thread, in one with a tokio runtime built (more threads), and in one that
//! made room in its table of open files (`limits::reserve_open_files`) before building
//! the runtime. Run it optimised, as the chapter does:
//!
//!     cargo bench -p async-connections --bench fd_table
//!
//! Each way runs in a fresh copy of this program (`--way N`), since a process's table
//! never shrinks: a way run after another would find the table grown already. A file
//! here is a `dup` of one open file, which takes the lowest free number as a socket
//! does. Each copy prints its total time, and its slowest single open with the number
//! that file got (the table doubles when a number reaches its size: 256, 512, 1024,
//! 2048); the parent prints them as a table.

#[cfg(target_os = "linux")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::process::Command;
    const WAYS: [&str; 3] = [
        "one thread",
        "runtime built",
        "room made, then runtime built",
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, way] = &args[..] {
        assert_eq!(flag, "--way");
        return run_way(way.parse()?);
    }
    println!("{FILES} files opened one by one, each way in a fresh process:");
    println!("{:<31} {:>9}  slowest open", "", "total");
    for (way, name) in WAYS.iter().enumerate() {
        let me = std::env::current_exe()?;
        let output = Command::new(me)
            .args(["--way", &way.to_string()])
            .output()?;
        if !output.status.success() {
            return Err(format!("way {way} failed: {}", output.status).into());
        }
        print!("{name:<31} {}", String::from_utf8(output.stdout)?);
    }
    Ok(())
}

/// How many files each way opens: past the doublings at 256, 512, 1024 and 2048.
#[cfg(target_os = "linux")]
const FILES: usize = 2100;

/// Way 0: only this thread. Way 1: a tokio runtime built (its threads alive, idle).
/// Way 2: room for every file made first, then the runtime built.
#[cfg(target_os = "linux")]
fn run_way(way: usize) -> Result<(), Box<dyn std::error::Error>> {
    use async_connections::limits;
    use std::os::fd::{AsFd, AsRawFd, OwnedFd};
    use std::time::{Duration, Instant};

    limits::raise_open_files(FILES as u64 + 100)?;
    if way == 2 {
        limits::reserve_open_files(FILES)?;
    }
    let _runtime = match way {
        0 => None,
        _ => Some(tokio::runtime::Builder::new_multi_thread().build()?),
    };
    let file = std::fs::File::open("/dev/null")?;
    let mut files: Vec<OwnedFd> = Vec::with_capacity(FILES);
    let (mut slowest, mut slowest_at) = (Duration::ZERO, 0);
    let start = Instant::now();
    for _ in 0..FILES {
        let open = Instant::now();
        let copy = file.as_fd().try_clone_to_owned()?; // a `dup`
        if open.elapsed() > slowest {
            (slowest, slowest_at) = (open.elapsed(), copy.as_raw_fd());
        }
        files.push(copy);
    }
    let total = start.elapsed();
    println!(
        "{:>6.1} ms  {:>5.2} ms, file number {slowest_at}",
        total.as_secs_f64() * 1e3,
        slowest.as_secs_f64() * 1e3
    );
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("The table of open files that this measures is Linux's.");
}
