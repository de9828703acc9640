//! Lesson `locks` (not written yet).

fn main() {
    eprintln!("error: lesson locks is not written yet");
    std::process::exit(1);
}
