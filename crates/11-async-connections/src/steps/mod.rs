//! The task client as it grows, each step a complete module with its tests:
//!
//! 1. [`s1_gather`]: the twin's `gather` with a plan: a task per connection, several
//!    requests each. A server that never answers makes it wait for ever.
//! 2. [`s2_timeout`]: every call under `tokio::time::timeout`: a hung server is
//!    reported. Nothing but the timeout can end a call early.
//!
//! The final client, [`crate::tasks`], races each connection against a stop request
//! with `select!` (step 3), and on Linux makes room for every socket before its
//! runtime starts threads (step 4).

pub mod s1_gather;
pub mod s2_timeout;
