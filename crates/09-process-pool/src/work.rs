//! The tasks this lesson's program registers: the tutorial's simulated task, a
//! CPU-bound one, the chunk tasks of the chapter's exercise 2, and small ones the tests
//! use. Every worker of the walkthrough knows them all, by the names given here.

use crate::task::{Task, Tasks};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The tutorial task's argument: its value and how its simulated work goes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Work {
    pub value: f64,
    /// Steps of the task, each sleeping a random 0..=`max_sleep_ms` ms.
    pub steps: u32,
    pub max_sleep_ms: u64,
    /// The seed of the sleeps, so that a run can be repeated.
    pub seed: u64,
    /// Abort at this step (from 1), the way native code dies on a bug.
    pub crash_at: Option<u32>,
    /// Sleep this much more at the first step: long enough for the walkthrough to kill
    /// the worker while it surely runs this task.
    pub hold_ms: u64,
}

impl Work {
    /// The tutorial's work: `steps` random sleeps, then `value * 2`.
    pub fn new(value: f64, steps: u32, max_sleep_ms: u64, seed: u64) -> Self {
        Work {
            value,
            steps,
            max_sleep_ms,
            seed,
            crash_at: None,
            hold_ms: 0,
        }
    }
}

/// The tutorial's task, run in a worker.
pub const TASK: Task<Work, f64> = Task::new("task", task);

/// How many primes there are below a number: CPU-bound, nothing to wait for.
pub const COUNT_PRIMES: Task<u64, u64> = Task::new("count_primes", count_primes);

/// The smallest task there is: for counting how many tasks a second a pool runs.
pub const INC: Task<u64, u64> = Task::new("inc", |x| x + 1);

/// Sleeps that many milliseconds and returns them: a task of known length.
pub const NAP: Task<u64, u64> = Task::new("nap", |ms| {
    std::thread::sleep(Duration::from_millis(ms));
    ms
});

/// The pid of the worker that runs it.
pub const PID: Task<(), u32> = Task::new("pid", |()| std::process::id());

/// Prints its text on stdout, the way careless task code does, and returns it.
pub const ECHO: Task<String, String> = Task::new("echo", |text| {
    println!("{text}");
    text
});

/// Panics with its text.
pub const PANIC: Task<String, ()> = Task::new("panic", |text| panic!("{text}"));

/// `COUNT_PRIMES` for a whole chunk of limits: one task, one round trip, for many
/// small items (the chapter's exercise 2). A worker runs only tasks compiled into its
/// program, so the exercise's chunk task lives here, where this program registers it.
pub const COUNT_PRIMES_EACH: Task<Vec<u64>, Vec<u64>> =
    Task::new("count_primes_each", |chunk| {
        chunk.into_iter().map(count_primes).collect()
    });

/// Answers each item of a chunk with the size of that chunk: how a list was cut
/// (exercise 2's test).
pub const CHUNK_SIZES: Task<Vec<u64>, Vec<u64>> =
    Task::new("chunk_sizes", |chunk| vec![chunk.len() as u64; chunk.len()]);

/// Every task above: what this program's workers serve.
pub fn tasks() -> Tasks {
    Tasks::new()
        .register(&TASK)
        .register(&COUNT_PRIMES)
        .register(&INC)
        .register(&NAP)
        .register(&PID)
        .register(&ECHO)
        .register(&PANIC)
        .register(&COUNT_PRIMES_EACH)
        .register(&CHUNK_SIZES)
}

// ANCHOR: task
/// The tutorial's simulated work: `steps` steps, each sleeping a random 0..=
/// `max_sleep_ms` ms, then the answer `value * 2`.
fn task(work: Work) -> f64 {
    let mut rng = StdRng::seed_from_u64(work.seed);
    for step in 1..=work.steps {
        if work.crash_at == Some(step) {
            crash(step);
        }
        if step == 1 {
            std::thread::sleep(Duration::from_millis(work.hold_ms));
        }
        let ms = rng.random_range(0..=work.max_sleep_ms);
        std::thread::sleep(Duration::from_millis(ms));
    }
    work.value * 2.0
}

/// Counts the primes below `below` by trial division.
pub fn count_primes(below: u64) -> u64 {
    let is_prime = |k: u64| (2..=k.isqrt()).all(|d| !k.is_multiple_of(d));
    (2..below).filter(|&k| is_prime(k)).count() as u64
}
// ANCHOR_END: task

/// `crash_at`: die the way native code dies on a bug, by SIGABRT.
fn crash(step: u32) -> ! {
    eprintln!("worker {}: aborting at step {step}", std::process::id());
    // A crash on purpose needs no core file (macOS writes none unless asked to).
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_dumpable(false);
    std::process::abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_doubles_its_value() {
        assert_eq!(task(Work::new(4.5, 3, 1, 7)), 9.0);
    }

    #[test]
    fn primes_are_counted() {
        assert_eq!(count_primes(2), 0);
        assert_eq!(count_primes(10), 4);
        assert_eq!(count_primes(10_000), 1229);
    }

    #[test]
    fn every_task_is_registered() {
        let tasks = tasks();
        let names = ["task", "count_primes", "inc", "nap", "pid", "echo", "panic"];
        for name in names
            .into_iter()
            .chain(["count_primes_each", "chunk_sizes"])
        {
            assert!(tasks.knows(name), "{name}");
        }
    }
}
