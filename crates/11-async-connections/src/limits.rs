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

// ANCHOR: reserve
/// Makes room in this process's table of open files for `count` more (Linux).
///
/// The kernel keeps a process's open files in a table that it doubles when full. In a
/// process with more than one thread, each doubling waits for an RCU grace period
/// (every CPU passing a quiet point: milliseconds, as `benches/fd_table.rs` shows), and
/// meanwhile no thread of the process can open a file. A thousand sockets cross the
/// doublings at 256, 512 and 1024 open files. A process with one thread does not
/// wait, so call this before starting threads (a runtime, or one thread per
/// connection). The table never shrinks; a big one costs a few KiB.
#[cfg(target_os = "linux")]
pub fn reserve_open_files(count: usize) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let probe = std::fs::File::open("/dev/null")?; // it takes the lowest free number
    // The highest number `count` more files would take, within the soft limit (at
    // least 1 here, or the probe could not have been opened).
    let limit = to_u64(get()?.rlim_cur);
    let last = (probe.as_raw_fd() as u64 + count as u64).min(limit.saturating_sub(1));
    let last = libc::c_int::try_from(last).unwrap_or(libc::c_int::MAX);
    // SAFETY: fcntl gives the probe a second number, the lowest free one from `last`
    // on (never one in use), and the table grows to hold it.
    let copy = unsafe { libc::fcntl(probe.as_raw_fd(), libc::F_DUPFD_CLOEXEC, last) };
    if copy == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `copy` was opened just now, and nothing else knows it.
    unsafe { libc::close(copy) };
    Ok(())
}
// ANCHOR_END: reserve

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

    /// The size of this process's table of open files: `FDSize` in
    /// `/proc/self/status`.
    #[cfg(target_os = "linux")]
    fn table_size() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let size = status.lines().find_map(|line| line.strip_prefix("FDSize:"));
        size.unwrap().trim().parse().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reserving_grows_the_table_and_leaves_no_file_open() {
        let open = || std::fs::read_dir("/proc/self/fd").unwrap().count();
        let (files, before) = (open(), table_size());
        // Twice what the table holds now, within the limit: the table must grow.
        let wanted = (2 * before).min(open_files().unwrap().soft - 16);
        assert!(
            wanted > before,
            "the open-files limit is too low for this test"
        );
        reserve_open_files(wanted as usize).unwrap();
        assert!(table_size() >= wanted, "{before} -> {}", table_size());
        // Asking again is harmless, and leaves no file open: a leak of one file per
        // call would show as 500 more. Other tests open sockets meanwhile (in other
        // threads), but not that many.
        for _ in 0..500 {
            reserve_open_files(10).unwrap();
        }
        assert!(open() < files + 400, "{files} -> {}", open());
    }
}
