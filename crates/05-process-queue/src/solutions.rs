//! Solutions to the chapter's exercises.

use crate::{MAX_MESSAGE, Receiver, RecvError, Report};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

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

/// Exercise 1: takes everything waiting in the queue without blocking, and keeps only
/// the newest progress. The queue is first in, first out, so the newest is the last one
/// read; the result is kept too (never thrown away with the old progress), and so is
/// end-of-file.
pub fn glance(receiver: &mut Receiver<Report>) -> Result<Glance, RecvError> {
    let mut seen = Glance::default();
    loop {
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
}
// ANCHOR_END: glance

// ANCHOR: in_order
/// Exercise 2: reads until each of `workers` workers has sent its result, and returns
/// the results in worker order (whatever order they arrived in), like Python's
/// `Executor.map`. Gives up with `TimedOut` after `timeout`, and with `Closed` if the
/// queue ends first.
pub fn results_in_worker_order(
    receiver: &mut Receiver<Report>,
    workers: usize,
    timeout: Duration,
) -> Result<Vec<f64>, RecvError> {
    let deadline = Instant::now() + timeout;
    let mut results: Vec<Option<f64>> = vec![None; workers];
    while results.iter().any(Option::is_none) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into());
        }
        if let Some(Report::Result { worker, value }) = receiver.recv_timeout(left)? {
            let slot = results.get_mut(worker as usize).ok_or_else(|| {
                RecvError::Corrupt(format!(
                    "a result from worker {worker}, of {workers}"
                ))
            })?;
            *slot = Some(value);
        }
    }
    Ok(results.into_iter().flatten().collect())
}
// ANCHOR_END: in_order

// ANCHOR: note
/// Exercise 3: a message carrying text. serde puts the text's length in front of it;
/// what is left to us is the bound, so that a whole frame still fits in one atomic
/// write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    worker: u32,
    text: String,
}

impl Note {
    /// The longest text (in bytes) that keeps a whole frame within one atomic write. In
    /// postcard the worker takes at most 5 bytes (a varint), and the text's length 2 (a
    /// varint, for any length below 16384).
    pub const MAX_TEXT: usize = MAX_MESSAGE - 5 - 2;

    /// A note, or `None` if `text` is longer than [`Note::MAX_TEXT`] bytes.
    pub fn new(worker: u32, text: &str) -> Option<Self> {
        (text.len() <= Self::MAX_TEXT).then(|| Note {
            worker,
            text: text.to_string(),
        })
    }

    pub fn worker(&self) -> u32 {
        self.worker
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}
// ANCHOR_END: note

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue;

    fn progress(percent: f32) -> Report {
        Report::Progress { worker: 0, percent }
    }

    #[test]
    fn glance_keeps_the_newest_progress_and_the_result() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        assert_eq!(
            glance(&mut rx).unwrap(),
            Glance::default(),
            "nothing waiting"
        );
        for p in [10.0, 20.0, 30.0] {
            tx.send(&progress(p)).unwrap();
        }
        let seen = glance(&mut rx).unwrap();
        assert_eq!(seen.progress, Some(30.0));
        assert_eq!(seen.result, None);
        tx.send(&progress(100.0)).unwrap();
        tx.send(&Report::Result {
            worker: 0,
            value: 9.0,
        })
        .unwrap();
        drop(tx);
        wait_for_hang_up(&rx);
        let seen = glance(&mut rx).unwrap();
        assert_eq!(
            seen,
            Glance {
                progress: Some(100.0),
                result: Some(9.0),
                closed: true
            }
        );
    }

    /// Waits, without reading, until every write end of `rx`'s pipe is closed (ten
    /// seconds at most: a hang guard). `drop(tx)` alone does not make that so at once:
    /// a child that another test is starting holds a copy of every descriptor until its
    /// `exec`.
    fn wait_for_hang_up(rx: &Receiver<Report>) {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd;
        let deadline = Instant::now() + Duration::from_secs(10);
        // No events asked for: poll still reports POLLHUP, and waiting data does not
        // wake it.
        let mut fds = [PollFd::new(rx.fd.as_fd(), PollFlags::empty())];
        while poll(&mut fds, PollTimeout::from(100u16)) != Ok(1) {
            assert!(Instant::now() < deadline, "the pipe never hung up");
        }
        assert!(fds[0].revents().unwrap().contains(PollFlags::POLLHUP));
    }

    #[test]
    fn results_come_back_in_worker_order() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        for (worker, value) in [(2, 2.5), (0, 0.5), (1, 1.5)] {
            tx.send(&progress(50.0)).unwrap();
            tx.send(&Report::Result { worker, value }).unwrap();
        }
        let results =
            results_in_worker_order(&mut rx, 3, Duration::from_secs(10)).unwrap();
        assert_eq!(results, [0.5, 1.5, 2.5]);
    }

    #[test]
    fn a_queue_that_ends_early_is_an_error() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        tx.send(&Report::Result {
            worker: 0,
            value: 1.0,
        })
        .unwrap();
        drop(tx);
        let got = results_in_worker_order(&mut rx, 2, Duration::from_secs(10));
        assert!(matches!(got, Err(RecvError::Closed)), "{got:?}");
    }

    #[test]
    fn notes_round_trip_up_to_the_longest_text() {
        let (mut tx, mut rx) = queue::<Note>().unwrap();
        let longest = "é".repeat(Note::MAX_TEXT / 2);
        for text in ["", "hello", longest.as_str()] {
            tx.send(&Note::new(7, text).unwrap()).unwrap();
            let got = rx.try_recv().unwrap().unwrap();
            assert_eq!((got.worker(), got.text()), (7, text));
        }
    }

    #[test]
    fn the_largest_note_fills_one_write_exactly() {
        let (mut tx, mut rx) = queue::<Note>().unwrap();
        let largest = Note::new(u32::MAX, &"x".repeat(Note::MAX_TEXT)).unwrap();
        assert_eq!(postcard::to_stdvec(&largest).unwrap().len(), MAX_MESSAGE);
        tx.send(&largest).unwrap();
        assert_eq!(rx.try_recv().unwrap(), Some(largest));
    }

    #[test]
    fn a_text_too_long_is_refused() {
        assert!(Note::new(0, &"x".repeat(Note::MAX_TEXT)).is_some());
        assert!(Note::new(0, &"x".repeat(Note::MAX_TEXT + 1)).is_none());
    }

    #[test]
    fn full_size_notes_from_several_threads_never_interleave() {
        const WRITERS: u32 = 4;
        const EACH: usize = 300;
        let (tx, mut rx) = queue::<Note>().unwrap();
        let threads: Vec<_> = (0..WRITERS)
            .map(|w| {
                let mut tx = tx.try_clone().unwrap();
                std::thread::spawn(move || {
                    for i in 0..EACH {
                        // Each note is one byte repeated: any mixing would show.
                        let byte = char::from(b'a' + ((w as usize + i) % 26) as u8);
                        let text = byte.to_string().repeat(Note::MAX_TEXT);
                        tx.send(&Note::new(w, &text).unwrap()).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0usize; WRITERS as usize];
        loop {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(Some(note)) => {
                    let w = note.worker() as usize;
                    let byte = b'a' + ((w + next[w]) % 26) as u8;
                    assert!(note.text().bytes().all(|b| b == byte), "mixed note");
                    next[w] += 1;
                }
                Ok(None) => panic!("no note for 10 s: hang guard"),
                Err(RecvError::Closed) => break,
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(next, [EACH; WRITERS as usize]);
        for thread in threads {
            thread.join().unwrap();
        }
    }
}
