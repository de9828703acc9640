// ANCHOR: refused_spawn
let mut sums = vec![0u64; 4];
for (i, slot) in sums.iter_mut().enumerate() {
    // Nothing waits for this task: it might write after `sums` is gone.
    rayon::spawn(move || *slot = i as u64);
}
// ANCHOR_END: refused_spawn
