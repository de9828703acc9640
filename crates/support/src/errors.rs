//! Errors that say what the program was doing and, when a system limit was the cause,
//! which one: `starting worker 2: Resource temporarily unavailable (os error 11): the
//! limit on processes and threads is reached (ulimit -u)`, not the bare errno.

use std::fmt::Display;
use std::io;

/// `err`, of the same kind, with `doing` in front and, where the error is a known
/// system limit, which limit. Use it where something is started or created (a thread,
/// a process, a pipe, a shared segment): there, EAGAIN means the process limit.
pub fn context(doing: impl Display, err: io::Error) -> io::Error {
    let hint = limit(&err)
        .map(|limit| format!(": {limit}"))
        .unwrap_or_default();
    io::Error::new(err.kind(), format!("{doing}: {err}{hint}"))
}

/// `err`, with which limit it ran into appended, if it is a known one (see
/// [`context`], which also says what was being done).
pub fn with_limit(err: io::Error) -> io::Error {
    match limit(&err) {
        Some(limit) if !err.to_string().contains(limit) => {
            io::Error::new(err.kind(), format!("{err}: {limit}"))
        }
        _ => err,
    }
}

/// Which limit `err` ran into, if it is one of those a reader can raise or free.
///
/// The error number is the error's own, or else the last `(os error N)` in its text: a
/// library that put what it was doing in front of a system error kept that much.
pub fn limit(err: &io::Error) -> Option<&'static str> {
    #[cfg(unix)]
    {
        let code = err.raw_os_error().or_else(|| {
            let text = err.to_string();
            let at = text.rfind("(os error ")? + "(os error ".len();
            text[at..].split(')').next()?.parse().ok()
        });
        match code? {
            libc::EAGAIN => Some(
                "the limit on processes and threads is reached \
                 (ulimit -u, RLIMIT_NPROC, or the system's)",
            ),
            libc::EMFILE => Some("the limit on open files is reached (ulimit -n)"),
            libc::ENFILE => Some("the system's limit on open files is reached"),
            libc::ENOMEM => Some("out of memory, or a limit on memory is reached"),
            libc::ENOSPC => Some("no space left there (is /dev/shm full?)"),
            _ => None,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = err;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_says_what_was_being_done_and_keeps_its_kind() {
        let err = context("starting worker 2", io::Error::other("broken"));
        assert_eq!(err.to_string(), "starting worker 2: broken");
        assert_eq!(err.kind(), io::ErrorKind::Other);
    }

    #[cfg(unix)]
    #[test]
    fn a_limit_is_named() {
        let err = context(
            "starting worker 2",
            io::Error::from_raw_os_error(libc::EAGAIN),
        );
        let text = err.to_string();
        assert!(text.starts_with("starting worker 2: "), "{text}");
        assert!(
            text.ends_with("(ulimit -u, RLIMIT_NPROC, or the system's)"),
            "{text}"
        );
        let files = io::Error::from_raw_os_error(libc::EMFILE);
        assert!(context("x", files).to_string().contains("ulimit -n"));
    }

    #[cfg(unix)]
    #[test]
    fn a_limit_is_found_in_a_wrapped_message_and_named_once() {
        let wrapped = io::Error::other(format!(
            "creating the segment: {}",
            io::Error::from_raw_os_error(libc::EMFILE)
        ));
        let once = with_limit(wrapped);
        assert!(once.to_string().ends_with("(ulimit -n)"), "{once}");
        let twice = with_limit(once);
        assert_eq!(twice.to_string().matches("ulimit -n").count(), 1, "{twice}");
    }
}
