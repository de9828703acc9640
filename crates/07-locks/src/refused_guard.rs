// ANCHOR: refused_guard
let counter = std::sync::Mutex::new(0u64);
let guard = counter.lock().unwrap();
let count: &u64 = &guard; // a reference to the data, through the guard
drop(guard); // unlock...
println!("{count}"); // ...then read without the lock: refused
// ANCHOR_END: refused_guard
