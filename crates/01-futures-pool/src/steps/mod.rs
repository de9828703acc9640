//! The handle of a submitted task, grown in steps on the lesson's
//! [`ThreadPool`](crate::ThreadPool). Each step is complete and tested; the chapter
//! shows them in order:
//!
//! 1. [`s1_channel`]: a one-value channel per task is the future (the twin's design);
//! 2. [`s2_handle`]: a handle that does what Python's `Future` does: a panic comes back
//!    as an error, `result_timeout`, `cancel`; still a channel per task;
//! 3. [`s3_slot`]: the same handle, with a slot instead of a channel, which makes a
//!    round trip faster: the readable way to hand one value over;
//! 4. the lesson's final [`TaskHandle`](crate::TaskHandle) (in `lib.rs`): the same
//!    handle again, with the closure and its outcome in one allocation and no mutex
//!    on the way, which makes a batch of small tasks faster;
//! 5. [`ThreadPool::map`](crate::ThreadPool::map) (in `lib.rs`): Python's
//!    `executor.map` with a chunk size, one task per chunk of items, for batches of
//!    tiny items.
//!
//! `benches/round_trips.rs` measures them side by side.

pub mod s1_channel;
pub mod s2_handle;
pub mod s3_slot;
