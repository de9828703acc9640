// ANCHOR: refused_counter
let mut count = 0u64;
std::thread::scope(|s| {
    for _ in 0..2 {
        s.spawn(|| {
            for _ in 0..1000 {
                count += 1; // two threads write one plain counter: refused
            }
        });
    }
});
println!("{count}");
// ANCHOR_END: refused_counter
