//! Lesson `process-basics` (not written yet).

fn main() {
    eprintln!("error: lesson process-basics is not written yet");
    std::process::exit(1);
}
