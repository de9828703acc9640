//! Bytes kept inline when there are few. Most tasks' arguments and results are a
//! number or two, and their requests a few bytes more: a heap allocation for each,
//! made on one thread and freed on another, costs more than such a task itself.

use crate::wire::{HEADER_LEN, push_frame};
use serde::Serialize;
use std::io;
use std::ops::Deref;

// ANCHOR: bytes
/// How many bytes fit inline.
const INLINE: usize = 30;

/// An argument's, a request's or a result's bytes: inline up to [`INLINE`] bytes, else
/// on the heap. Either way they read as a `&[u8]` (see `Deref` below).
#[derive(Debug)]
pub(crate) enum Bytes {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Vec<u8>),
}

impl Bytes {
    /// `value`'s postcard bytes.
    pub fn encode(value: &impl Serialize) -> postcard::Result<Bytes> {
        let mut bytes = [0; INLINE];
        match postcard::to_slice(value, &mut bytes) {
            Ok(used) => {
                let len = used.len() as u8;
                Ok(Bytes::Inline { len, bytes })
            }
            Err(postcard::Error::SerializeBufferFull) => {
                postcard::to_stdvec(value).map(Bytes::Heap)
            }
            Err(err) => Err(err),
        }
    }

    /// `message` as one frame, as [`push_frame`] writes it: its length, then its bytes.
    pub fn frame(message: &impl Serialize) -> io::Result<Bytes> {
        let mut bytes = [0; INLINE];
        match postcard::to_slice(message, &mut bytes[HEADER_LEN..]) {
            Ok(body) => {
                let len = body.len();
                bytes[..HEADER_LEN].copy_from_slice(&(len as u32).to_le_bytes());
                let len = (HEADER_LEN + len) as u8;
                Ok(Bytes::Inline { len, bytes })
            }
            Err(postcard::Error::SerializeBufferFull) => {
                let mut frame = Vec::new();
                push_frame(&mut frame, message)?;
                Ok(Bytes::Heap(frame))
            }
            Err(err) => Err(io::Error::other(err)),
        }
    }
}
// ANCHOR_END: bytes

impl From<&[u8]> for Bytes {
    fn from(slice: &[u8]) -> Bytes {
        let mut bytes = [0; INLINE];
        match bytes.get_mut(..slice.len()) {
            Some(inline) => {
                inline.copy_from_slice(slice);
                let len = slice.len() as u8;
                Bytes::Inline { len, bytes }
            }
            None => Bytes::Heap(slice.to_vec()),
        }
    }
}

impl Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Bytes::Heap(vec) => vec,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_stay_inline_and_large_ones_go_to_the_heap() {
        let small = Bytes::encode(&12_345u64).unwrap();
        assert!(matches!(small, Bytes::Inline { .. }));
        assert_eq!(postcard::from_bytes::<u64>(&small).unwrap(), 12_345);
        let large = Bytes::encode(&vec![7u64; 100]).unwrap();
        assert!(matches!(large, Bytes::Heap(_)));
        assert_eq!(postcard::from_bytes::<Vec<u64>>(&large).unwrap(), [7; 100]);
        for len in [0, 1, INLINE - HEADER_LEN - 1, INLINE - HEADER_LEN, INLINE] {
            let text = "x".repeat(len);
            let mut frame = Vec::new();
            push_frame(&mut frame, &text).unwrap();
            assert_eq!(&*Bytes::frame(&text).unwrap(), &frame[..]);
        }
        for len in [0, 1, INLINE, INLINE + 1] {
            let raw = vec![3u8; len];
            assert_eq!(&*Bytes::from(&raw[..]), &raw[..]);
        }
    }
}
