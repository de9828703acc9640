//! Lesson `stop-and-signal` (not written yet).

fn main() {
    eprintln!("error: lesson stop-and-signal is not written yet");
    std::process::exit(1);
}
