// ANCHOR: refused_total
use rayon::prelude::*;

let seeds: Vec<u64> = (1..=8).collect();
let mut total = 0;
// Every thread runs this closure at once: adding to `total` would be a data race.
seeds.par_iter().for_each(|&seed| total += seed);
println!("{total}");
// ANCHOR_END: refused_total
