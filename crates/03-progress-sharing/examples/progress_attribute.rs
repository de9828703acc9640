//! The tutorial's class: a method runs the task and updates the object's progress,
//! which the caller reads through a getter while the method runs on another thread.
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::thread;
use std::time::Duration;

const STEPS: u32 = 50;

/// std has no atomic `f32`: the progress (in %) is kept as its bits in an `AtomicU32`.
struct TaskObject {
    progress: AtomicU32,
}

impl TaskObject {
    fn new() -> Self {
        let progress = AtomicU32::new(0f32.to_bits());
        Self { progress }
    }

    /// `&self`, not `&mut self`: the getter may be called while this runs.
    fn task(&self, value: f64) -> f64 {
        self.progress.store(0f32.to_bits(), Relaxed);
        for step in 1..=STEPS {
            thread::sleep(Duration::from_millis(rand::random_range(0..=40)));
            let percent = step as f32 * 100.0 / STEPS as f32;
            self.progress.store(percent.to_bits(), Relaxed);
        }
        value * 2.0
    }

    fn progress(&self) -> f32 {
        f32::from_bits(self.progress.load(Relaxed))
    }
}

fn main() {
    let object = Arc::new(TaskObject::new());
    // A spawned thread may outlive `main`'s locals: it owns a clone of the `Arc`.
    let worker = Arc::clone(&object);
    let future = thread::spawn(move || worker.task(4.5));
    while !future.is_finished() {
        thread::sleep(Duration::from_millis(100));
        eprint!("\rThread progress: {:6.2}%", object.progress());
    }
    let result = future.join().unwrap(); // after `join`, the last store is visible
    eprintln!("\rThread progress: {:6.2}%", object.progress());
    println!("Result: {result}");
}
