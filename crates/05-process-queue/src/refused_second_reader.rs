use process_queue::{Report, queue};

let (_sender, receiver) = queue::<Report>().unwrap();
let second_reader = receiver.clone(); // error[E0599]: no method named `clone`
