//! Lesson `return-value-thread`: Getting a thread's return value: join, a ReturnValueThread, scoped threads.
//!
//! Not written yet.
