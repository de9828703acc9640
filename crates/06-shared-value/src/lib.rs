//! Lesson `shared-value`: mp.Value and mp.Array ported: atomics in a shared-memory segment.
//!
//! Not written yet.
