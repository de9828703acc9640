//! Step 2: typed messages, each in a frame written with one `write()`.
//!
//! The sender is the lesson's final [`crate::Sender`]: serde turns a message into bytes
//! (postcard, a compact format), a two-byte length goes in front, and the whole frame
//! leaves in one `write()` of at most `PIPE_BUF` bytes, which several writers may
//! share. The receiver here is the simplest that reads frames: it blocks until one is
//! whole.
//!
//! What it lacks is step 3's reason: `recv` waits for as long as any write end is open.
//! A child that crashed while its siblings still run leaves it waiting, and so would a
//! Ctrl-C.

use crate::{HEADER_LEN, Sender, pipe};
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::marker::PhantomData;

/// Makes a queue of `M`: the final [`Sender`], and this step's blocking [`Receiver`].
pub fn queue<M>() -> io::Result<(Sender<M>, Receiver<M>)> {
    let (read_end, write_end) = pipe::pipe()?;
    let receiver = Receiver {
        reader: BufReader::new(File::from(read_end)),
        _message: PhantomData,
    };
    Ok((Sender::new(write_end), receiver))
}

/// The read end, blocking: where the parent gets messages, first in, first out.
pub struct Receiver<M> {
    reader: BufReader<File>,
    _message: PhantomData<fn() -> M>,
}

impl<M: DeserializeOwned> Receiver<M> {
    // ANCHOR: recv
    /// Waits for the next message; `None` once every sender is gone (end-of-file).
    pub fn recv(&mut self) -> io::Result<Option<M>> {
        if self.reader.fill_buf()?.is_empty() {
            return Ok(None);
        }
        let mut header = [0; HEADER_LEN];
        self.reader.read_exact(&mut header)?;
        let mut body = vec![0; usize::from(u16::from_le_bytes(header))];
        self.reader.read_exact(&mut body)?;
        let message = postcard::from_bytes(&body)
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
        Ok(Some(message))
    }
    // ANCHOR_END: recv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PIPE_BUF, Report};
    use serde::{Deserialize, Serialize};
    use std::sync::mpsc;
    use std::time::Duration;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Note {
        worker: u32,
        text: String,
    }

    /// What step 1 got wrong: a newline inside a message is just a byte.
    #[test]
    fn a_message_with_a_newline_arrives_whole() {
        let (mut tx, mut rx) = queue::<Note>().unwrap();
        let note = Note {
            worker: 1,
            text: "two\nlines".into(),
        };
        tx.send(&note).unwrap();
        drop(tx);
        assert_eq!(rx.recv().unwrap(), Some(note));
        assert_eq!(rx.recv().unwrap(), None);
    }

    #[test]
    fn typed_reports_come_out_in_order() {
        let (mut tx, mut rx) = queue::<Report>().unwrap();
        let sent = [
            Report::Progress {
                worker: 0,
                percent: 50.0,
            },
            Report::Result {
                worker: 0,
                value: 9.0,
            },
        ];
        for report in &sent {
            tx.send(report).unwrap();
        }
        drop(tx);
        assert_eq!(rx.recv().unwrap(), Some(sent[0]));
        assert_eq!(rx.recv().unwrap(), Some(sent[1]));
        assert_eq!(rx.recv().unwrap(), None);
    }

    /// Step 1 would have sent this in two or more `write()`s, which another writer's
    /// bytes could land between; a frame refuses it instead, and writes nothing.
    #[test]
    fn a_message_too_large_for_one_write_is_refused() {
        let (mut tx, mut rx) = queue::<Note>().unwrap();
        let note = Note {
            worker: 0,
            text: "x".repeat(PIPE_BUF),
        };
        let err = tx.send(&note).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        drop(tx);
        assert_eq!(rx.recv().unwrap(), None, "nothing was written");
    }

    /// The flaw step 3 fixes: while any write end is open, `recv` has no way to stop
    /// waiting. Here a second sender stays open and silent, as a sibling child would
    /// be.
    #[test]
    fn recv_waits_as_long_as_any_sender_is_open() {
        let (tx, mut rx) = queue::<Report>().unwrap();
        let silent_sibling = tx.try_clone().unwrap();
        drop(tx); // the child that would have sent a result is gone
        let (done, waiting) = mpsc::channel();
        let reader = std::thread::spawn(move || done.send(rx.recv().is_ok()));
        // It cannot return while the sibling lives: no timing bet in this assertion.
        let answer = waiting.recv_timeout(Duration::from_millis(200));
        assert_eq!(answer, Err(mpsc::RecvTimeoutError::Timeout));
        drop(silent_sibling); // now end-of-file comes, and the thread can end
        assert_eq!(waiting.recv_timeout(Duration::from_secs(10)), Ok(true));
        reader.join().unwrap().unwrap();
    }
}
