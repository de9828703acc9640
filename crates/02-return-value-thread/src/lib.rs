//! Lesson `return-value-thread`: getting a value back from a thread.
//!
//! Python's `threading.Thread.join()` returns `None`, so the tutorial subclasses
//! `Thread` to keep the target's return value. Rust needs no such trick:
//! [`std::thread::JoinHandle::join`] already returns the closure's value, or the panic
//! that ended the thread.
//!
//! A thread started with `thread::spawn` may outlive the function that started it, so
//! the compiler refuses a closure that borrows that function's data (E0373):
//!
//! ```compile_fail,E0373
#![doc = include_str!("refused_borrow.rs")]
//! ```
//!
//! The same borrow compiles on a scoped thread: `thread::scope` joins every thread it
//! started before it returns, so none outlives `inputs`.
//!
//! ```
#![doc = include_str!("scoped_borrow.rs")]
//! ```
//!
//! `join` takes the handle by value (`JoinHandle::join(self)`, and
//! [`ReturnValueThread::join`] likewise), so a thread cannot be joined twice (E0382);
//! keep the value the first `join` gave:
//!
//! ```compile_fail,E0382
#![doc = include_str!("refused_join_twice.rs")]
//! ```
//!
//! (Stable rustdoc does not check the error codes; `tests/refused.rs` does.)
//!
//! This crate holds:
//!
//! - [`task`]: the tutorial's simulated work, here able to fail on purpose
//!   ([`Work::fail_at`]).
//! - [`panic_message`]: the text inside a panic payload.
//! - [`ReturnValueThread`]: the tutorial's subclass ported honestly: a named thread
//!   whose `join` gives the value or a typed [`Panicked`] error with the panic message.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::any::Any;
use std::fmt;
use std::io;
use std::thread::{self, JoinHandle};
use std::time::Duration;

// ANCHOR: task
/// How the simulated work runs: everything about [`task`] except its input.
#[derive(Debug, Clone, PartialEq)]
pub struct Work {
    /// Number of steps; each one sleeps a random time.
    pub steps: u32,
    /// Upper bound of one step's sleep, in milliseconds.
    pub max_sleep_ms: u64,
    /// Seed of the sleeps, so that a run can be repeated exactly.
    pub seed: u64,
    /// Panic at this step (1-based), to show what a failing thread looks like.
    pub fail_at: Option<u32>,
}

/// The tutorial's task: `steps` steps of a random sleep each, then `value * 2`.
///
/// # Panics
///
/// At step [`Work::fail_at`], if set: a stand-in for any bug in real work.
pub fn task(value: f64, work: &Work) -> f64 {
    let mut rng = StdRng::seed_from_u64(work.seed);
    for step in 1..=work.steps {
        thread::sleep(Duration::from_millis(
            rng.random_range(0..=work.max_sleep_ms),
        ));
        if work.fail_at == Some(step) {
            panic!("simulated failure at step {step} of {}", work.steps);
        }
        // The progress, step * 100 / steps, is invisible outside: lesson 3 shares it.
    }
    value * 2.0
}
// ANCHOR_END: task

// ANCHOR: panic_message
/// The message of a panic payload, which `join` hands back as
/// `Err(Box<dyn Any + Send>)`.
///
/// `panic!("literal")` carries a `&'static str`, `panic!("{x}")` a `String`; anything
/// else (`std::panic::panic_any(42)`) has no text we can show.
///
/// Pass the payload itself (`&*boxed`), not `&boxed`: a `&Box<dyn Any>` is itself a
/// `dyn Any` (of type `Box`), so every downcast below would fail.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}
// ANCHOR_END: panic_message

// ANCHOR: return_value_thread
/// A thread that hands back its closure's value: the tutorial's `ReturnValueThread`.
///
/// Unlike the Python subclass: starting is part of creating (nothing can be joined
/// before it started); [`join`](Self::join) takes `self`, so no thread is joined twice;
/// a panic comes back as a [`Panicked`] error for the caller to handle, not as `None`.
///
/// ```
/// use return_value_thread::ReturnValueThread;
///
/// let thread = ReturnValueThread::start("adder", || 40 + 2)?;
/// // ...do whatever you want meanwhile...
/// assert_eq!(thread.join(), Ok(42));
///
/// let thread = ReturnValueThread::start("broken", || -> i32 { panic!("no answer") })?;
/// let err = thread.join().unwrap_err();
/// assert_eq!(err.to_string(), "thread 'broken' panicked: no answer");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct ReturnValueThread<T> {
    handle: JoinHandle<T>,
}

impl<T: Send + 'static> ReturnValueThread<T> {
    /// Starts `f` on a new thread called `name` (shown in panic messages, `top -H` and
    /// debuggers). If the OS refuses a thread, that is an `io::Error` here, where
    /// `thread::spawn` would panic.
    pub fn start<F>(name: &str, f: F) -> io::Result<Self>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = thread::Builder::new().name(name.to_string()).spawn(f)?;
        Ok(Self { handle })
    }

    /// The name given to [`start`](Self::start).
    pub fn name(&self) -> &str {
        self.handle.thread().name().unwrap_or("<unnamed>")
    }

    /// Whether the thread has finished (returned or panicked); never blocks.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Waits for the thread; gives its closure's value, or why there is none.
    pub fn join(self) -> Result<T, Panicked> {
        let thread = self.name().to_string();
        self.handle.join().map_err(|payload| Panicked {
            thread,
            message: panic_message(&*payload),
        })
    }
}
// ANCHOR_END: return_value_thread

// ANCHOR: panicked
/// What [`ReturnValueThread::join`] returns when the thread panicked instead of
/// returning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked {
    /// The thread's name.
    pub thread: String,
    /// What the panic said.
    pub message: String,
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "thread '{}' panicked: {}", self.thread, self.message)
    }
}

impl std::error::Error for Panicked {}
// ANCHOR_END: panicked

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(fail_at: Option<u32>) -> Work {
        Work {
            steps: 3,
            max_sleep_ms: 1,
            seed: 7,
            fail_at,
        }
    }

    #[test]
    fn task_returns_twice_its_input() {
        assert_eq!(task(4.5, &quick(None)), 9.0);
        assert_eq!(task(-1.25, &quick(None)), -2.5);
    }

    #[test]
    fn task_panics_at_the_step_asked() {
        let payload =
            std::panic::catch_unwind(|| task(4.5, &quick(Some(2)))).unwrap_err();
        assert_eq!(panic_message(&*payload), "simulated failure at step 2 of 3");
    }

    #[test]
    fn panic_message_reads_str_and_string_payloads() {
        let literal = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(panic_message(&*literal), "plain");
        let formatted = std::panic::catch_unwind(|| panic!("step {}", 3)).unwrap_err();
        assert_eq!(panic_message(&*formatted), "step 3");
        let other =
            std::panic::catch_unwind(|| std::panic::panic_any(42_u8)).unwrap_err();
        assert_eq!(panic_message(&*other), "a panic without a message");
    }

    #[test]
    fn a_box_passed_by_reference_hides_the_message() {
        // The pitfall the doc comment warns about: `&payload` is a `&Box<..>`, and a
        // `Box` is not a `&str` or a `String`.
        let payload = std::panic::catch_unwind(|| panic!("hidden")).unwrap_err();
        assert_eq!(panic_message(&payload), "a panic without a message");
    }

    #[test]
    fn join_gives_the_value() {
        let thread = ReturnValueThread::start("adder", || 40 + 2).unwrap();
        assert_eq!(thread.name(), "adder");
        assert_eq!(thread.join(), Ok(42));
    }

    #[test]
    fn join_gives_a_typed_error_when_the_thread_panics() {
        let thread =
            ReturnValueThread::start("failing", || task(4.5, &quick(Some(1)))).unwrap();
        let err = thread.join().unwrap_err();
        assert_eq!(err.thread, "failing");
        assert_eq!(err.message, "simulated failure at step 1 of 3");
        assert_eq!(
            err.to_string(),
            "thread 'failing' panicked: simulated failure at step 1 of 3"
        );
    }

    #[test]
    fn is_finished_turns_true_once_the_closure_returns() {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let thread =
            ReturnValueThread::start("held", move || wait.recv().is_ok()).unwrap();
        // The closure cannot return before we send, so this is not a race.
        assert!(!thread.is_finished());
        release.send(()).unwrap();
        assert_eq!(thread.join(), Ok(true));
    }
}
