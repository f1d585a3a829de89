//! The messages between a parent and its workers, and their framing: a
//! little-endian `u32` length, then the message in postcard.

use std::io::{self, Read};

use serde::{Deserialize, Serialize};

/// Frames larger than this are refused (a corrupt length, not a message).
pub(crate) const MAX_FRAME: usize = 1 << 30;

/// Parent → worker.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ToWorker<'a> {
    /// Run `name` on a batch of argument tuples (postcard `Vec<Args>`).
    Call {
        id: u64,
        name: &'a str,
        hash: u64,
        #[serde(borrow)]
        batch: &'a [u8],
    },
    /// Finish: the worker exits with status 0 (or `code`).
    Exit { code: i32 },
}

/// Worker → parent.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FromWorker {
    /// The answer to `Call { id, .. }`.
    Reply {
        id: u64,
        body: Result<Vec<u8>, CallError>,
    },
}

/// Why a call produced no results at all.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum CallError {
    /// The worker has no function of that name.
    Unregistered(String),
    /// The worker's function of that name has another signature (the
    /// binary changed under the parent).
    Mismatch(String),
    /// The arguments could not be decoded or the results encoded.
    Codec(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Unregistered(name) => write!(
                f,
                "function `{name}` is not registered in the worker (mark it #[myrt::process_fn])"
            ),
            CallError::Mismatch(name) => write!(
                f,
                "function `{name}` has another signature in the worker: the binary changed"
            ),
            CallError::Codec(why) => f.write_str(why),
        }
    }
}

/// A panic caught in a worker: what crosses back for one call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemotePanic {
    /// The panic message (`"Box<dyn Any>"` for a payload that is no string).
    pub message: String,
    /// `file:line:column`, when the panic hook saw it.
    pub location: Option<String>,
}

/// The results of one batch: all values while no call panicked (8 bytes
/// an item for a `u64`, not a `Result` with two strings), per call once
/// one did.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Batch<R> {
    /// Every call returned.
    AllOk(Vec<R>),
    /// Some call panicked: each call's outcome, in order.
    Mixed(Vec<Result<R, RemotePanic>>),
}

impl<R> Batch<R> {
    /// Each call's outcome, in order.
    pub(crate) fn into_results(self) -> Vec<Result<R, RemotePanic>> {
        match self {
            Batch::AllOk(v) => v.into_iter().map(Ok).collect(),
            Batch::Mixed(v) => v,
        }
    }
}

/// Appends the frame of `msg` to `buf` (which may hold earlier frames).
pub(crate) fn encode<T: Serialize>(msg: &T, buf: &mut Vec<u8>) -> io::Result<()> {
    let start = buf.len();
    buf.extend_from_slice(&[0; 4]);
    // Straight into `buf` (no copy of the payload); a failure takes back
    // only this frame's bytes, the frames before it stay.
    let len = match postcard::to_io(msg, &mut *buf) {
        Ok(_) => buf.len() - start - 4,
        Err(e) => {
            buf.truncate(start);
            return Err(io::Error::other(e));
        }
    };
    if len > MAX_FRAME {
        buf.truncate(start);
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "message too large for a worker frame",
        ));
    }
    let len = u32::try_from(len).map_err(io::Error::other)?;
    buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// The length in a frame header, checked.
pub(crate) fn frame_len(header: [u8; 4]) -> io::Result<usize> {
    let len = u32::from_le_bytes(header) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "corrupt frame length from the other process",
        ));
    }
    Ok(len)
}

/// Reads one frame's payload into `buf` (blocking). `Ok(false)` at a clean
/// end of stream before a header.
pub(crate) fn read_blocking(r: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut header = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = frame_len(header)?;
    buf.clear();
    buf.resize(len, 0);
    r.read_exact(buf)?;
    Ok(true)
}

/// Decodes a frame's payload.
pub(crate) fn decode<'a, T: Deserialize<'a>>(buf: &'a [u8]) -> io::Result<T> {
    postcard::from_bytes(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
