//! A shared-memory segment seen as an array of 32-bit atomic slots: `mp.Value('f')` is
//! one slot, `mp.Array('f', n)` is n of them.

use shared_memory::{Shmem, ShmemConf};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

// Atomics work across processes only when they are real machine instructions
// (lock-free): a lock kept inside one process would protect nothing in another.
#[cfg(not(target_has_atomic = "32"))]
compile_error!("this lesson needs native 32-bit atomics");

// ANCHOR: atomic_f32
/// An `f32` that threads and processes can share: its bits live in an `AtomicU32`
/// (`to_bits`/`from_bits` convert without loss). The standard library has no
/// `AtomicF32`.
#[repr(transparent)]
#[derive(Debug, Default)]
pub struct AtomicF32(AtomicU32);

impl AtomicF32 {
    #[inline]
    pub fn load(&self, order: Ordering) -> f32 {
        f32::from_bits(self.0.load(order))
    }

    #[inline]
    pub fn store(&self, value: f32, order: Ordering) {
        self.0.store(value.to_bits(), order);
    }
}
// ANCHOR_END: atomic_f32

impl AtomicF32 {
    /// A new value, for use inside one process (tests, threads).
    pub const fn new(value: f32) -> Self {
        Self(AtomicU32::new(value.to_bits()))
    }

    /// Adds `delta` and returns the previous value. No processor adds floats
    /// atomically, so this is a compare-and-swap loop: it retries when another process
    /// changed the value between our read and our write, so no update is lost.
    #[inline]
    pub fn fetch_add(&self, delta: f32, order: Ordering) -> f32 {
        let add = |bits| Some((f32::from_bits(bits) + delta).to_bits());
        match self.0.fetch_update(order, Ordering::Relaxed, add) {
            Ok(previous) | Err(previous) => f32::from_bits(previous),
        }
    }
}

/// A named shared-memory segment holding `len()` slots of 32 bits, each used as an
/// [`AtomicU32`] or an [`AtomicF32`]. A new segment is all zeros.
///
/// The process that [`create`](SharedSlots::create)s it owns the name: the
/// `shared_memory` crate removes the name when the owner's value is dropped. A process
/// killed before that never drops it, and the name stays in `/dev/shm` until reboot, so
/// call [`unlink`](SharedSlots::unlink) as soon as every process has mapped the
/// segment.
pub struct SharedSlots {
    shmem: Shmem,
    len: usize,
}

// SAFETY: a `Shmem` is a mapping address, a file descriptor and strings; none of them
// is tied to the thread that made it (munmap and close may run on any thread).
unsafe impl Send for SharedSlots {}
// SAFETY: through `&SharedSlots` the segment is reachable only as atomics, which are
// made for concurrent access; the methods that change the `Shmem` itself take
// `&mut self`.
unsafe impl Sync for SharedSlots {}

/// The size of one slot in bytes.
pub const SLOT_BYTES: usize = std::mem::size_of::<AtomicU32>();

impl SharedSlots {
    /// Creates the segment `name` (e.g. `/shmem_value_1234_0`) with `len` zeroed slots
    /// and maps it. Fails if the name exists. This process becomes the owner of the
    /// name.
    ///
    /// The memory is reserved now: a full `/dev/shm` is an error here, not a SIGBUS at
    /// the first touch (see [`reserve`]). An error says what was being created.
    pub fn create(name: &str, len: usize) -> io::Result<Self> {
        let creating = |err: io::Error| {
            let text = format!("creating the shared segment {name}{IN_DEV_SHM}: {err}");
            io::Error::new(err.kind(), text)
        };
        let bytes = len.checked_mul(SLOT_BYTES).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "too many slots")
        });
        let shmem = ShmemConf::new()
            .os_id(name)
            .size(bytes.map_err(creating)?)
            .create()
            .map_err(|err| creating(os_error(err)))?;
        // On an error, dropping `shmem` (the owner) removes the name again.
        reserve(name, shmem.len()).map_err(creating)?;
        Self::checked(shmem)
    }

    /// Maps the existing segment `name`, created by another process. This process does
    /// not own the name: dropping the value only unmaps it.
    pub fn open(name: &str) -> io::Result<Self> {
        let shmem = ShmemConf::new().os_id(name).open().map_err(|err| {
            let err = os_error(err);
            io::Error::new(
                err.kind(),
                format!("opening the shared segment {name}: {err}"),
            )
        })?;
        Self::checked(shmem)
    }
}

/// Where the names live, for error messages.
#[cfg(target_os = "linux")]
const IN_DEV_SHM: &str = " in /dev/shm";
#[cfg(not(target_os = "linux"))]
const IN_DEV_SHM: &str = "";

/// Gives the pages of the new segment `name` their memory now (Linux).
///
/// `/dev/shm` is a tmpfs, and a tmpfs accepts any size at `ftruncate`: it looks for the
/// memory only when a page is first touched. If `/dev/shm` is full then, the process
/// that touches it dies of SIGBUS. `posix_fallocate` asks for the memory at once, so a
/// full `/dev/shm` is an error (ENOSPC) that we can report.
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
/// error 28)", not "os error 28"), so that the caller can tell which limit it is.
fn os_error(err: shared_memory::ShmemError) -> io::Error {
    use shared_memory::ShmemError::{MapCreateFailed, MapOpenFailed, UnknownOsError};
    match err {
        MapCreateFailed(code) | MapOpenFailed(code) | UnknownOsError(code) => {
            io::Error::from_raw_os_error(code as i32)
        }
        other => io::Error::other(other),
    }
}

// ANCHOR: checked
impl SharedSlots {
    /// Checks, once, what treating the mapping as atomics relies on: it starts on a
    /// 4-byte boundary and holds a whole number of slots.
    fn checked(shmem: Shmem) -> io::Result<Self> {
        let bytes = shmem.len();
        let align = std::mem::align_of::<AtomicU32>();
        if shmem.as_ptr().align_offset(align) != 0 {
            return Err(io::Error::other("mapping is not 4-byte aligned"));
        }
        if bytes == 0 || !bytes.is_multiple_of(SLOT_BYTES) {
            let msg = format!("{bytes} bytes do not hold whole 4-byte slots");
            return Err(io::Error::new(io::ErrorKind::InvalidData, msg));
        }
        Ok(Self {
            len: bytes / SLOT_BYTES,
            shmem,
        })
    }

    /// The slots as `u32` atomics, borrowed from `self`: none outlives the mapping.
    pub fn u32s(&self) -> &[AtomicU32] {
        // SAFETY: `checked` made sure the mapping is aligned and holds `len` slots; it
        // is initialised (zero-filled, and any bits are a valid `u32`) and stays mapped
        // while `self` is borrowed. Other processes write to it at any time, which is
        // fine because every access, here and there, goes through atomics.
        unsafe { std::slice::from_raw_parts(self.shmem.as_ptr().cast(), self.len) }
    }
}
// ANCHOR_END: checked

impl SharedSlots {
    /// The slots as `f32` atomics (the same memory as [`u32s`](Self::u32s)).
    pub fn f32s(&self) -> &[AtomicF32] {
        let u32s = self.u32s();
        // SAFETY: `AtomicF32` is `repr(transparent)` over `AtomicU32`, so a slice of
        // one has the layout of a slice of the other; the lifetime stays that of
        // `self`.
        unsafe { std::slice::from_raw_parts(u32s.as_ptr().cast(), u32s.len()) }
    }

    /// Slot `index` as a `u32` atomic. Panics if `index >= len()`.
    pub fn u32(&self, index: usize) -> &AtomicU32 {
        &self.u32s()[index]
    }

    /// Slot `index` as an `f32` atomic. Panics if `index >= len()`.
    pub fn f32(&self, index: usize) -> &AtomicF32 {
        &self.f32s()[index]
    }
}

// ANCHOR: unlink
impl SharedSlots {
    /// Removes the name now. Every process that has mapped the segment keeps using it;
    /// the memory is freed when the last one unmaps it (or dies). Then we tell the
    /// crate we no longer own the name, or its `Drop` would unlink it again, by then
    /// perhaps someone else's new segment.
    pub fn unlink(&mut self) -> io::Result<()> {
        unlink_name(self.name())?;
        self.shmem.set_owner(false);
        Ok(())
    }
}

/// Removes the shared-memory name `name` (with its leading `/`, as given to
/// `shm_open`). Returns `false` if there was no such name.
pub fn unlink_name(name: &str) -> io::Result<bool> {
    match nix::sys::mman::shm_unlink(name) {
        Ok(()) => Ok(true),
        Err(nix::errno::Errno::ENOENT) => Ok(false),
        Err(errno) => Err(errno.into()),
    }
}
// ANCHOR_END: unlink

impl SharedSlots {
    /// The segment's name, as given to [`create`](Self::create) or
    /// [`open`](Self::open).
    pub fn name(&self) -> &str {
        self.shmem.get_os_id()
    }

    /// The number of slots.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a segment has at least one slot.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether dropping this value would remove the name (it created the segment and
    /// has not unlinked it yet).
    pub fn owns_name(&self) -> bool {
        self.shmem.is_owner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::child::unique_shm_name;
    use nix::fcntl::OFlag;
    use nix::sys::stat::Mode;

    /// Whether the name exists; on Linux, also checks that it is the file in `/dev/shm`
    /// named without the leading slash.
    fn in_dev_shm(name: &str) -> bool {
        let exists =
            nix::sys::mman::shm_open(name, OFlag::O_RDONLY, Mode::empty()).is_ok();
        #[cfg(target_os = "linux")]
        assert_eq!(
            exists,
            std::path::Path::new("/dev/shm").join(&name[1..]).exists()
        );
        exists
    }

    #[test]
    fn atomic_f32_round_trips_and_adds() {
        let x = AtomicF32::new(1.5);
        assert_eq!(x.load(Ordering::Relaxed), 1.5);
        x.store(-2.25, Ordering::Relaxed);
        assert_eq!(x.fetch_add(1.0, Ordering::Relaxed), -2.25);
        assert_eq!(x.load(Ordering::Relaxed), -1.25);
    }

    #[test]
    fn atomic_f32_fetch_add_loses_nothing_between_threads() {
        let x = AtomicF32::new(0.0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        x.fetch_add(1.0, Ordering::Relaxed);
                    }
                });
            }
        });
        // Whole numbers up to 2^24 are exact in f32, so the sum is exact too.
        assert_eq!(x.load(Ordering::Relaxed), 40_000.0);
    }

    #[test]
    fn name_keeps_its_slash_and_the_file_drops_it() {
        let name = unique_shm_name("test");
        let slots = SharedSlots::create(&name, 3).unwrap();
        assert_eq!(slots.name(), name);
        assert!(name.starts_with('/'));
        assert!(in_dev_shm(&name), "{name} not in /dev/shm");
        assert!(slots.owns_name());
        drop(slots);
        assert!(!in_dev_shm(&name), "the owner's Drop removes the name");
    }

    #[test]
    fn second_mapping_sees_the_first_ones_writes() {
        let name = unique_shm_name("test");
        let mut a = SharedSlots::create(&name, 4).unwrap();
        let b = SharedSlots::open(&name).unwrap();
        assert!(!b.owns_name());
        assert_eq!(b.len(), 4);
        assert!(b.u32s().iter().all(|s| s.load(Ordering::Relaxed) == 0));
        a.f32(1).store(42.5, Ordering::Relaxed);
        a.u32(3).fetch_add(7, Ordering::Relaxed);
        assert_eq!(b.f32(1).load(Ordering::Relaxed), 42.5);
        assert_eq!(b.u32(3).load(Ordering::Relaxed), 7);
        a.unlink().unwrap();
        assert!(!in_dev_shm(&name));
        assert!(!a.owns_name());
        // Both mappings still work after the name is gone.
        b.u32(0).store(9, Ordering::Relaxed);
        assert_eq!(a.u32(0).load(Ordering::Relaxed), 9);
    }

    #[test]
    fn unlinked_name_cannot_be_opened_and_unlinking_twice_is_harmless() {
        let name = unique_shm_name("test");
        let mut a = SharedSlots::create(&name, 1).unwrap();
        a.unlink().unwrap();
        assert!(SharedSlots::open(&name).is_err());
        assert!(!unlink_name(&name).unwrap());
    }

    #[test]
    fn existing_name_is_not_created_again() {
        let name = unique_shm_name("test");
        let _a = SharedSlots::create(&name, 1).unwrap();
        assert!(SharedSlots::create(&name, 1).is_err());
    }

    #[test]
    fn segment_of_partial_slots_is_refused() {
        let name = unique_shm_name("test");
        let odd = ShmemConf::new().os_id(&name).size(6).create().unwrap();
        let err = SharedSlots::open(&name).err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        drop(odd);
        assert!(!in_dev_shm(&name));
    }

    #[test]
    fn slots_are_aligned() {
        let name = unique_shm_name("test");
        let a = SharedSlots::create(&name, 2).unwrap();
        assert_eq!(
            a.u32s().as_ptr() as usize % std::mem::align_of::<AtomicU32>(),
            0
        );
    }
}
