//! The Rust twin of `list(ProcessPoolExecutor().map(count_primes, limits))`: a
//! CPU-bound function over a list, on every core. The workers are this program started
//! again with the argument `worker`; the calls are dealt out to them in turn, and their
//! answers read back in the list's order.
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

/// How many primes there are below `below`, by trial division: all CPU, no waiting.
fn count_primes(below: u64) -> u64 {
    let is_prime = |k: u64| (2..=k.isqrt()).all(|d| !k.is_multiple_of(d));
    (2..below).filter(|&k| is_prime(k)).count() as u64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some("worker") {
        // These workers know one task, so a request is just its argument.
        for line in std::io::stdin().lines() {
            println!("{}", count_primes(line?.trim().parse()?));
        }
        return Ok(());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut workers = Vec::new();
    for _ in 0..cores {
        let mut worker = Command::new(std::env::current_exe()?)
            .arg("worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let answers = BufReader::new(worker.stdout.take().unwrap()).lines();
        workers.push((worker, answers));
    }
    let limits = [10_000, 20_000, 30_000, 40_000, 50_000, 60_000];
    // map: call i goes to worker i % cores, and they all work at once...
    for (i, limit) in limits.iter().enumerate() {
        writeln!(workers[i % cores].0.stdin.as_mut().unwrap(), "{limit}")?;
    }
    // ...then the answers are read in the list's order: each worker answers in turn.
    let mut counts = Vec::new();
    for i in 0..limits.len() {
        // End-of-file instead of an answer if the worker died.
        let answer = workers[i % cores].1.next().ok_or("a worker died")??;
        counts.push(answer.parse::<u64>()?);
    }
    for (mut worker, _) in workers {
        drop(worker.stdin.take()); // leaving `with`: each worker ends, then is reaped
        worker.wait()?;
    }
    println!("Result: {counts:?}");
    Ok(())
}
