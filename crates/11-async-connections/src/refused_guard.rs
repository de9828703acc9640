// ANCHOR: refused_guard
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Stands for a call to a slow server: the answer comes after a while.
async fn slow_double(value: f64) -> f64 {
    tokio::time::sleep(Duration::from_millis(10)).await;
    value * 2.0
}

#[tokio::main]
async fn main() {
    let answers = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&answers);
    // Refused: "future cannot be sent between threads safely".
    let task = tokio::spawn(async move {
        let mut list = shared.lock().unwrap(); // a `std::sync::MutexGuard`, held
        let answer = slow_double(4.5).await; // across this `.await`
        list.push(answer);
    });
    task.await.unwrap();
    println!("{:?}", answers.lock().unwrap());
}
// ANCHOR_END: refused_guard
