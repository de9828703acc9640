// ANCHOR: scoped_borrow
let inputs = vec![4.5, 5.5, 6.5];
// `scope` joins every thread spawned in it before it returns: they may borrow.
let count = std::thread::scope(|s| s.spawn(|| inputs.len()).join().unwrap());
assert_eq!(count, 3);
// ANCHOR_END: scoped_borrow
