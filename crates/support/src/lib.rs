//! Plumbing shared by every lesson binary, and nothing a lesson teaches.
//!
//! - [`cli`]: the common flags (`--value`, `--steps`, `--max-sleep-ms`, `--seed`) and the rule
//!   that bad input exits with status 2 and one line on stderr.
//! - [`progress`]: a progress line on stderr, rewritten in place on a terminal.
//! - [`child`]: starting a copy of this program as a child that dies with its parent.
//! - [`interrupt`]: noticing Ctrl-C (SIGINT) and SIGTERM so a parent can clean up and exit.
//! - [`testkit`]: helpers for the end-to-end tests of the process lessons.

pub mod child;
pub mod cli;
pub mod interrupt;
pub mod progress;
pub mod testkit;
