//! Lesson `futures-pool` (not written yet).

fn main() {
    eprintln!("error: lesson futures-pool is not written yet");
    std::process::exit(1);
}
