// ANCHOR: refused
use std::rc::Rc;

#[tokio::main]
async fn main() {
    // Refused: "future cannot be sent between threads safely".
    let task = tokio::spawn(async {
        let name = Rc::new("connection 1"); // `Rc` counts its owners without atomics
        tokio::task::yield_now().await; // the task may resume on another thread here
        println!("{name}"); // so `name`, used after the `.await`, must be `Send`
    });
    task.await.unwrap();
}
// ANCHOR_END: refused
