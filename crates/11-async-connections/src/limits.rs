//! The open-files limit: every connection is a socket, and every socket an open file.
//! (`rlim_t`, the type of a limit, is a `u64` on the 64-bit systems this builds for.)

use std::io;

/// The soft limit (what is in force) and the hard limit (how far a process may raise
/// its soft limit without being root). `u64::MAX` means unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenFiles {
    pub soft: u64,
    pub hard: u64,
}

/// This process's limits on open files (`ulimit -Sn` and `ulimit -Hn` in a shell).
pub fn open_files() -> io::Result<OpenFiles> {
    let limit = get()?;
    Ok(OpenFiles {
        soft: to_u64(limit.rlim_cur),
        hard: to_u64(limit.rlim_max),
    })
}

fn get() -> io::Result<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(limit)
}

fn to_u64(limit: libc::rlim_t) -> u64 {
    if limit == libc::RLIM_INFINITY {
        u64::MAX
    } else {
        limit
    }
}

// ANCHOR: raise
/// Raises the soft limit on open files towards `wanted`, as far as the hard limit
/// allows (what `ulimit -n` does in a shell), and returns the soft limit now in force.
/// Children started afterwards inherit it.
pub fn raise_open_files(wanted: u64) -> io::Result<u64> {
    let mut limit = get()?;
    if to_u64(limit.rlim_cur) >= wanted {
        return Ok(to_u64(limit.rlim_cur));
    }
    let target = wanted.min(to_u64(limit.rlim_max));
    limit.rlim_cur = target; // the hard limit stays as it is
    // SAFETY: setrlimit reads the struct we own.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(target)
}
// ANCHOR_END: raise

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_is_within_the_hard_one() {
        let limits = open_files().unwrap();
        assert!(limits.soft <= limits.hard, "{limits:?}");
    }

    #[test]
    fn asking_for_less_than_the_soft_limit_changes_nothing() {
        let before = open_files().unwrap();
        assert_eq!(raise_open_files(16).unwrap(), before.soft);
        assert_eq!(open_files().unwrap(), before);
    }
}
