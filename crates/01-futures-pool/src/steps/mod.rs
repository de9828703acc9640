//! The handle of a submitted task, grown in steps on the lesson's
//! [`ThreadPool`](crate::ThreadPool). Each step is complete and tested; the chapter
//! shows them in order:
//!
//! 1. [`s1_channel`]: a one-value channel per task is the future (the twin's design);
//! 2. [`s2_handle`]: a handle that does what Python's `Future` does: a panic comes back
//!    as an error, `result_timeout`, `cancel`; still a channel per task;
//! 3. the lesson's final [`TaskHandle`](crate::TaskHandle) (in `lib.rs`): the same
//!    handle, with a slot instead of a channel, which makes a round trip faster.
//!
//! `benches/round_trips.rs` measures the three side by side.

pub mod s1_channel;
pub mod s2_handle;
