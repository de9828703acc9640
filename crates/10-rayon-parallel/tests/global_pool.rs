//! rayon's global pool is built once. A test binary of its own, because the unit tests
//! share one process, and whichever of them runs parallel work first builds the pool.

use rayon::prelude::*;
use rayon_parallel::set_global_threads;
use std::num::NonZero;

#[test]
fn the_global_pool_is_sized_once_and_only_before_any_parallel_work() {
    let three = NonZero::new(3).unwrap();
    set_global_threads(three).expect("the first call builds the pool");
    assert_eq!(rayon::current_num_threads(), 3);
    let sum: u64 = (1..=100u64).into_par_iter().sum();
    assert_eq!(sum, 5050);
    // Too late now: the pool exists, and keeps its size.
    assert!(set_global_threads(NonZero::new(1).unwrap()).is_err());
    assert_eq!(rayon::current_num_threads(), 3);
}
