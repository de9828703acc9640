//! Tasks by name. A closure cannot cross a process boundary: the worker is another
//! process, with its own copy of the program's code but none of the caller's memory.
//! So a task is a plain function that both sides know by a name; the worker looks the
//! name up in its [`Tasks`] and runs what it finds. Python does the same: `pickle`
//! sends a function as its module and name, and the worker imports it.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

// ANCHOR: task
/// A function that a pool's workers can run: its name on the wire, and the function.
/// Declare each one once, as a constant, and use it on both sides: the parent submits
/// it, the worker registers it. Its argument and result cross as bytes (serde, in the
/// postcard format), so both types must be serde types.
pub struct Task<A, R> {
    name: &'static str,
    run: fn(A) -> R,
}

impl<A, R> Task<A, R> {
    /// A task called `name` that runs `run`. Names must be unique in one [`Tasks`].
    pub const fn new(name: &'static str, run: fn(A) -> R) -> Self {
        Task { name, run }
    }
}
// ANCHOR_END: task

impl<A, R> Task<A, R> {
    /// The task's name, as the worker looks it up.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

// ANCHOR: register
/// What a worker keeps per name: the task with its types erased, from argument bytes
/// to result bytes.
type Erased = Box<dyn Fn(&[u8]) -> Result<Vec<u8>, Failure> + Send + Sync>;

/// The tasks this program's workers know, by name: what a worker looks up.
#[derive(Default)]
pub struct Tasks {
    by_name: HashMap<&'static str, Erased>,
}

impl Tasks {
    /// Registers `task`. Panics if another task already has its name: two functions
    /// under one name would make the pool run the wrong one.
    pub fn register<A, R>(mut self, task: &Task<A, R>) -> Self
    where
        A: DeserializeOwned + 'static,
        R: Serialize + 'static,
    {
        let run = task.run;
        let erased: Erased = Box::new(move |bytes| {
            let arg: A = postcard::from_bytes(bytes)
                .map_err(|err| Failure::Bytes(format!("the argument: {err}")))?;
            let result = run(arg);
            postcard::to_stdvec(&result)
                .map_err(|err| Failure::Bytes(format!("the result: {err}")))
        });
        let name = task.name;
        assert!(
            self.by_name.insert(name, erased).is_none(),
            "two tasks are named {name:?}"
        );
        self
    }
    // ANCHOR_END: register

    /// A registry with no task yet.
    pub fn new() -> Self {
        Tasks::default()
    }

    /// True if a task called `name` is registered.
    pub fn knows(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    // ANCHOR: run
    /// Runs the task called `name` on `arg` (the bytes of its argument) and returns the
    /// bytes of its result. A panic in the task is caught and becomes
    /// [`Failure::Panicked`]: the worker lives on for the next task.
    pub fn run(&self, name: &str, arg: &[u8]) -> Result<Vec<u8>, Failure> {
        let task = self
            .by_name
            .get(name)
            .ok_or_else(|| Failure::Unknown(name.to_string()))?;
        // `AssertUnwindSafe` is sound: after a panic we keep only its message.
        panic::catch_unwind(AssertUnwindSafe(|| task(arg)))
            .unwrap_or_else(|payload| Err(Failure::Panicked(panic_message(&*payload))))
    }
    // ANCHOR_END: run
}

/// Why a worker could not give a task's result. The worker itself is fine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Failure {
    /// The task panicked; its message.
    Panicked(String),
    /// No task of this name is registered in the worker.
    Unknown(String),
    /// The argument or the result did not turn into bytes and back.
    Bytes(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Panicked(message) => write!(f, "the task panicked: {message}"),
            Failure::Unknown(name) => {
                write!(f, "the worker knows no task named {name:?}")
            }
            Failure::Bytes(what) => write!(f, "bad bytes in {what}"),
        }
    }
}

/// The text of a panic: `panic!("...")` carries a `&str` or a `String`.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

/// A task is a name and a function pointer: copyable whatever `A` and `R` are (a
/// derive would ask them to be `Copy` too).
impl<A, R> Clone for Task<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, R> Copy for Task<A, R> {}

impl<A, R> fmt::Debug for Task<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task({:?})", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOUBLE: Task<f64, f64> = Task::new("double", |x| x * 2.0);
    const BOOM: Task<String, ()> = Task::new("boom", |message| panic!("{message}"));

    fn tasks() -> Tasks {
        Tasks::new().register(&DOUBLE).register(&BOOM)
    }

    #[test]
    fn a_task_runs_from_bytes_to_bytes() {
        let arg = postcard::to_stdvec(&4.5f64).unwrap();
        let out = tasks().run("double", &arg).unwrap();
        assert_eq!(postcard::from_bytes::<f64>(&out).unwrap(), 9.0);
    }

    #[test]
    fn an_unknown_name_is_an_error() {
        assert_eq!(
            tasks().run("triple", &[]),
            Err(Failure::Unknown("triple".into()))
        );
    }

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(|_| {}));
        let arg = postcard::to_stdvec("no luck").unwrap();
        let got = tasks().run("boom", &arg);
        panic::set_hook(previous);
        assert_eq!(got, Err(Failure::Panicked("no luck".into())));
    }

    #[test]
    fn bytes_that_are_not_the_argument_are_an_error() {
        assert!(matches!(
            tasks().run("double", &[1]),
            Err(Failure::Bytes(_))
        ));
    }

    #[test]
    #[should_panic(expected = "two tasks are named \"double\"")]
    fn two_tasks_with_one_name_are_refused() {
        let _ = Tasks::new().register(&DOUBLE).register(&DOUBLE);
    }
}
