// ANCHOR: refused_borrow
let inputs = vec![4.5, 5.5, 6.5];
// `spawn` needs a closure that owns what it uses; this one borrows `inputs`.
let handle = std::thread::spawn(|| inputs.len());
println!("{}", handle.join().unwrap());
// ANCHOR_END: refused_borrow
