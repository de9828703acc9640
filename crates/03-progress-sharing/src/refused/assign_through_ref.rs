// ANCHOR: assign_through_ref
struct TaskObject {
    progress: f32,
}

impl TaskObject {
    fn task(&self) {
        for step in 1..=50 {
            self.progress = step as f32 * 2.0; // through `&self`: refused
        }
    }
}

TaskObject { progress: 0.0 }.task();
// ANCHOR_END: assign_through_ref
