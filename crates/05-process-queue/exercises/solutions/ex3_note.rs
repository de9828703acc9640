//! Exercise 3: a message with text.
//!
//! A worker wants to send a line of text, a `Note`. Text has no fixed size, and a frame
//! must fit in one atomic write (`PIPE_BUF` bytes, the length header included) to stay
//! whole when several workers share the queue. serde puts the text's length in front
//! of it; what is left to you is the bound.

use process_queue::MAX_MESSAGE;
use serde::{Deserialize, Serialize};

// ANCHOR: note
/// A line of text from a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    worker: u32,
    text: String,
}

impl Note {
    /// The longest text (in bytes) that keeps a whole frame within one atomic write,
    /// whatever the worker's number.
    // TODO: work out the bound: at most how many bytes does postcard use for the
    // worker, and for the text's length? (It writes integers as varints: 7 bits a
    // byte.) Then write `new`.
    // SOLUTION: pub const MAX_TEXT: usize = 0;
    // The worker takes at most 5 bytes (a varint u32), and the text's length 2 (a
    // varint, for any length below 16384).
    pub const MAX_TEXT: usize = MAX_MESSAGE - 5 - 2;
    // END SOLUTION

    /// A note, or `None` if `text` is longer than [`Note::MAX_TEXT`] bytes.
    pub fn new(worker: u32, text: &str) -> Option<Self> {
        // SOLUTION
        (text.len() <= Self::MAX_TEXT).then(|| Note {
            worker,
            text: text.to_string(),
        })
        // END SOLUTION
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
    use process_queue::{RecvError, queue};
    use std::time::Duration;

    #[test]
    fn a_text_too_long_is_refused() {
        assert!(Note::new(0, &"x".repeat(Note::MAX_TEXT)).is_some());
        assert!(Note::new(0, &"x".repeat(Note::MAX_TEXT + 1)).is_none());
    }

    #[test]
    fn the_largest_note_fills_one_write_exactly() {
        let largest = Note::new(u32::MAX, &"x".repeat(Note::MAX_TEXT)).unwrap();
        assert_eq!(postcard::to_stdvec(&largest).unwrap().len(), MAX_MESSAGE);
        let (mut tx, mut rx) = queue::<Note>().unwrap();
        tx.send(&largest).unwrap();
        assert_eq!(rx.try_recv().unwrap(), Some(largest));
    }

    #[test]
    fn notes_round_trip_up_to_the_longest_text() {
        let (mut tx, mut rx) = queue::<Note>().unwrap();
        // Two bytes a character: the length counts bytes, not characters.
        let longest = "é".repeat(Note::MAX_TEXT / 2);
        for text in ["", "hello", longest.as_str()] {
            tx.send(&Note::new(7, text).unwrap()).unwrap();
            let got = rx.try_recv().unwrap().unwrap();
            assert_eq!((got.worker(), got.text()), (7, text));
        }
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
