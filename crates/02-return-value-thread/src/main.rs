//! Lesson `return-value-thread` (not written yet).

fn main() {
    eprintln!("error: lesson return-value-thread is not written yet");
    std::process::exit(1);
}
