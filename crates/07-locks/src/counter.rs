//! A counter in shared memory, guarded by a lock that every process can take: the
//! segment the lesson's children share, and the API the measured lesson measures.
//!
//! Life of a segment: the parent [`SharedCounter::create`]s it (a fresh name from
//! [`unique_shm_name`]), starts its children with that name, and each child
//! [`SharedCounter::open`]s it, which counts it as attached. Once
//! [`SharedCounter::attached`] reaches the number of children, the parent
//! [`SharedCounter::unlink`]s the names: the memory stays mapped in every process, but
//! a crash or a kill can no longer leak anything. Then [`SharedCounter::start`] lets
//! the children go.
//!
//! Before that unlink, the names are the parent's to remove, and a parent killed with
//! SIGKILL runs no code at all. So `create` first starts a [`Guardian`]: a tiny process
//! that removes the names if the parent dies before it has (lesson 6 solves the same
//! problem with a handshake instead: its children remove the name).
//!
//! The robust mutex is Linux-only ([`LockKind::Mutex`]); on macOS the counter uses
//! [`LockKind::Flock`].

use crate::child::{Guardian, unique_shm_name};
use crate::flock::{FileLock, FileLockGuard};
#[cfg(target_os = "linux")]
use crate::robust::{RobustGuard, RobustMutex};
use shared_memory::{Shmem, ShmemConf};
use std::io;
use std::mem::ManuallyDrop;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The most children a segment has room for (one progress slot each).
pub const MAX_CHILDREN: usize = 64;

/// The two locks a [`SharedCounter`] can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LockKind {
    /// `flock(2)` on a small file beside the segment: a system call per lock and
    /// unlock.
    Flock,
    /// A robust, process-shared pthread mutex inside the segment: no system call unless
    /// the processes really collide. Linux only: elsewhere [`SharedCounter::create`]
    /// refuses it with [`io::ErrorKind::Unsupported`].
    Mutex,
}

impl LockKind {
    /// The best lock this system has: the robust mutex on Linux, `flock` elsewhere.
    pub const BEST: LockKind = if cfg!(target_os = "linux") {
        LockKind::Mutex
    } else {
        LockKind::Flock
    };
}

/// "locks07\0": tells a segment of ours from any other.
const MAGIC: u64 = u64::from_le_bytes(*b"locks07\0");

// ANCHOR: segment
/// One cache line (64 bytes on x86-64 and most ARM cores). Fields that different
/// processes write often go on lines of their own, so that one process's writes do not
/// keep stealing the line another process is reading ("false sharing").
#[repr(C, align(64))]
struct Line<T>(T);

/// The layout of the shared segment. `repr(C)` fixes the layout, so every process (and
/// every build of this crate) agrees on where each field is.
#[repr(C)]
struct Segment {
    magic: u64,
    /// 0: no lock (`--no-lock`), 1: flock, 2: mutex. Written once, before any child
    /// starts.
    kind: u32,
    /// How many children have mapped the segment (and opened the lock file).
    attached: AtomicU32,
    /// Set to 1 by the parent once everyone is attached: the children's starting gun.
    started: AtomicU32,
    /// How many processes are in the critical section now (see
    /// [`SharedCounter::enter`]).
    inside: AtomicU32,
    /// How many times a process entered it while another was still inside.
    overlaps: AtomicU32,
    /// The lock and the count it guards share a line: whoever takes the lock gets the
    /// counter in the same cache-line transfer.
    guarded: Line<Guarded>,
    /// Per-child progress (steps or increments done), each on its own line.
    done: [Line<AtomicU64>; MAX_CHILDREN],
}

#[repr(C)]
struct Guarded {
    #[cfg(target_os = "linux")]
    mutex: RobustMutex,
    /// Atomic so that a forgotten lock (`--no-lock`) loses updates instead of being
    /// undefined behaviour; under the lock, loads and stores are all it needs.
    count: AtomicU64,
}
// ANCHOR_END: segment

/// The lock of an open segment.
enum Lock {
    None,
    Flock(FileLock),
    #[cfg(target_os = "linux")]
    Mutex,
}

/// A counter in a shared-memory segment, with the lock that guards it.
///
/// Not `Send` or `Sync` (a raw mapping inside): each process and thread opens its own.
pub struct SharedCounter {
    /// The mapping; `ManuallyDrop` because `drop` may have to keep it mapped (see
    /// there).
    shmem: ManuallyDrop<Shmem>,
    lock: Lock,
    /// The flock file's path, while it may still need unlinking.
    lock_path: Option<PathBuf>,
    /// Whether this process still has names to unlink.
    owner: bool,
    /// Removes the names if this process dies before `unlink` does (creator only).
    guardian: Option<Guardian>,
}

impl SharedCounter {
    /// Creates a fresh segment (and, for [`LockKind::Flock`], its lock file), owned by
    /// this process: dropping it unlinks the names if [`SharedCounter::unlink`] has
    /// not. `None` creates a counter without a lock, to show lost updates.
    ///
    /// A guardian process is started first, so that the names are removed even if this
    /// process is killed (SIGKILL included) before it unlinks them.
    pub fn create(kind: Option<LockKind>) -> io::Result<Self> {
        if cfg!(not(target_os = "linux")) && kind == Some(LockKind::Mutex) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "robust mutexes are Linux-only: use LockKind::Flock",
            ));
        }
        let name = unique_shm_name("locks");
        let mut files = Vec::new();
        if kind == Some(LockKind::Flock) {
            files.push(lock_path(&name));
        }
        let guardian = Guardian::start(&[&name], &files).map_err(|err| {
            let text = format!("starting the guardian process of {name}: {err}");
            io::Error::new(err.kind(), text)
        })?;
        let creating = |err: io::Error| {
            let text = format!("creating the shared segment {name}{IN_DEV_SHM}: {err}");
            io::Error::new(err.kind(), text)
        };
        let mut shmem = ShmemConf::new()
            .os_id(&name)
            .size(std::mem::size_of::<Segment>())
            .create()
            .map_err(|err| creating(os_error(err)))?;
        // We unlink the name ourselves (see `unlink`), so the crate's drop must not.
        shmem.set_owner(false);
        let mut counter = SharedCounter {
            shmem: ManuallyDrop::new(shmem),
            lock: Lock::None,
            lock_path: None,
            owner: true,
            guardian: Some(guardian),
        };
        // Before the first touch, or a full /dev/shm is a SIGBUS (see `reserve`). On an
        // error, dropping `counter` removes the name.
        reserve(&name, std::mem::size_of::<Segment>()).map_err(creating)?;
        let segment = counter.checked_ptr()?;
        let code = match kind {
            None => 0,
            Some(LockKind::Flock) => 1,
            Some(LockKind::Mutex) => 2,
        };
        // SAFETY: `segment` is valid, aligned and large enough (checked), and nobody
        // else has mapped it yet. A new segment is zero-filled, which is a valid
        // `Segment` except for the fields we write here, before anyone reads them.
        unsafe {
            (&raw mut (*segment).kind).write(code);
            #[cfg(target_os = "linux")]
            if kind == Some(LockKind::Mutex) {
                RobustMutex::init(&raw mut (*segment).guarded.0.mutex)?;
            }
            (&raw mut (*segment).magic).write(MAGIC);
        }
        match kind {
            Some(LockKind::Flock) => {
                let path = lock_path(&name);
                counter.lock = Lock::Flock(FileLock::create(&path)?);
                counter.lock_path = Some(path);
            }
            #[cfg(target_os = "linux")]
            Some(LockKind::Mutex) => counter.lock = Lock::Mutex,
            _ => {}
        }
        Ok(counter)
    }

    /// Opens the segment called `name` (created by another process, maybe another
    /// program) and counts this process as attached. Must happen before the creator
    /// unlinks the name.
    pub fn open(name: &str) -> io::Result<Self> {
        let mut shmem = ShmemConf::new().os_id(name).open().map_err(|err| {
            let err = os_error(err);
            io::Error::new(
                err.kind(),
                format!("opening the shared segment {name}: {err}"),
            )
        })?;
        shmem.set_owner(false);
        let mut counter = SharedCounter {
            shmem: ManuallyDrop::new(shmem),
            lock: Lock::None,
            lock_path: None,
            owner: false,
            guardian: None,
        };
        counter.checked_ptr()?;
        if counter.segment().magic != MAGIC {
            return Err(io::Error::other(format!("{name} is not a locks segment")));
        }
        counter.lock = match counter.segment().kind {
            0 => Lock::None,
            1 => Lock::Flock(FileLock::open(&lock_path(name))?),
            #[cfg(target_os = "linux")]
            2 => Lock::Mutex,
            other => {
                return Err(io::Error::other(format!("unknown lock kind {other}")));
            }
        };
        counter.segment().attached.fetch_add(1, Ordering::AcqRel);
        Ok(counter)
    }

    /// The segment's pointer, after checking that the mapping is big enough and aligned
    /// for a `Segment` (mmap returns page-aligned memory, but we do not rely on it).
    fn checked_ptr(&self) -> io::Result<*mut Segment> {
        let ptr = self.shmem.as_ptr();
        if self.shmem.len() < std::mem::size_of::<Segment>() {
            return Err(io::Error::other("shared segment too small"));
        }
        if !ptr.cast::<Segment>().is_aligned() {
            return Err(io::Error::other("shared segment misaligned"));
        }
        Ok(ptr.cast())
    }

    fn segment(&self) -> &Segment {
        // SAFETY: `create`/`open` checked size and alignment, and the memory stays
        // mapped while `self.shmem` lives. Shared references are sound: every field
        // that changes after creation is an atomic or sits inside the pthread mutex.
        unsafe { &*self.shmem.as_ptr().cast::<Segment>() }
    }

    /// The segment's name, to give to the processes that will [`SharedCounter::open`]
    /// it.
    pub fn name(&self) -> &str {
        self.shmem.get_os_id()
    }

    /// The lock this segment uses (`None` for no lock).
    pub fn kind(&self) -> Option<LockKind> {
        match self.lock {
            Lock::None => None,
            Lock::Flock(_) => Some(LockKind::Flock),
            #[cfg(target_os = "linux")]
            Lock::Mutex => Some(LockKind::Mutex),
        }
    }

    /// How many processes have opened the segment so far.
    pub fn attached(&self) -> u32 {
        self.segment().attached.load(Ordering::Acquire)
    }

    /// Removes the segment's name (and the lock file's) so that nothing can leak,
    /// however the processes end. Everyone who needs the segment must have opened it
    /// already. Only the creator unlinks; calling it again does nothing. Then the
    /// guardian is dismissed: nothing is left for it to remove.
    pub fn unlink(&mut self) -> io::Result<()> {
        if !self.owner {
            return Ok(());
        }
        self.owner = false;
        let shm = nix::sys::mman::shm_unlink(self.name()).map_err(io::Error::from);
        let file = match self.lock_path.take() {
            Some(path) => std::fs::remove_file(path),
            None => Ok(()),
        };
        let guardian = self.guardian.take().map_or(Ok(()), Guardian::dismiss);
        shm.and(file).and(guardian)
    }

    /// Lets the attached children start (see [`SharedCounter::wait_for_start`]).
    pub fn start(&self) {
        self.segment().started.store(1, Ordering::Release);
    }

    /// Waits for [`SharedCounter::start`], so that all children begin together. Gives
    /// up with `TimedOut` after `timeout` (a parent that died would never start us).
    pub fn wait_for_start(&self, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        while self.segment().started.load(Ordering::Acquire) == 0 {
            if Instant::now() >= deadline {
                return Err(io::ErrorKind::TimedOut.into());
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        Ok(())
    }

    // ANCHOR: lock
    /// Takes the segment's lock. The guard reads and increments the counter, and tells
    /// whether the previous holder died holding the lock (only a robust mutex can tell:
    /// `flock` is released silently). Without a lock the guard guards nothing.
    pub fn lock(&self) -> io::Result<CounterGuard<'_>> {
        let held = match &self.lock {
            Lock::None => Held::Nothing,
            Lock::Flock(file) => Held::Flock {
                _guard: file.lock()?,
            },
            #[cfg(target_os = "linux")]
            Lock::Mutex => Held::Mutex(self.segment().guarded.0.mutex.lock()?),
        };
        Ok(CounterGuard {
            count: &self.segment().guarded.0.count,
            held,
        })
    }
    // ANCHOR_END: lock

    /// Makes `increments` locked increments for child `child` (below [`MAX_CHILDREN`]),
    /// publishing its progress now and then. Returns how many times this process found
    /// the previous lock holder dead (its missing increments are simply missing: a
    /// counter needs no repair).
    pub fn add(&self, child: usize, increments: u64) -> io::Result<u32> {
        const BATCH: u64 = 4096;
        let done = &self.segment().done[child].0;
        let mut recoveries = 0;
        let mut left = increments;
        while left > 0 {
            let batch = left.min(BATCH);
            for _ in 0..batch {
                let mut guard = self.lock()?;
                if guard.previous_owner_died() {
                    recoveries += 1;
                }
                guard.increment();
            }
            done.fetch_add(batch, Ordering::Relaxed);
            left -= batch;
        }
        Ok(recoveries)
    }

    /// Counts this process in the critical section, until [`SharedCounter::leave`].
    /// Under a lock that works nobody else is inside: if somebody is, the sections
    /// overlapped, and [`SharedCounter::overlaps`] counts it. (Without a lock they do,
    /// now and then.)
    pub fn enter(&self) {
        let segment = self.segment();
        if segment.inside.fetch_add(1, Ordering::AcqRel) > 0 {
            segment.overlaps.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts this process out of the critical section again.
    pub fn leave(&self) {
        self.segment().inside.fetch_sub(1, Ordering::AcqRel);
    }

    /// How many times a process [`SharedCounter::enter`]ed while another was inside.
    pub fn overlaps(&self) -> u32 {
        self.segment().overlaps.load(Ordering::Relaxed)
    }

    /// Records that child `child` has done `n` steps or increments, for progress
    /// reports.
    pub fn set_done(&self, child: usize, n: u64) {
        self.segment().done[child].0.store(n, Ordering::Relaxed);
    }

    /// What child `child` last recorded with [`SharedCounter::set_done`] or
    /// [`SharedCounter::add`].
    pub fn done(&self, child: usize) -> u64 {
        self.segment().done[child].0.load(Ordering::Relaxed)
    }
}

impl Drop for SharedCounter {
    fn drop(&mut self) {
        // The creator removes the names if nobody did: a run that failed early leaks
        // nothing.
        let _ = self.unlink();
        // A guard forgotten with `mem::forget` leaves the mutex locked by this thread
        // and linked into its robust list, which glibc and the kernel walk later:
        // unmapping the memory would leave them a dangling pointer. Only this thread
        // can lock through this mapping (the type is neither Send nor Sync), so if the
        // mutex is busy now we keep the mapping, leaked, rather than risk that.
        #[cfg(target_os = "linux")]
        if let Lock::Mutex = self.lock {
            let free = matches!(self.segment().guarded.0.mutex.try_lock(), Ok(Some(_)));
            if !free {
                return;
            }
        }
        // SAFETY: `shmem` is dropped exactly once, here, and never used afterwards.
        unsafe { ManuallyDrop::drop(&mut self.shmem) };
    }
}

/// Where the names live, for error messages.
#[cfg(target_os = "linux")]
const IN_DEV_SHM: &str = " in /dev/shm";
#[cfg(not(target_os = "linux"))]
const IN_DEV_SHM: &str = "";

/// Gives the pages of the new segment `name` their memory now (Linux). `/dev/shm` is a
/// tmpfs, which accepts any size at `ftruncate` and looks for the memory only when a
/// page is first touched: if `/dev/shm` is full then, that process dies of SIGBUS.
/// `posix_fallocate` asks at once, so a full `/dev/shm` is an error (ENOSPC) instead.
/// (Lesson 6, shared-value, explains it too.)
#[cfg(target_os = "linux")]
fn reserve(name: &str, bytes: usize) -> io::Result<()> {
    use nix::fcntl::{OFlag, posix_fallocate};
    use nix::sys::stat::Mode;
    let fd = nix::sys::mman::shm_open(name, OFlag::O_RDWR, Mode::empty())?;
    let len = libc::off_t::try_from(bytes).map_err(io::Error::other)?;
    Ok(posix_fallocate(fd, 0, len)?)
}

/// macOS has no `posix_fallocate`, and its shared memory is not a tmpfs.
#[cfg(not(target_os = "linux"))]
fn reserve(_name: &str, _bytes: usize) -> io::Result<()> {
    Ok(())
}

/// The crate's error as the system error it carries ("No space left on device (os
/// error 28)", not "os error 28").
fn os_error(err: shared_memory::ShmemError) -> io::Error {
    use shared_memory::ShmemError::{MapCreateFailed, MapOpenFailed, UnknownOsError};
    match err {
        MapCreateFailed(code) | MapOpenFailed(code) | UnknownOsError(code) => {
            io::Error::from_raw_os_error(code as i32)
        }
        other => io::Error::other(other),
    }
}

/// The flock file of segment `name`: on Linux beside it in /dev/shm (memory, like the
/// segment); elsewhere in the temporary directory.
fn lock_path(name: &str) -> PathBuf {
    if cfg!(target_os = "linux") {
        PathBuf::from(format!("/dev/shm{name}.flock"))
    } else {
        std::env::temp_dir().join(format!("{}.flock", name.trim_start_matches('/')))
    }
}

enum Held<'a> {
    Nothing,
    /// Kept only to unlock when dropped.
    Flock {
        _guard: FileLockGuard<'a>,
    },
    #[cfg(target_os = "linux")]
    Mutex(RobustGuard<'a>),
}

/// The lock of a [`SharedCounter`], held; dropping it unlocks.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct CounterGuard<'a> {
    count: &'a AtomicU64,
    held: Held<'a>,
}

impl CounterGuard<'_> {
    /// True if the previous holder died holding the lock (robust mutex only).
    pub fn previous_owner_died(&self) -> bool {
        match &self.held {
            #[cfg(target_os = "linux")]
            Held::Mutex(guard) => guard.previous_owner_died(),
            Held::Flock { .. } | Held::Nothing => false,
        }
    }

    /// The counter's value.
    pub fn get(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// `count += 1` as Python does it: read, then write. Exact only under a real lock,
    /// whose lock and unlock order the critical sections; Relaxed is enough inside.
    pub fn increment(&mut self) {
        let value = self.count.load(Ordering::Relaxed);
        self.count.store(value + 1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_layout_keeps_hot_fields_apart() {
        assert_eq!(std::mem::align_of::<Segment>(), 64);
        assert_eq!(std::mem::offset_of!(Segment, guarded) % 64, 0);
        assert!(
            std::mem::size_of::<Guarded>() <= 64,
            "lock and count share one line"
        );
        assert_eq!(std::mem::offset_of!(Segment, done) % 64, 0);
    }

    /// The locks this system has.
    const KINDS: &[LockKind] = if cfg!(target_os = "linux") {
        &[LockKind::Flock, LockKind::Mutex]
    } else {
        &[LockKind::Flock]
    };

    /// Whether the shared-memory name exists (on Linux, a file in /dev/shm).
    fn shm_exists(name: &str) -> bool {
        use nix::fcntl::OFlag;
        use nix::sys::stat::Mode;
        nix::sys::mman::shm_open(name, OFlag::O_RDONLY, Mode::empty()).is_ok()
    }

    #[test]
    fn the_mutex_is_refused_where_it_is_not_robust() {
        let made = SharedCounter::create(Some(LockKind::Mutex));
        if cfg!(target_os = "linux") {
            assert!(made.is_ok());
        } else {
            assert_eq!(made.err().unwrap().kind(), io::ErrorKind::Unsupported);
        }
    }

    #[test]
    fn open_counts_attached_and_unlink_removes_the_names() {
        let kinds = KINDS.iter().map(|&kind| Some(kind));
        for kind in std::iter::once(None).chain(kinds) {
            let mut owner = SharedCounter::create(kind).unwrap();
            let name = owner.name().to_string();
            let other = SharedCounter::open(&name).unwrap();
            assert_eq!(owner.attached(), 1);
            assert_eq!(other.kind(), kind);
            owner.unlink().unwrap();
            assert!(!shm_exists(&name));
            assert!(!lock_path(&name).exists());
            assert!(SharedCounter::open(&name).is_err(), "name still there");
            // Both mappings still work after the unlink.
            other.lock().unwrap().increment();
            assert_eq!(owner.lock().unwrap().get(), 1);
        }
    }

    #[test]
    fn drop_of_the_creator_unlinks() {
        let owner = SharedCounter::create(Some(LockKind::Flock)).unwrap();
        let name = owner.name().to_string();
        assert!(shm_exists(&name) && lock_path(&name).exists());
        drop(owner);
        assert!(!shm_exists(&name));
        assert!(!lock_path(&name).exists());
    }

    #[test]
    fn enter_counts_overlapping_critical_sections() {
        let owner = SharedCounter::create(None).unwrap();
        owner.enter();
        owner.leave();
        assert_eq!(owner.overlaps(), 0, "one at a time");
        owner.enter();
        owner.enter(); // a second process comes in before the first has left
        owner.leave();
        owner.leave();
        assert_eq!(owner.overlaps(), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_forgotten_guard_keeps_its_mapping_so_the_death_is_still_reported() {
        let owner = SharedCounter::create(Some(LockKind::Mutex)).unwrap();
        let name = owner.name().to_string();
        std::thread::spawn(move || {
            let counter = SharedCounter::open(&name).unwrap();
            std::mem::forget(counter.lock().unwrap());
            drop(counter); // keeps the mapping: the mutex is held
        })
        .join()
        .unwrap();
        // The thread ended holding the lock: the kernel marked it "owner died". (Had
        // the mapping gone, the kernel could not have, and this lock would wait
        // forever.)
        let mutex = &owner.segment().guarded.0.mutex;
        let guard = mutex
            .lock_timeout(Duration::from_secs(10))
            .unwrap()
            .expect("the lock was never released");
        assert!(guard.previous_owner_died());
    }

    #[test]
    fn threads_with_their_own_mappings_count_exactly() {
        for &kind in KINDS {
            let mut owner = SharedCounter::create(Some(kind)).unwrap();
            let name = owner.name().to_string();
            std::thread::scope(|s| {
                for child in 0..3 {
                    let name = &name;
                    s.spawn(move || {
                        let counter = SharedCounter::open(name).unwrap();
                        counter.add(child, 5_000).unwrap();
                    });
                }
            });
            owner.unlink().unwrap();
            assert_eq!(owner.lock().unwrap().get(), 15_000, "{kind:?}");
            assert_eq!((0..3).map(|c| owner.done(c)).sum::<u64>(), 15_000);
        }
    }
}
