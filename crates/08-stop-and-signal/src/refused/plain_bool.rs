// ANCHOR: plain_bool
let mut stop = false;
std::thread::scope(|s| {
    s.spawn(|| {
        while !stop {} // the worker reads the flag...
    });
    stop = true; // ...while the main thread writes it: refused
});
// ANCHOR_END: plain_bool
