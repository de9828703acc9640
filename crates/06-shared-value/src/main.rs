//! Lesson `shared-value` (not written yet).

fn main() {
    eprintln!("error: lesson shared-value is not written yet");
    std::process::exit(1);
}
