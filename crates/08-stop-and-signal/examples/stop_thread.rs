//! Stop a thread by asking it: Python's `threading.Event`, checked between steps.
//! Nothing can kill a thread from outside, in Rust or in Python.
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// The tutorial's task, looking at `stop` before each step: `Err(k)` means it was
/// asked to stop and did, after `k` steps.
fn task(value: f64, stop: &AtomicBool) -> Result<f64, u32> {
    for k in 0..50 {
        if stop.load(Ordering::Relaxed) {
            return Err(k);
        }
        thread::sleep(Duration::from_millis(rand::random_range(0..=40)));
    }
    Ok(value * 2.0)
}

fn main() {
    let stop = AtomicBool::new(false); // Python: stop = threading.Event()
    let outcome = thread::scope(|s| {
        let worker = s.spawn(|| task(4.5, &stop));
        thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed); // stop.set(): a request, not a brake
        worker.join().unwrap() // join gives back what the task returned
    });
    match outcome {
        Ok(value) => println!("Result: {value}"),
        Err(steps) => println!("Result: stopped after {steps} steps"),
    }
}
