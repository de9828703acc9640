// ANCHOR: plain_f32
let mut progress: f32 = 0.0;
std::thread::scope(|s| {
    s.spawn(|| {
        for step in 1..=50 {
            progress = step as f32 * 2.0; // the worker writes...
        }
    });
    println!("{progress:.2}%"); // ...while the main thread reads: refused
});
// ANCHOR_END: plain_f32
