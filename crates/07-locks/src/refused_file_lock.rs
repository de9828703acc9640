// ANCHOR: refused_file_lock
use locks::FileLock;

let lock = FileLock::create(std::path::Path::new("demo.lock")).unwrap();
let _held = lock.lock().unwrap();
std::thread::scope(|s| {
    // The same open file: this thread would get the lock at once. Refused.
    s.spawn(|| lock.lock().map(drop));
});
// ANCHOR_END: refused_file_lock
