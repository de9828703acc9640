//! The tutorial's `mp.Value('f')`: a child process stores its progress in shared
//! memory, and the parent prints it while the child is alive. The child is this same
//! program run again with the segment's name as its argument (Python's "spawn").
use rand::Rng;
use shared_memory::{Shmem, ShmemConf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::Duration;

/// The segment's first 4 bytes as an atomic `u32`; an `f32` travels as its bits.
fn progress(shmem: &Shmem) -> &AtomicU32 {
    // SAFETY: the mapping is page-aligned, at least 4 bytes long and lives as long as
    // `shmem`; every process touches it only through atomics.
    unsafe { &*shmem.as_ptr().cast::<AtomicU32>() }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(name) = std::env::args().nth(1) {
        // Child: map the segment, then remove its name. Both processes have it mapped
        // now, and the memory lives on until the last of them unmaps it.
        let shmem = ShmemConf::new().os_id(&name).open()?;
        nix::sys::mman::shm_unlink(name.as_str())?;
        for k in 1..=50 {
            let ms = rand::rng().random_range(0..40);
            std::thread::sleep(Duration::from_millis(ms));
            progress(&shmem).store((k as f32 * 100.0 / 50.0).to_bits(), Relaxed);
        }
        println!("{}", 4.5 * 2.0); // the result goes back through our stdout
        return Ok(());
    }
    let mut shmem = ShmemConf::new().size(4).create()?; // all zeros: 0.0
    shmem.set_owner(false); // the child removes the name, not our `Drop`
    let mut child = Command::new(std::env::current_exe()?)
        .arg(shmem.get_os_id())
        .stdout(Stdio::piped())
        .spawn()?;
    while child.try_wait()?.is_none() {
        // p.is_alive()
        std::thread::sleep(Duration::from_millis(50));
        let percent = f32::from_bits(progress(&shmem).load(Relaxed));
        eprint!("\rprogress: {percent:6.2}%");
    }
    let output = child.wait_with_output()?; // the child has ended: read what it printed
    eprintln!();
    if !output.status.success() {
        return Err(format!("the child failed: {}", output.status).into());
    }
    println!("Result: {}", String::from_utf8(output.stdout)?.trim());
    Ok(())
}
