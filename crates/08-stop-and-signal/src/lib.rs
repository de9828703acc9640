//! Lesson `stop-and-signal`: Stopping threads cooperatively; terminating, killing and signalling processes.
//!
//! Not written yet.
