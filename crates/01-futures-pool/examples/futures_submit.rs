//! The Rust twin of `executor.submit(task, 4.5).result()`: a queue of jobs, worker
//! threads that take from it, and a one-value channel as the future of each task.
use crossbeam_channel::{Receiver, Sender};
use rand::Rng;
use std::thread;
use std::time::Duration;

/// The tutorial's task: 50 steps of a short random sleep, then the value doubled.
fn task(value: f64) -> f64 {
    let mut rng = rand::rng();
    for _step in 0..50 {
        thread::sleep(Duration::from_millis(rng.random_range(0..=40)));
    }
    value * 2.0
}

/// What a worker runs: a task wrapped so that it sends its value to its future.
type Job = Box<dyn FnOnce() + Send>;

/// Python's `executor.submit`: queues `task` and returns at once with its future.
fn submit<T: Send + 'static>(
    jobs: &Sender<Job>,
    task: impl FnOnce() -> T + Send + 'static,
) -> Receiver<T> {
    let (sender, future) = crossbeam_channel::bounded(1);
    let job = move || {
        let _ = sender.send(task()); // fails only if nobody waits for the value
    };
    jobs.send(Box::new(job)).unwrap();
    future
}

fn main() {
    // The executor: one queue, and one worker thread per core taking jobs from it.
    let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let workers: Vec<_> = (0..cores)
        .map(|_| {
            let queue = queue.clone();
            thread::spawn(move || queue.iter().for_each(|job| job()))
        })
        .collect();

    let future = submit(&jobs, || task(4.5));
    let result = future.recv().unwrap(); // `future.result()`: waits for the value

    // Leaving the `with` block: close the queue; each worker ends when it is empty.
    drop(jobs);
    workers
        .into_iter()
        .for_each(|worker| worker.join().unwrap());
    println!("Result: {result}");
}
