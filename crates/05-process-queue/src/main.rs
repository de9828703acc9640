//! Lesson `process-queue` (not written yet).

fn main() {
    eprintln!("error: lesson process-queue is not written yet");
    std::process::exit(1);
}
