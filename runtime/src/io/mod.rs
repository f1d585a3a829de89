//! Async I/O: the `futures-io` traits, their extension traits and helpers
//! (re-exported from `futures-util`, so the futures ecosystem works on
//! myrt as is), and [`AsyncFd`] to make any file descriptor async.
//!
//! # Examples
//!
//! ```no_run
//! use myrt::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//! use myrt::net::TcpStream;
//! use myrt::io::StreamExt;
//!
//! myrt::run(async {
//!     let stream = TcpStream::connect("127.0.0.1:7000").await.unwrap();
//!     let (r, mut w) = stream.into_split();
//!     w.write_all(b"hello\n").await.unwrap();
//!     let mut lines = BufReader::new(r).lines();
//!     while let Some(line) = lines.next().await {
//!         println!("{}", line.unwrap());
//!     }
//! });
//! ```

mod async_fd;
pub(crate) mod compat;
mod copy_bidi;
pub(crate) mod read_buf;

pub use async_fd::{AsyncFd, AsyncFdReadyGuard, TryIoError};
pub use copy_bidi::copy_bidirectional;
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_util::io::{
    copy, copy_buf, empty, repeat, sink, AllowStdIo, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt,
    AsyncWriteExt, BufReader, BufWriter, Cursor, Lines, ReadHalf, ReuniteError, WriteHalf,
};
/// `next()` and friends, to iterate the [`Lines`] stream of
/// [`AsyncBufReadExt::lines`].
pub use futures_util::stream::StreamExt;
pub use read_buf::ReadBuf;

/// Splits a read+write object into a read half and a write half that can be
/// used from two tasks (a lock shared by both halves; for sockets prefer
/// their own `split`/`into_split`, which need no lock).
///
/// # Examples
///
/// ```no_run
/// use myrt::io::{split, AsyncWriteExt};
/// myrt::run(async {
///     let (a, _b) = myrt::net::UnixStream::pair().unwrap();
///     let (_r, mut w) = split(a);
///     w.write_all(b"x").await.unwrap();
/// });
/// ```
pub fn split<T: AsyncRead + AsyncWrite>(stream: T) -> (ReadHalf<T>, WriteHalf<T>) {
    AsyncReadExt::split(stream)
}
