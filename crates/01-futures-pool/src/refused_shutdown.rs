// ANCHOR: refused_shutdown
use futures_pool::ThreadPool;

let pool = ThreadPool::new(2).unwrap();
pool.shutdown(); // takes `self`: the pool is gone
let handle = pool.submit(|| 1 + 1); // error[E0382]: borrow of moved value: `pool`
// ANCHOR_END: refused_shutdown
