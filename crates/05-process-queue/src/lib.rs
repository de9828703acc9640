//! Lesson `process-queue`: A typed queue from child processes to their parent over a pipe.
//!
//! Not written yet.
