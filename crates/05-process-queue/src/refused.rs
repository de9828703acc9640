let (_sender, receiver) = process_queue::queue::<process_queue::Report>().unwrap();
let second_reader = receiver.clone(); // refused: error[E0599], no method `clone`
