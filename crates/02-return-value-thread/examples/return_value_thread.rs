//! The tutorial's `ReturnValueThread`: a `Thread` subclass whose `join()` returns what
//! the target returned, or `None` after printing the exception if the target raised.
//!
//! Rust's `JoinHandle<T>` already returns the value, so the wrapper is thin; a panic
//! hook prints the one-line report.

use rand::Rng;
use std::panic;
use std::thread::{self, JoinHandle};
use std::time::Duration;

struct ReturnValueThread<T>(JoinHandle<T>);

impl<T: Send + 'static> ReturnValueThread<T> {
    fn start(name: &str, f: impl FnOnce() -> T + Send + 'static) -> Self {
        let builder = thread::Builder::new().name(name.to_string());
        Self(builder.spawn(f).expect("the OS refused a thread"))
    }

    /// Waits; the closure's value, or `None` if it panicked.
    fn join(self) -> Option<T> {
        self.0.join().ok()
    }
}

/// The tutorial's task: 50 steps of a short random sleep, then twice the input.
fn task(value: f64, fail_at: Option<u32>) -> f64 {
    let mut rng = rand::rng();
    for step in 1..=50 {
        thread::sleep(Duration::from_millis(rng.random_range(0..=40)));
        if fail_at == Some(step) {
            panic!("simulated failure at step {step}");
        }
    }
    value * 2.0
}

fn main() {
    // A panicking thread reports itself in one line, as the Python subclass does
    // (Rust's own report is three lines, or a whole backtrace with RUST_BACKTRACE=1).
    panic::set_hook(Box::new(|info| {
        let name = thread::current().name().unwrap_or("?").to_string();
        // `panic!` with arguments carries a `String`, without them a `&str`.
        let payload = info.payload();
        let message = payload.downcast_ref::<String>().map(String::as_str);
        let message = message.or(payload.downcast_ref::<&str>().copied());
        eprintln!("thread '{name}' panicked: {}", message.unwrap_or("?"));
    }));

    let good = ReturnValueThread::start("good", || task(4.5, None));
    let bad = ReturnValueThread::start("bad", || task(4.5, Some(25)));
    // ...the main thread is free to do other things here...
    println!("'bad' joined: {:?}", bad.join());
    let result = good.join().expect("'good' panicked");
    println!("Result: {result}");
}
