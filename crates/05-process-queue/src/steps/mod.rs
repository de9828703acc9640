//! The queue as the chapter builds it, one idea per step. Each step is complete and
//! tested, and its tests show the flaw that the next step fixes:
//!
//! 1. [`s1_lines`]: text lines over a pipe of its own, handed to the child on purpose;
//! 2. [`s2_frames`]: typed messages (serde), each one frame written with one `write()`;
//! 3. the crate's own [`Receiver`](crate::Receiver), which never blocks for long, and
//!    [`Workers`](crate::Workers), which reports a child that died before its result.

pub mod s1_lines;
pub mod s2_frames;
