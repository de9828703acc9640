//! How fast is the shared lock when processes fight over it? Each child process does
//! `lock; counter += 1; unlock` in a tight loop. Build optimised, as every speed claim
//! must be:
//!
//!     cargo run --release -p locks --bin contended -- [N] [INCREMENTS] [mutex|flock]
//!
//! N processes (2) make INCREMENTS increments each (10 000 000). `mutex`, the robust
//! mutex, is the default on Linux; elsewhere only `flock` exists.
//! It is also the model for another program (the measured lesson) using this crate's public API:
//! create the segment, start children of *its own* binary that open it by name, unlink
//! the name once all are attached, start them, and read the total.

use locks::{LockKind, SharedCounter, child};
use std::time::{Duration, Instant};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        // Child: open by name, wait for the start, count.
        child::exit_when_orphaned()?;
        let (name, index, increments) = (&args[2], args[3].parse().unwrap(), &args[4]);
        let counter = SharedCounter::open(name)?;
        counter.wait_for_start(Duration::from_secs(10))?;
        counter.add(index, increments.parse().unwrap())?;
        return Ok(());
    }
    let processes: usize = args.get(1).map_or(2, |s| s.parse().unwrap());
    let increments: u64 = args.get(2).map_or(10_000_000, |s| s.parse().unwrap());
    let kind = match args.get(3).map(String::as_str) {
        Some("flock") => LockKind::Flock,
        Some("mutex") => LockKind::Mutex,
        _ => LockKind::BEST,
    };

    let mut counter = SharedCounter::create(Some(kind))?;
    let mut children = Vec::new();
    for index in 0..processes {
        let mut command = child::self_command()?;
        command.args([
            "--child",
            counter.name(),
            &index.to_string(),
            &increments.to_string(),
        ]);
        children.push(command.spawn()?);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while (counter.attached() as usize) < processes {
        assert!(Instant::now() < deadline, "children did not attach");
        std::thread::sleep(Duration::from_millis(1));
    }
    counter.unlink()?;
    let start = Instant::now();
    counter.start();
    for child in &mut children {
        assert!(child.wait()?.success());
    }
    let seconds = start.elapsed().as_secs_f64();
    let total = counter.lock()?.get();
    assert_eq!(total, processes as u64 * increments);
    println!(
        "{processes} processes x {increments} increments ({kind:?}): {total} in \
         {seconds:.3} s = {:.1} M increments/s",
        total as f64 / seconds / 1e6
    );
    Ok(())
}
