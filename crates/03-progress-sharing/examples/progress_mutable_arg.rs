//! The tutorial's "mutable argument": the caller lends the task a map, the task writes
//! its progress into its own entry, and the caller reads it while the task runs.
use std::collections::HashMap;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

const STEPS: u32 = 50;

/// Sleeps `STEPS` random times, writing its progress (in %) into `progress[index]`.
fn task(value: f64, progress: &Mutex<HashMap<usize, f32>>, index: usize) -> f64 {
    progress.lock().unwrap().insert(index, 0.0);
    for step in 1..=STEPS {
        thread::sleep(Duration::from_millis(rand::random_range(0..=40)));
        let percent = step as f32 * 100.0 / STEPS as f32;
        progress.lock().unwrap().insert(index, percent);
    }
    value * 2.0
}

fn main() {
    let index = 0;
    // No GIL: a map that two threads touch lives behind a lock.
    let progress = Mutex::new(HashMap::from([(index, 0.0)]));
    let result = thread::scope(|s| {
        // A scoped thread plays `executor.submit`: it may borrow `progress`.
        let future = s.spawn(|| task(4.5, &progress, index));
        while !future.is_finished() {
            thread::sleep(Duration::from_millis(100));
            let percent = progress.lock().unwrap()[&index];
            eprint!("\rThread progress: {percent:6.2}%");
        }
        future.join().unwrap() // the task's return value
    });
    // After `join`, the map certainly holds the task's last write.
    let percent = progress.lock().unwrap()[&index];
    eprintln!("\rThread progress: {percent:6.2}%");
    println!("Result: {result}");
}
