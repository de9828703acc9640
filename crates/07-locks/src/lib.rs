//! Lesson `locks`: Locks for threads and processes: Mutex, flock, a robust process-shared mutex.
//!
//! Not written yet.
