// ANCHOR: spawn_borrow
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

let progress = AtomicU32::new(0);
// `thread::spawn` wants a closure that may outlive `progress`: refused.
let worker = std::thread::spawn(|| progress.store(100, Relaxed));
println!("{}", progress.load(Relaxed));
worker.join().unwrap();
// ANCHOR_END: spawn_borrow
