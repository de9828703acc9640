//! Lesson `futures-pool`: The ThreadPoolExecutor idea: a thread pool whose submit returns a future.
//!
//! Not written yet.
