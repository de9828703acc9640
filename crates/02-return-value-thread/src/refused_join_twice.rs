// ANCHOR: refused_join_twice
let handle = std::thread::spawn(|| 40 + 2);
let first = handle.join().unwrap(); // `join(self)` takes the handle...
let again = handle.join().unwrap(); // ...so there is none left to join: refused
// ANCHOR_END: refused_join_twice
