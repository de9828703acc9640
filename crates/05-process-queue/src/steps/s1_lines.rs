//! Step 1: a queue of text lines over a pipe of its own.
//!
//! The twins' idea, moved off the child's stdout: the parent makes a pipe, hands its
//! write end to the child ([`Sender::inherit`]), and reads lines from the other end
//! until end-of-file. What it lacks is step 2's reason: a message is whatever text the
//! sender wrote, so a newline inside one splits it, and every reader parses text by
//! hand.

use crate::pipe;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::process::Command;

/// Makes a queue of lines: a pipe whose write end is the [`Sender`], read end the
/// [`Receiver`]; both close-on-exec (see [`pipe::pipe`]).
pub fn queue() -> io::Result<(Sender, Receiver)> {
    let (read_end, write_end) = pipe::pipe()?;
    let receiver = Receiver(BufReader::new(File::from(read_end)));
    Ok((Sender(File::from(write_end)), receiver))
}

// ANCHOR: lines
/// The write end: where a child puts lines.
pub struct Sender(File);

impl Sender {
    /// Sends `line` and a newline with one `write()` (one buffer, one `write_all`).
    pub fn send(&mut self, line: &str) -> io::Result<()> {
        self.0.write_all(format!("{line}\n").as_bytes())
    }
}

/// The read end: where the parent gets lines, first in, first out.
pub struct Receiver(BufReader<File>);

impl Receiver {
    /// Waits for the next line; `None` once every sender is gone (end-of-file).
    pub fn recv(&mut self) -> io::Result<Option<String>> {
        let mut line = String::new();
        if self.0.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        line.pop(); // the newline
        Ok(Some(line))
    }
}
// ANCHOR_END: lines

impl Sender {
    /// Prepares `command` so that its child inherits this sender; returns the
    /// descriptor number to tell the child (see [`pipe::inherit`]).
    pub fn inherit(&self, command: &mut Command) -> io::Result<RawFd> {
        pipe::inherit(self.0.as_fd(), command)
    }

    /// The child's side of [`Sender::inherit`].
    ///
    /// # Safety
    ///
    /// As for [`pipe::take_inherited`]: `fd` is ours to own, and nothing else uses it.
    pub unsafe fn from_inherited(fd: RawFd) -> io::Result<Self> {
        // SAFETY: the caller's promise, passed on.
        let fd: OwnedFd = unsafe { pipe::take_inherited(fd)? };
        Ok(Sender(File::from(fd)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Stdio;

    #[test]
    fn lines_come_out_in_order_then_end_of_file() {
        let (mut tx, mut rx) = queue().unwrap();
        for line in ["progression 50", "progression 100", "result 9"] {
            tx.send(line).unwrap();
        }
        drop(tx);
        assert_eq!(rx.recv().unwrap().as_deref(), Some("progression 50"));
        assert_eq!(rx.recv().unwrap().as_deref(), Some("progression 100"));
        assert_eq!(rx.recv().unwrap().as_deref(), Some("result 9"));
        assert_eq!(rx.recv().unwrap(), None);
    }

    #[test]
    fn a_child_writes_lines_into_the_queue() {
        let (tx, mut rx) = queue().unwrap();
        let mut command = Command::new("sh");
        let fd = tx.inherit(&mut command).unwrap();
        command
            .args([
                "-c",
                &format!(
                    "echo 'progression 50' >/dev/fd/{fd}; echo 'result 9' >/dev/fd/{fd}"
                ),
            ])
            .stdout(Stdio::null());
        let mut child = command.spawn().unwrap();
        drop(command);
        drop(tx);
        assert_eq!(rx.recv().unwrap().as_deref(), Some("progression 50"));
        assert_eq!(rx.recv().unwrap().as_deref(), Some("result 9"));
        assert_eq!(rx.recv().unwrap(), None, "the child is gone: end-of-file");
        assert!(child.wait().unwrap().success());
    }

    /// The flaw step 2 fixes: the text is the framing, so a message that contains a
    /// newline arrives as two.
    #[test]
    fn a_newline_inside_a_message_splits_it() {
        let (mut tx, mut rx) = queue().unwrap();
        tx.send("note two\nlines").unwrap();
        assert_eq!(rx.recv().unwrap().as_deref(), Some("note two"));
        assert_eq!(rx.recv().unwrap().as_deref(), Some("lines"));
    }
}
