//! Exercise 1: the newest progress, at a glance.
//!
//! The walkthrough's part 2 shows every progress message, in order. A parent that
//! looks at the queue only now and then (to redraw a window, say) wants the newest
//! progress instead: it takes everything waiting, without blocking, and keeps only the
//! last progress it saw. It must never lose the result, nor the news that every sender
//! is gone.

use process_queue::{Receiver, RecvError, Report};

// ANCHOR: glance
/// What one look at the queue found.
#[derive(Debug, Default, PartialEq)]
pub struct Glance {
    /// The newest progress that was waiting, if any.
    pub progress: Option<f32>,
    /// The result, if it was among what was waiting.
    pub result: Option<f64>,
    /// Every sender is gone: nothing more will come.
    pub closed: bool,
}

/// Takes everything waiting in the queue, without blocking.
pub fn glance(receiver: &mut Receiver<Report>) -> Result<Glance, RecvError> {
    // TODO: call `receiver.try_recv()` until nothing is left (`Ok(None)`) or the queue
    // is closed (`Err(RecvError::Closed)`), keeping the last progress, the result and
    // whether the queue closed; any other error is returned.
    // SOLUTION
    let mut seen = Glance::default();
    loop {
        // First in, first out: the newest progress is the last one read.
        match receiver.try_recv() {
            Ok(Some(Report::Progress { percent, .. })) => seen.progress = Some(percent),
            Ok(Some(Report::Result { value, .. })) => seen.result = Some(value),
            Ok(None) => return Ok(seen),
            Err(RecvError::Closed) => {
                seen.closed = true;
                return Ok(seen);
            }
            Err(other) => return Err(other),
        }
    }
    // END SOLUTION
}
// ANCHOR_END: glance

// No test in this file starts a child process. One being started holds a copy of every
// descriptor of ours until its `exec`, and then dropping a sender would not close the
// queue at once, as these tests expect.
#[cfg(test)]
mod tests {
    use super::*;
    use process_queue::queue;

    fn progress(percent: f32) -> Report {
        Report::Progress { worker: 0, percent }
    }

    #[test]
    fn nothing_waiting_is_an_empty_glance() {
        let (_tx, mut rx) = queue::<Report>().unwrap();
        assert_eq!(glance(&mut rx).unwrap(), Glance::default());
    }

    #[test]
    fn only_the_newest_progress_is_kept() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        for p in [10.0, 20.0, 30.0] {
            tx.send(&progress(p)).unwrap();
        }
        let seen = glance(&mut rx).unwrap();
        assert_eq!(seen.progress, Some(30.0), "{seen:?}");
        assert_eq!((seen.result, seen.closed), (None, false), "{seen:?}");
        // Everything was taken: the next glance finds nothing.
        assert_eq!(glance(&mut rx).unwrap(), Glance::default());
    }

    #[test]
    fn the_result_is_kept_even_when_progress_follows_it() {
        // One worker's result, then another worker's progress: both are kept.
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        tx.send(&progress(100.0)).unwrap();
        tx.send(&Report::Result {
            worker: 0,
            value: 9.0,
        })
        .unwrap();
        tx.send(&Report::Progress {
            worker: 1,
            percent: 40.0,
        })
        .unwrap();
        let seen = glance(&mut rx).unwrap();
        assert_eq!((seen.progress, seen.result), (Some(40.0), Some(9.0)));
    }

    #[test]
    fn the_end_of_the_queue_is_reported_with_what_came_before_it() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        tx.send(&progress(100.0)).unwrap();
        tx.send(&Report::Result {
            worker: 0,
            value: 9.0,
        })
        .unwrap();
        drop(tx); // the last sender: the queue closes once it is read
        let expected = Glance {
            progress: Some(100.0),
            result: Some(9.0),
            closed: true,
        };
        assert_eq!(glance(&mut rx).unwrap(), expected);
    }
}
