//! Lesson `progress-sharing`: Reading a running thread's progress: shared slots, atomics, messages.
//!
//! Not written yet.
