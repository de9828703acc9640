// ANCHOR: mut_getter
struct TaskObject {
    progress: f32,
}
impl TaskObject {
    fn task(&mut self) {
        for step in 1..=50 {
            self.progress = step as f32 * 2.0; // a plain field: needs `&mut self`
        }
    }
    fn progress(&self) -> f32 {
        self.progress
    }
}
let mut object = TaskObject { progress: 0.0 };
std::thread::scope(|s| {
    s.spawn(|| object.task()); // the worker borrows `object` exclusively...
    println!("{:.2}%", object.progress()); // ...so the getter is refused
});
// ANCHOR_END: mut_getter
