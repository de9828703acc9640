//! The Rust twin of `ProcessPoolExecutor().submit(task, 4.5).result()`. The workers are
//! this program started again with the argument `worker` (Python's "spawn"); each reads
//! requests on its stdin, one line each, and answers on its stdout.
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The tutorial's task: 50 steps of a short random sleep, then the value doubled.
fn task(value: f64) -> f64 {
    for _step in 0..50 {
        std::thread::sleep(Duration::from_millis(rand::random_range(0..=20)));
    }
    value * 2.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some("worker") {
        // A closure cannot cross into another process: a task travels by its name.
        for line in std::io::stdin().lines() {
            match line?.split_once(' ') {
                Some(("task", arg)) => println!("{}", task(arg.parse()?)),
                other => return Err(format!("no such task: {other:?}").into()),
            }
        }
        return Ok(()); // end-of-file: the pool is shutting down
    }
    // The executor: one worker process per core, a pipe in and a pipe out each.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut workers = Vec::new();
    for _ in 0..cores {
        let worker = Command::new(std::env::current_exe()?)
            .arg("worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        workers.push(worker);
    }
    // submit(task, 4.5): a request to a worker (all are idle: the first)...
    writeln!(workers[0].stdin.as_mut().unwrap(), "task 4.5")?;
    // ...and future.result() is its answer, or end-of-file if the worker died.
    let mut answer = String::new();
    BufReader::new(workers[0].stdout.as_mut().unwrap()).read_line(&mut answer)?;
    let result: f64 = answer.trim().parse().map_err(|_| "the worker died")?;
    // Leaving `with`: close each stdin, so each worker ends; then reap it.
    for mut worker in workers {
        drop(worker.stdin.take());
        worker.wait()?;
    }
    println!("Result: {result}");
    Ok(())
}
