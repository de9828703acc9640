//! Noticing Ctrl-C (SIGINT) and SIGTERM, so that a parent stops its children, removes
//! what it created and exits with the conventional status (130 for SIGINT, 143 for
//! SIGTERM).
//!
//! A signal handler may do almost nothing safely, so the handler (from `signal-hook`)
//! only stores the signal's number; the program's own loops look at it between steps. A
//! loop that blocks must therefore block for a bounded time (a poll with a timeout),
//! never forever.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Remembers the first SIGINT or SIGTERM that arrived.
#[derive(Clone)]
pub struct Interrupt {
    signal: Arc<AtomicUsize>,
}

impl Interrupt {
    /// Installs the handlers for SIGINT and SIGTERM.
    pub fn install() -> io::Result<Self> {
        let signal = Arc::new(AtomicUsize::new(0));
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register_usize(sig, Arc::clone(&signal), sig as usize)?;
        }
        Ok(Self { signal })
    }

    /// The signal that arrived, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::Relaxed) {
            0 => None,
            sig => Some(sig as i32),
        }
    }

    /// True once SIGINT or SIGTERM has arrived.
    pub fn requested(&self) -> bool {
        self.signal().is_some()
    }
}

/// The exit status a shell reports for a program ended by `signal`: 128 + its number.
pub fn exit_code_for(signal: i32) -> i32 {
    128 + signal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_exit_codes() {
        assert_eq!(exit_code_for(libc::SIGINT), 130);
        assert_eq!(exit_code_for(libc::SIGTERM), 143);
    }

    #[test]
    fn handler_records_the_signal() {
        let interrupt = Interrupt::install().unwrap();
        assert_eq!(interrupt.signal(), None);
        // SAFETY: raise only delivers SIGTERM to this thread; the handler stores a
        // number.
        assert_eq!(unsafe { libc::raise(libc::SIGTERM) }, 0);
        assert_eq!(interrupt.signal(), Some(libc::SIGTERM));
        assert!(interrupt.requested());
    }
}
