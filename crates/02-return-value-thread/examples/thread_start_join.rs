//! The threading way: start a thread, do something else, join it.
//!
//! Python's `Thread.join()` returns `None`, so the tutorial's version cannot get the
//! task's value back. Rust's `JoinHandle::join` hands it back.

use rand::Rng;
use std::thread;
use std::time::Duration;

/// The tutorial's task: 50 steps of a short random sleep, then twice the input.
fn task(value: f64) -> f64 {
    let mut rng = rand::rng();
    for _step in 1..=50 {
        thread::sleep(Duration::from_millis(rng.random_range(0..=40)));
    }
    value * 2.0
}

fn main() {
    let input = 4.5;
    // `move`: the thread owns what it uses, since it may outlive this function.
    let handle = thread::spawn(move || task(input));

    // The main thread is free while the task runs.
    println!("Started a thread; the main thread goes on meanwhile");

    // `join` waits for the end, then gives `Ok(value)` (or `Err` if it panicked).
    let result = handle.join().expect("the task panicked");
    println!("Result: {result}");
}
