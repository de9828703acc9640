//! Lesson `progress-sharing` (not written yet).

fn main() {
    eprintln!("error: lesson progress-sharing is not written yet");
    std::process::exit(1);
}
