//! Reading into the read buffers of hyper and tokio, which hand out
//! uninitialised memory and must be told how much of it was filled.
//!
//! Every `read` closure given here writes only initialised bytes into the
//! room it is handed (a `read(2)`, or a reader given a slice that was
//! zeroed first) and returns how many it wrote at the room's start; the
//! counts passed on to the foreign buffers are exactly those.
#![allow(unsafe_code)] // advancing foreign read buffers over bytes a read(2) wrote

#[cfg(any(feature = "hyper", feature = "tokio-io"))]
use std::io;
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
use std::mem::MaybeUninit;
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
use std::task::{Context, Poll};

/// Runs `read` over `room` and returns its count, checked against the
/// room's size (a larger count would let the caller advance a foreign
/// buffer over bytes nobody wrote).
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
fn checked_read<B>(
    cx: &mut Context<'_>,
    room: &mut [B],
    read: impl FnOnce(&mut Context<'_>, &mut [B]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<usize>> {
    let len = room.len();
    let n = std::task::ready!(read(cx, room))?;
    assert!(
        n <= len,
        "a read reported more bytes than it was given room for"
    );
    Poll::Ready(Ok(n))
}

/// Reads into hyper's cursor without initialising it: `read` must write
/// only initialised bytes and return how many it wrote at the start.
#[cfg(feature = "hyper")]
pub(crate) fn hyper_read_uninit(
    cx: &mut Context<'_>,
    mut cursor: hyper::rt::ReadBufCursor<'_>,
    read: impl FnOnce(&mut Context<'_>, &mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    // SAFETY: hyper requires that no initialised byte be de-initialised
    // through this slice; `read` only writes initialised bytes (this
    // module's contract), so that holds.
    let room = unsafe { cursor.as_mut() };
    let n = std::task::ready!(checked_read(cx, room, read))?;
    // SAFETY: `read` initialised the first `n` bytes of the unfilled part
    // (`checked_read` checked that `n` fits).
    unsafe { cursor.advance(n) };
    Poll::Ready(Ok(()))
}

/// Reads into hyper's cursor through a reader that needs initialised
/// memory (a `futures-io` reader): the cursor zeroes what it has not
/// initialised before, once.
#[cfg(feature = "hyper")]
pub(crate) fn hyper_read_init(
    cx: &mut Context<'_>,
    mut cursor: hyper::rt::ReadBufCursor<'_>,
    read: impl FnOnce(&mut Context<'_>, &mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    let room = cursor.initialize_unfilled();
    let n = std::task::ready!(checked_read(cx, room, read))?;
    // SAFETY: `initialize_unfilled` initialised the whole unfilled part,
    // of which the first `n` bytes (checked to fit) are now the data read.
    unsafe { cursor.advance(n) };
    Poll::Ready(Ok(()))
}

/// Reads into hyper's cursor through a tokio reader, whose `ReadBuf` may
/// start uninitialised too.
#[cfg(all(feature = "hyper", feature = "tokio-io"))]
pub(crate) fn hyper_read_tokio<R: tokio::io::AsyncRead + ?Sized>(
    reader: std::pin::Pin<&mut R>,
    cx: &mut Context<'_>,
    mut cursor: hyper::rt::ReadBufCursor<'_>,
) -> Poll<io::Result<()>> {
    // SAFETY: tokio's `ReadBuf` never de-initialises the bytes of the
    // slice it wraps (its own contract, also asked of every `AsyncRead`).
    let room = unsafe { cursor.as_mut() };
    let mut buf = tokio::io::ReadBuf::uninit(room);
    match reader.poll_read(cx, &mut buf) {
        Poll::Ready(Ok(())) => {}
        other => return other,
    }
    let n = buf.filled().len();
    // SAFETY: tokio's `ReadBuf` counts as filled only initialised bytes,
    // at the start of the room it was given.
    unsafe { cursor.advance(n) };
    Poll::Ready(Ok(()))
}

/// Reads into tokio's `ReadBuf` without initialising it: `read` must write
/// only initialised bytes and return how many it wrote at the start.
#[cfg(feature = "tokio-io")]
pub(crate) fn tokio_read_uninit(
    cx: &mut Context<'_>,
    buf: &mut tokio::io::ReadBuf<'_>,
    read: impl FnOnce(&mut Context<'_>, &mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    // SAFETY: tokio requires that no initialised byte be de-initialised
    // through this slice; `read` only writes initialised bytes.
    let room = unsafe { buf.unfilled_mut() };
    let n = std::task::ready!(checked_read(cx, room, read))?;
    // SAFETY: `read` initialised the first `n` bytes (checked to fit) of
    // the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Poll::Ready(Ok(()))
}
