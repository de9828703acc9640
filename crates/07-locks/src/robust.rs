//! A robust, process-shared pthread mutex, wrapped in a small safe type.
//!
//! Python's `multiprocessing.Lock` is a POSIX semaphore: if its holder dies, nobody
//! ever releases it and every other process waits forever. A *robust* mutex is the fix
//! the operating system offers: the kernel remembers which thread holds it, and when
//! that thread dies it marks the mutex "owner died" and wakes the next waiter, whose
//! lock call returns `EOWNERDEAD` ("you have the lock, but the data may be
//! half-updated: repair it").

use std::cell::UnsafeCell;
use std::io;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::time::Duration;

// ANCHOR: robust_lock
/// A pthread mutex that works across processes (`PTHREAD_PROCESS_SHARED`) and survives
/// the death of its holder (`PTHREAD_MUTEX_ROBUST`). It lives where it was initialised
/// (usually a shared-memory segment) and never moves, so it is only ever used by
/// reference.
#[repr(C)]
pub struct RobustMutex {
    raw: UnsafeCell<libc::pthread_mutex_t>,
}

// SAFETY: a pthread mutex is made to be used by many threads at once; every access to
// `raw` goes through pthread calls, which do their own synchronisation.
unsafe impl Sync for RobustMutex {}

impl RobustMutex {
    /// Locks the mutex, waiting as long as it takes. A free mutex is taken with one
    /// atomic instruction; only a process that finds it taken asks the kernel to sleep.
    pub fn lock(&self) -> io::Result<RobustGuard<'_>> {
        // SAFETY: `raw` is an initialised mutex (the only ways to get a `RobustMutex`
        // are `init` and `new_leaked`) that stays in place while `self` is borrowed.
        let code = unsafe { libc::pthread_mutex_lock(self.raw.get()) };
        self.guard_for(code)
    }

    /// Turns the result of a pthread lock call into a guard. `EOWNERDEAD` means we now
    /// hold the lock but its previous owner died holding it: we mark the mutex
    /// consistent at once (without that, unlocking would make it unusable for good:
    /// `ENOTRECOVERABLE`) and tell the caller, who repairs the data before unlocking.
    /// If the caller dies too, the next owner gets `EOWNERDEAD` again.
    fn guard_for(&self, code: libc::c_int) -> io::Result<RobustGuard<'_>> {
        let previous_owner_died = match code {
            0 => false,
            libc::EOWNERDEAD => {
                // SAFETY: we hold the mutex (EOWNERDEAD means locked), as
                // pthread_mutex_consistent requires.
                check(unsafe { libc::pthread_mutex_consistent(self.raw.get()) })?;
                true
            }
            error => return Err(io::Error::from_raw_os_error(error)),
        };
        Ok(RobustGuard {
            mutex: self,
            previous_owner_died,
            _not_send: PhantomData,
        })
    }
}
// ANCHOR_END: robust_lock

/// Proof that the mutex is locked; dropping it unlocks. It is not `Send`: a pthread
/// mutex must be unlocked by the thread that locked it.
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct RobustGuard<'a> {
    mutex: &'a RobustMutex,
    previous_owner_died: bool,
    _not_send: PhantomData<*const ()>,
}

impl RobustGuard<'_> {
    /// True if the previous holder died while holding the lock: the data it guards may
    /// be half-updated, so check or repair it now.
    pub fn previous_owner_died(&self) -> bool {
        self.previous_owner_died
    }
}

impl Drop for RobustGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: this thread holds the mutex (the guard exists and cannot change
        // thread).
        let code = unsafe { libc::pthread_mutex_unlock(self.mutex.raw.get()) };
        debug_assert_eq!(code, 0, "pthread_mutex_unlock failed");
    }
}

impl RobustMutex {
    /// Initialises a robust, process-shared mutex in place at `at`.
    ///
    /// # Safety
    ///
    /// `at` must be valid for writes, aligned for `RobustMutex`, and stay mapped as
    /// long as the mutex is used; no thread or process may use the mutex before this
    /// returns, and it must not be re-initialised while anyone might use it.
    pub unsafe fn init(at: *mut RobustMutex) -> io::Result<()> {
        let mut attr = MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
        // SAFETY: pthread_mutexattr_init initialises the attribute object we own.
        check(unsafe { libc::pthread_mutexattr_init(attr.as_mut_ptr()) })?;
        let attr = attr.as_mut_ptr();
        // SAFETY: `attr` is initialised above; `at` is valid and unused (the caller's
        // promise), and `UnsafeCell::raw_get` gives the pointer pthread may write
        // through.
        let result = unsafe {
            check(libc::pthread_mutexattr_setpshared(
                attr,
                libc::PTHREAD_PROCESS_SHARED,
            ))
            .and_then(|()| {
                check(libc::pthread_mutexattr_setrobust(
                    attr,
                    libc::PTHREAD_MUTEX_ROBUST,
                ))
            })
            .and_then(|()| {
                check(libc::pthread_mutex_init(
                    UnsafeCell::raw_get(&raw const (*at).raw),
                    attr,
                ))
            })
        };
        // SAFETY: the attribute object was initialised and is no longer needed.
        unsafe { libc::pthread_mutexattr_destroy(attr) };
        result
    }

    /// A robust mutex for the threads of one process (tests and exercises). It is never
    /// freed: a locked robust mutex sits in its holder thread's "robust list", which
    /// glibc and the kernel walk later, so its memory must outlive any guard, even a
    /// forgotten one.
    pub fn new_leaked() -> io::Result<&'static RobustMutex> {
        let mut memory = Box::<RobustMutex>::new_uninit();
        // SAFETY: the box is valid, aligned, unused, and (leaked below) never moves or
        // dies.
        unsafe { Self::init(memory.as_mut_ptr())? };
        // SAFETY: `init` succeeded, so the mutex is initialised.
        Ok(Box::leak(unsafe { memory.assume_init() }))
    }

    /// Takes the mutex if it is free right now; `Ok(None)` if someone else holds it.
    pub fn try_lock(&self) -> io::Result<Option<RobustGuard<'_>>> {
        // SAFETY: as in `lock`.
        let code = unsafe { libc::pthread_mutex_trylock(self.raw.get()) };
        if code == libc::EBUSY {
            return Ok(None);
        }
        self.guard_for(code).map(Some)
    }

    /// Locks the mutex, but gives up after `timeout`: `Ok(None)`. (The tests use it as a
    /// hang guard.)
    ///
    /// `pthread_mutex_timedlock` wants an *absolute* deadline on the `CLOCK_REALTIME`
    /// clock, with nanoseconds below one second: adding the timeout's nanoseconds
    /// without carrying into the seconds gives `EINVAL` about as often as not (the trap
    /// `raw_sync` falls into). A wall-clock jump moves the deadline; glibc's
    /// `pthread_mutex_clocklock` takes a monotonic clock instead.
    pub fn lock_timeout(
        &self,
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
        // SAFETY: as in `lock`; `deadline` is a valid timespec for the whole call.
        let code = unsafe { libc::pthread_mutex_timedlock(self.raw.get(), &deadline) };
        if code == libc::ETIMEDOUT {
            return Ok(None);
        }
        self.guard_for(code).map(Some)
    }
}

/// `now + timeout`, with the nanoseconds carried into the seconds.
fn deadline_after(now: libc::timespec, timeout: Duration) -> libc::timespec {
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

/// pthread functions return an error number instead of setting `errno`.
fn check(code: libc::c_int) -> io::Result<()> {
    match code {
        0 => Ok(()),
        error => Err(io::Error::from_raw_os_error(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_excludes_other_threads() {
        let mutex = RobustMutex::new_leaked().unwrap();
        let guard = mutex.lock().unwrap();
        assert!(!guard.previous_owner_died());
        std::thread::scope(|s| {
            let other = s.spawn(|| mutex.try_lock().unwrap().is_none());
            assert!(other.join().unwrap(), "another thread got a held lock");
        });
        drop(guard);
        assert!(mutex.try_lock().unwrap().is_some());
    }

    #[test]
    fn holder_thread_that_dies_is_reported_and_the_mutex_stays_usable() {
        let mutex = RobustMutex::new_leaked().unwrap();
        std::thread::scope(|s| {
            s.spawn(|| {
                let guard = mutex.lock().unwrap();
                // Ends the thread without unlocking, as a crash would.
                std::mem::forget(guard);
            });
        });
        let guard = mutex.lock().unwrap();
        assert!(guard.previous_owner_died());
        drop(guard);
        let guard = mutex.lock().unwrap();
        assert!(
            !guard.previous_owner_died(),
            "consistent again after repair"
        );
    }

    #[test]
    fn the_deadline_carries_nanoseconds_into_seconds() {
        let now = libc::timespec {
            tv_sec: 10,
            tv_nsec: 900_000_000,
        };
        let d = deadline_after(now, Duration::from_millis(250));
        assert_eq!((d.tv_sec, d.tv_nsec), (11, 150_000_000));
        let d = deadline_after(now, Duration::from_millis(50));
        assert_eq!((d.tv_sec, d.tv_nsec), (10, 950_000_000));
    }

    #[test]
    fn lock_timeout_gives_up_on_a_held_mutex_and_takes_a_free_one() {
        let mutex = RobustMutex::new_leaked().unwrap();
        let held = mutex.lock().unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                mutex
                    .lock_timeout(Duration::from_millis(300))
                    .unwrap()
                    .is_none()
            });
            assert!(waiter.join().unwrap(), "got a lock another thread holds");
        });
        drop(held);
        // Every sub-second timeout, so that one of them needs the carry.
        for ms in (0..1000).step_by(111) {
            let guard = mutex.lock_timeout(Duration::from_millis(ms)).unwrap();
            assert!(guard.is_some(), "a free mutex, {ms} ms");
        }
    }

    #[test]
    fn lock_timeout_reports_a_dead_owner() {
        let mutex = RobustMutex::new_leaked().unwrap();
        std::thread::scope(|s| {
            s.spawn(|| std::mem::forget(mutex.lock().unwrap()));
        });
        // The thread may still be exiting: the kernel marks the mutex when it is gone.
        // Ten seconds are only a guard against a hang.
        let guard = mutex
            .lock_timeout(Duration::from_secs(10))
            .unwrap()
            .expect("a dead owner's lock is ours");
        assert!(guard.previous_owner_died());
    }

    #[test]
    fn counts_exactly_under_contention() {
        let mutex = RobustMutex::new_leaked().unwrap();
        let counter = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        let _guard = mutex.lock().unwrap();
                        // A non-atomic read-modify-write: only the lock makes it exact.
                        let v = counter.load(std::sync::atomic::Ordering::Relaxed);
                        counter.store(v + 1, std::sync::atomic::Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(counter.into_inner(), 40_000);
    }
}
