//! The Rust twin of `ProcessPoolExecutor().map(spin, seeds)`: the same CPU-bound loop
//! over the same inputs, first with `iter`, then with rayon's `par_iter`.
use rayon::prelude::*;
use std::time::Instant;

const JOBS: u64 = 8;
const ITERS: u64 = 500_000;

/// The CPU-bound work: a linear congruential generator, summed. Nothing to wait for.
fn spin(seed: u64) -> u64 {
    let (mut x, mut total) = (seed as u32, 0u64);
    for _ in 0..ITERS {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        total += u64::from(x >> 16);
    }
    total
}

fn main() {
    let seeds: Vec<u64> = (1..=JOBS).collect();

    let start = Instant::now();
    let sequential: u64 = seeds.iter().map(|&seed| spin(seed)).sum();
    println!("iter:     {:.1} ms", start.elapsed().as_secs_f64() * 1e3);

    // The one change: `iter` becomes `par_iter`. rayon splits the seeds between the
    // threads of its global pool (one per core) and adds up the partial sums.
    let start = Instant::now();
    let parallel: u64 = seeds.par_iter().map(|&seed| spin(seed)).sum();
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let threads = rayon::current_num_threads();
    println!("par_iter: {ms:.1} ms on {threads} threads");

    assert_eq!(sequential, parallel);
    println!("Result: {parallel}");
}
