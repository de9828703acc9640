//! Solutions to the chapter's exercises, compiled and tested like the rest of the
//! lesson.

#[cfg(target_os = "linux")]
use crate::robust::{RobustGuard, RobustMutex};
#[cfg(target_os = "linux")]
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
#[cfg(target_os = "linux")]
use std::time::Duration;

// ANCHOR: atomic
/// Exercise 1: the thread counter without a lock. `fetch_add` is one indivisible
/// read-modify-write done by the processor, so no increment is lost, and there is no
/// guard to hold. It only works because the whole critical section is one number: as
/// soon as two values must change together, you need the `Mutex` again.
pub fn count_with_atomic(threads: usize, increments: u64) -> u64 {
    let counter = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..increments {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    counter.into_inner()
}
// ANCHOR_END: atomic

// ANCHOR: repair
/// Two accounts whose sum must stay `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accounts {
    pub a: u64,
    pub b: u64,
}

/// Exercise 2: a thread panics halfway through a transfer (after the debit, before the
/// credit), poisoning the mutex with broken data. The next user takes the data out of
/// the `PoisonError`, restores the invariant, and clears the poison.
pub fn transfer_then_repair(
    accounts: &Mutex<Accounts>,
    amount: u64,
    total: u64,
) -> Accounts {
    thread::scope(|s| {
        let failed = s.spawn(|| {
            let mut acc = accounts.lock().unwrap();
            acc.a -= amount;
            panic!("crashed between the debit and the credit");
        });
        assert!(failed.join().is_err());
    });
    let acc = match accounts.lock() {
        Ok(acc) => acc,
        Err(poisoned) => {
            let mut acc = poisoned.into_inner();
            // Repair: the money that left `a` never reached `b`; give it back to `a`.
            acc.a = total - acc.b;
            accounts.clear_poison();
            acc
        }
    };
    *acc
}
// ANCHOR_END: repair

// Exercise 3 needs the robust mutex, which is Linux-only.
// ANCHOR: timed
/// Exercise 3: lock the robust mutex, but give up after `timeout` (`Ok(None)`).
///
/// `pthread_mutex_timedlock` wants an *absolute* deadline on the `CLOCK_REALTIME`
/// clock, with nanoseconds below one second: adding the timeout's nanoseconds without
/// carrying into the seconds gives `EINVAL` about as often as not. (A wall-clock jump
/// moves the deadline; glibc's `pthread_mutex_clocklock` takes a monotonic clock
/// instead.)
#[cfg(target_os = "linux")]
pub fn lock_with_timeout(
    mutex: &RobustMutex,
    timeout: Duration,
) -> io::Result<Option<RobustGuard<'_>>> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into `now`, which we own.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) } == -1 {
        return Err(io::Error::last_os_error());
    }
    let deadline = deadline_after(now, timeout);
    // SAFETY: the mutex is initialised and stays in place while borrowed; `deadline` is
    // a valid timespec for the duration of the call.
    let code = unsafe { libc::pthread_mutex_timedlock(mutex.raw(), &deadline) };
    if code == libc::ETIMEDOUT {
        return Ok(None);
    }
    mutex.guard_for(code).map(Some)
}

/// `now + timeout`, with the nanoseconds carried into the seconds.
#[cfg(target_os = "linux")]
pub fn deadline_after(now: libc::timespec, timeout: Duration) -> libc::timespec {
    let mut sec = now.tv_sec + timeout.as_secs() as libc::time_t;
    let mut nsec = now.tv_nsec + timeout.subsec_nanos() as libc::c_long;
    if nsec >= 1_000_000_000 {
        sec += 1;
        nsec -= 1_000_000_000;
    }
    libc::timespec {
        tv_sec: sec,
        tv_nsec: nsec,
    }
}
// ANCHOR_END: timed

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_counter_is_exact() {
        assert_eq!(count_with_atomic(4, 10_000), 40_000);
    }

    #[test]
    fn poisoned_transfer_is_repaired() {
        let accounts = Mutex::new(Accounts { a: 70, b: 30 });
        let repaired = transfer_then_repair(&accounts, 20, 100);
        assert_eq!(repaired, Accounts { a: 70, b: 30 });
        assert!(!accounts.is_poisoned());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn deadline_carries_nanoseconds() {
        let now = libc::timespec {
            tv_sec: 10,
            tv_nsec: 900_000_000,
        };
        let d = deadline_after(now, Duration::from_millis(250));
        assert_eq!((d.tv_sec, d.tv_nsec), (11, 150_000_000));
        let d = deadline_after(now, Duration::from_millis(50));
        assert_eq!((d.tv_sec, d.tv_nsec), (10, 950_000_000));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn timed_lock_gives_up_on_a_held_mutex_and_takes_a_free_one() {
        let mutex = RobustMutex::new_leaked().unwrap();
        let held = mutex.lock().unwrap();
        thread::scope(|s| {
            let waiter = s.spawn(|| {
                lock_with_timeout(mutex, Duration::from_millis(300))
                    .unwrap()
                    .is_none()
            });
            assert!(waiter.join().unwrap(), "got a lock another thread holds");
        });
        drop(held);
        let guard = lock_with_timeout(mutex, Duration::from_millis(999)).unwrap();
        assert!(guard.is_some());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn timed_lock_reports_a_dead_owner() {
        let mutex = RobustMutex::new_leaked().unwrap();
        thread::scope(|s| {
            s.spawn(|| std::mem::forget(mutex.lock().unwrap()));
        });
        // The thread may still be exiting: the kernel marks the mutex when it is gone.
        // Ten seconds are only a guard against a hang.
        let guard = lock_with_timeout(mutex, Duration::from_secs(10))
            .unwrap()
            .expect("a dead owner's lock is ours");
        assert!(guard.previous_owner_died());
    }
}
