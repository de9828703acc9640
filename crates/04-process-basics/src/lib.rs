//! Lesson `process-basics`: Child processes: spawn our own binary, fork, join, is_alive, exit status.
//!
//! Not written yet.
