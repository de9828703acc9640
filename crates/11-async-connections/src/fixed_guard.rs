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
    // ANCHOR: fixed_guard
    let task = tokio::spawn(async move {
        let answer = slow_double(4.5).await; // wait first, holding no lock
        shared.lock().unwrap().push(answer); // the guard lives for this line only
    });
    // ANCHOR_END: fixed_guard
    task.await.unwrap();
    assert_eq!(*answers.lock().unwrap(), [9.0]);
    println!("{:?}", answers.lock().unwrap());
}
