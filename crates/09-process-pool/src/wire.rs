//! What crosses the pipes between the pool and a worker: frames of postcard bytes.
//!
//! Each worker has two pipes of its own: requests go down its stdin, replies come up
//! its stdout. One reader and one writer per pipe, so unlike lesson 5's shared queue no
//! frame size limit is needed: a frame is its length (4 bytes, little-endian), then
//! the message.

use crate::task::Failure;
use serde::{Deserialize, Serialize};
use std::io::{self, Read};

// ANCHOR: messages
/// The pool asks a worker to run the task called `task` on `arg`, the bytes of its
/// argument. `id` comes back with the reply.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Request<'a> {
    pub id: u64,
    pub task: &'a str,
    #[serde(serialize_with = "bytes")]
    pub arg: &'a [u8],
}

/// A worker's answer.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply<'a> {
    /// Sent once, first: the worker is up and serving.
    Ready,
    /// Task `id` returned; the bytes of its result.
    Done {
        id: u64,
        #[serde(serialize_with = "bytes")]
        result: &'a [u8],
    },
    /// Task `id` did not return a result, and the worker lives on.
    Failed { id: u64, failure: Failure },
}
// ANCHOR_END: messages

/// Writes a `&[u8]` as bytes, copied at once. (By default serde writes it as a
/// sequence, one `u8` at a time; postcard's bytes are the same either way.)
fn bytes<S: serde::Serializer>(bytes: &&[u8], to: S) -> Result<S::Ok, S::Error> {
    to.serialize_bytes(bytes)
}

/// Bytes in front of every message: its length.
pub const HEADER_LEN: usize = 4;

// ANCHOR: frames
/// Appends `message` to `out` as one frame: its length, then its postcard bytes.
/// Several frames may be appended and then written with one `write_all`.
pub fn push_frame(out: &mut Vec<u8>, message: &impl Serialize) -> io::Result<()> {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_LEN]);
    postcard::to_io(message, &mut *out).map_err(io::Error::other)?;
    let len = u32::try_from(out.len() - start - HEADER_LEN)
        .map_err(|_| io::Error::other("a message over 4 GiB"))?;
    out[start..start + HEADER_LEN].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// Reads frames from a pipe: many per `read()`, handed out one at a time.
pub struct FrameReader<R> {
    pipe: R,
    buf: Vec<u8>,
    /// `buf[start..end]` has been read and not handed out yet.
    start: usize,
    end: usize,
}

impl<R: Read> FrameReader<R> {
    pub fn new(pipe: R) -> Self {
        FrameReader {
            pipe,
            buf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
        }
    }

    /// The next whole frame's message bytes already read, if there is one.
    pub fn next_frame(&mut self) -> Option<&[u8]> {
        let waiting = &self.buf[self.start..self.end];
        let header = waiting.first_chunk::<HEADER_LEN>()?;
        let len = u32::from_le_bytes(*header) as usize;
        waiting.get(HEADER_LEN..HEADER_LEN + len)?;
        let body = self.start + HEADER_LEN;
        self.start = body + len;
        Some(&self.buf[body..body + len])
    }

    /// One `read()` from the pipe, after what is waiting: `Ok(0)` is end-of-file.
    /// Call it when [`FrameReader::next_frame`] has nothing.
    pub fn fill(&mut self) -> io::Result<usize> {
        // Keep the unfinished frame, and make room for all of it.
        self.buf.copy_within(self.start..self.end, 0);
        (self.start, self.end) = (0, self.end - self.start);
        if let Some(header) = self.buf[..self.end].first_chunk::<HEADER_LEN>() {
            let need = HEADER_LEN + u32::from_le_bytes(*header) as usize;
            if need > self.buf.len() {
                self.buf.resize(need, 0);
            }
        }
        loop {
            match self.pipe.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
        }
    }

    /// True if part of a frame was read and not the rest: at end-of-file, a message
    /// was cut short.
    pub fn inside_a_frame(&self) -> bool {
        self.end > self.start
    }

    /// The pipe itself, e.g. to poll it.
    pub fn get_ref(&self) -> &R {
        &self.pipe
    }
}
// ANCHOR_END: frames

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_out_as_they_went_in_even_a_byte_at_a_time() {
        let mut bytes = Vec::new();
        let arg = [7u8; 3];
        for id in 0..3 {
            let request = Request {
                id,
                task: "double",
                arg: &arg,
            };
            push_frame(&mut bytes, &request).unwrap();
        }
        // A pipe that hands out one byte per read: every frame spans many reads.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let mut reader = FrameReader::new(Trickle(&bytes));
        let mut ids = Vec::new();
        loop {
            if let Some(frame) = reader.next_frame() {
                let request: Request = postcard::from_bytes(frame).unwrap();
                assert_eq!((request.task, request.arg), ("double", &arg[..]));
                ids.push(request.id);
            } else if reader.fill().unwrap() == 0 {
                break;
            }
        }
        assert_eq!(ids, [0, 1, 2]);
        assert!(!reader.inside_a_frame());
    }

    #[test]
    fn a_frame_larger_than_the_buffer_arrives_whole() {
        let big = vec![1u8; 200_000];
        let mut bytes = Vec::new();
        push_frame(
            &mut bytes,
            &Reply::Done {
                id: 1,
                result: &big,
            },
        )
        .unwrap();
        let mut reader = FrameReader::new(&bytes[..]);
        while reader.next_frame().is_none() {
            assert_ne!(reader.fill().unwrap(), 0, "end-of-file inside the frame");
        }
    }

    #[test]
    fn a_request_is_a_few_bytes() {
        // The length (4), id 0 (1), the name (1 + 12), the argument's bytes (1 + 2,
        // 10000 as a varint): 21 bytes. Python's executor pickles a call item of 131.
        let arg = postcard::to_stdvec(&10_000u64).unwrap();
        let mut bytes = Vec::new();
        let request = Request {
            id: 0,
            task: "count_primes",
            arg: &arg,
        };
        push_frame(&mut bytes, &request).unwrap();
        assert_eq!(bytes.len(), 21);
    }
}
