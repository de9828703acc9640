// ANCHOR: refused
use shared_value::{SharedSlots, unique_shm_name};
let slots = SharedSlots::create(&unique_shm_name("doc"), 1).unwrap();
let progress = slots.f32(0); // a `&AtomicF32` borrowed from `slots`
drop(slots); // unmaps the segment (and removes its name)...
progress.load(std::sync::atomic::Ordering::Relaxed); // ...so this is refused
// ANCHOR_END: refused
