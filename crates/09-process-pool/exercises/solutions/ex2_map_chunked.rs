//! Exercise 2: chunks, Python's `map(fn, args, chunksize=n)`. Many small items travel
//! as one task per `chunk` items, so a long list costs a round trip per chunk, not per
//! item. The results come back flattened, in input order.
//!
//! Python's executor wraps `fn` in a function of its own that runs a whole chunk. Here
//! the worker can only run a task registered in its program, so the chunk's task is a
//! task of its own that takes a `Vec`: `work::COUNT_PRIMES_EACH` counts the primes below
//! each limit of a chunk. The workers are the lesson's program, which registers it; this
//! test is not a worker (the test harness owns its `main` and its arguments).

use process_pool::{ProcessPool, Task, TaskError};
use serde::Serialize;
use serde::de::DeserializeOwned;

// ANCHOR: map_chunked
/// Runs `task` on `args` cut into chunks of `chunk` (a chunk of 0 counts as 1), one
/// task per chunk; every result, in the order of `args`, or the first error.
pub fn map_chunked<A: Serialize + Clone, R: DeserializeOwned>(
    pool: &ProcessPool,
    task: &Task<Vec<A>, Vec<R>>,
    args: &[A],
    chunk: usize,
) -> Result<Vec<R>, TaskError> {
    // TODO: cut `args` into `Vec`s (`<[A]>::chunks`, which panics on 0), submit them
    // all with `pool.map`, then put the results of the handles one after the other.
    // SOLUTION
    let chunks = args.chunks(chunk.max(1)).map(<[A]>::to_vec);
    let mut results = Vec::with_capacity(args.len());
    for handle in pool.map(task, chunks) {
        results.extend(handle.result()?);
    }
    Ok(results)
    // END SOLUTION
}
// ANCHOR_END: map_chunked

#[cfg(test)]
mod tests {
    use super::*;
    use process_pool::work::{CHUNK_SIZES, COUNT_PRIMES, COUNT_PRIMES_EACH};

    /// A pool whose workers are the lesson's program (this test is not one).
    fn pool(workers: usize) -> ProcessPool {
        ProcessPool::builder(workers)
            .program(env!("CARGO_BIN_EXE_process-pool"))
            .start()
            .expect("the pool starts")
    }

    #[test]
    fn chunked_counts_equal_one_task_per_limit() {
        let pool = pool(2);
        let limits: Vec<u64> = (1..=25).map(|k| k * 100).collect();
        let one_each: Vec<u64> = pool
            .map(&COUNT_PRIMES, limits.iter().copied())
            .into_iter()
            .map(|h| h.result().unwrap())
            .collect();
        for chunk in [1, 4, 25, 100] {
            let got = map_chunked(&pool, &COUNT_PRIMES_EACH, &limits, chunk);
            assert_eq!(got, Ok(one_each.clone()), "chunks of {chunk}");
        }
    }

    #[test]
    fn the_list_is_cut_into_chunks_of_the_given_size() {
        let pool = pool(2);
        // `CHUNK_SIZES` answers each item with the size of the chunk it came in.
        let sizes = |n, chunk| map_chunked(&pool, &CHUNK_SIZES, &vec![0; n], chunk);
        assert_eq!(sizes(10, 4), Ok(vec![4, 4, 4, 4, 4, 4, 4, 4, 2, 2]));
        assert_eq!(sizes(3, 5), Ok(vec![3, 3, 3]));
        assert_eq!(sizes(3, 0), Ok(vec![1, 1, 1]), "a chunk of 0 counts as 1");
        assert_eq!(sizes(0, 4), Ok(vec![]));
    }
}
