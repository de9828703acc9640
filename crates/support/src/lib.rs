//! Plumbing shared by every lesson binary, and nothing a lesson teaches.
//!
//! - [`cli`]: the common flags (`--value`, `--steps`, `--max-sleep-ms`, `--seed`) and
//!   the rule that bad input exits with status 2 and one line on stderr.
//! - [`progress`]: a progress line on stderr, rewritten in place on a terminal.
//! - [`interrupt`] (Unix): noticing Ctrl-C (SIGINT) and SIGTERM so a walkthrough can
//!   stop its children, clean up and exit.
//! - [`testkit`]: helpers for the lessons' end-to-end tests.
//!
//! A lesson's library and examples never use this crate: readers copy those. What a
//! lesson teaches (starting a child of our own binary, dying with the parent, naming
//! shared memory) lives in that lesson.

pub mod cli;
#[cfg(unix)]
pub mod interrupt;
pub mod progress;
pub mod testkit;
