// ANCHOR: refused_send
use futures_pool::ThreadPool;
use std::rc::Rc;

let pool = ThreadPool::new(2).unwrap();
let names = Rc::new(vec!["a", "b"]); // `Rc` counts its owners without atomics
let names_for_task = Rc::clone(&names);
let handle = pool.submit(move || names_for_task.len()); // error[E0277]
// ANCHOR_END: refused_send
