//! Lesson `measured`: The tutorial's claims measured: Rust's building blocks against Python's idioms.
//!
//! Not written yet.
