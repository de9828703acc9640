// ANCHOR: rc_not_send
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

let progress = Rc::new(AtomicU32::new(0));
let worker = Rc::clone(&progress);
// `Rc` counts its clones without atomics: it may not cross to another thread.
std::thread::spawn(move || worker.store(100, Relaxed)).join().unwrap();
println!("{}", progress.load(Relaxed));
// ANCHOR_END: rc_not_send
