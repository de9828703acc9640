//! Plumbing shared by every lesson binary, and nothing a lesson teaches.
//!
//! - [`cli`]: the common flags (`--value`, `--steps`, `--max-sleep-ms`, `--seed`) and
//!   the rule that bad input exits with status 2 and one line on stderr.
//! - [`output`]: the results on stdout, written with `writeln!` so that a closed pipe
//!   or a full disk ends the run with one line, not a panic.
//! - [`errors`]: errors that say what the program was doing, and which system limit
//!   stopped it.
//! - [`progress`]: a progress line on stderr, rewritten in place on a terminal.
//! - [`interrupt`] (Unix): noticing Ctrl-C (SIGINT) and SIGTERM so a walkthrough can
//!   stop its children, clean up and exit.
//! - [`testkit`]: helpers for the lessons' end-to-end tests.
//!
//! A lesson's library and examples never use this crate: readers copy those. What a
//! lesson teaches (starting a child of our own binary, dying with the parent, naming
//! shared memory) lives in that lesson.

pub mod cli;
pub mod errors;
#[cfg(unix)]
pub mod interrupt;
pub mod output;
pub mod progress;
pub mod testkit;
