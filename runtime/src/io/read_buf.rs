//! [`ReadBuf`]: a buffer that may start uninitialised, and the one read
//! syscall that fills it without zeroing it first.
#![allow(unsafe_code)] // read(2) into memory it may not have initialised; `ReadBuf` tracks which bytes are

use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::RawFd;

/// A read buffer that need not be initialised: the bytes read so far
/// (`filled`), then room for more that may hold garbage (tokio's
/// `ReadBuf`, hyper's `ReadBufCursor`).
///
/// Streams' `poll_read_buf`/`try_read_buf`/`read_buf` read straight into
/// the room left, so a server reading into a fresh buffer does not pay for
/// zeroing it on every read.
///
/// # Examples
///
/// ```
/// use myrt::io::ReadBuf;
/// use std::mem::MaybeUninit;
///
/// let mut storage = [MaybeUninit::<u8>::uninit(); 16];
/// let mut buf = ReadBuf::uninit(&mut storage);
/// buf.put_slice(b"abc");
/// assert_eq!(buf.filled(), b"abc");
/// assert_eq!(buf.remaining(), 13);
/// ```
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    /// `buf[..init]` is initialised; `filled <= init`.
    init: usize,
}

impl<'a> ReadBuf<'a> {
    /// A buffer over initialised bytes, empty (nothing filled yet).
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let init = buf.len();
        // SAFETY: `[u8]` and `[MaybeUninit<u8>]` have the same layout, and
        // this buffer only ever writes initialised bytes into it, so the
        // caller's `&mut [u8]` stays initialised.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            init,
        }
    }

    /// A buffer over memory that may be uninitialised, empty.
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            init: 0,
        }
    }

    /// The whole buffer's size.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The bytes read so far.
    pub fn filled(&self) -> &[u8] {
        // SAFETY: `buf[..filled]` is initialised (`filled <= init`).
        unsafe { &*(&self.buf[..self.filled] as *const [MaybeUninit<u8>] as *const [u8]) }
    }

    /// The room left after the filled part.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.filled
    }

    /// Forgets what was filled (the bytes stay initialised).
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Appends `bytes`.
    ///
    /// # Panics
    ///
    /// If `bytes` is longer than [`remaining`](Self::remaining): a
    /// programmer error (check `remaining` first).
    pub fn put_slice(&mut self, bytes: &[u8]) {
        assert!(
            bytes.len() <= self.remaining(),
            "ReadBuf::put_slice: {} bytes do not fit in the {} left",
            bytes.len(),
            self.remaining()
        );
        let end = self.filled + bytes.len();
        for (dst, &src) in self.buf[self.filled..end].iter_mut().zip(bytes) {
            dst.write(src);
        }
        self.filled = end;
        self.init = self.init.max(end);
    }

    /// Runs `read(fd, room)` and counts the bytes it wrote as filled.
    pub(crate) fn read_from_fd(&mut self, fd: RawFd) -> io::Result<usize> {
        let room = &mut self.buf[self.filled..];
        // SAFETY: `room` is valid for writes of `room.len()` bytes (a
        // unique borrow of them); read(2) writes at most that many and
        // never reads them, so their being uninitialised is fine.
        let n = unsafe { libc::read(fd, room.as_mut_ptr().cast(), room.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        debug_assert!(n <= room.len());
        // read(2) initialised the first `n` bytes of `room`.
        self.filled += n;
        self.init = self.init.max(self.filled);
        Ok(n)
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("capacity", &self.buf.len())
            .finish()
    }
}

/// Reads from `fd` into the spare capacity of `vec` and grows its length by
/// what was read (tokio's `read_buf(&mut Vec)`); with no spare capacity,
/// reserves 8 KiB first.
pub(crate) fn read_fd_into_vec(fd: RawFd, vec: &mut Vec<u8>) -> io::Result<usize> {
    if vec.capacity() == vec.len() {
        vec.reserve(8 * 1024);
    }
    let mut buf = ReadBuf::uninit(vec.spare_capacity_mut());
    let n = buf.read_from_fd(fd)?;
    let len = vec.len() + n;
    // SAFETY: read(2) initialised the first `n` bytes of the spare
    // capacity, so `vec[..len]` is initialised, and `len <= capacity`.
    unsafe { vec.set_len(len) };
    Ok(n)
}

/// The unfilled room of `buf` as the `&mut [MaybeUninit<u8>]` foreign read
/// buffers hand out, and a way to count `n` bytes written there as filled;
/// for the hyper and tokio adapters.
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
pub(crate) mod raw {
    use std::mem::MaybeUninit;
    use std::os::fd::RawFd;

    /// `read(fd, room)`; the count of bytes it initialised at the start of
    /// `room`.
    pub(crate) fn read(fd: RawFd, room: &mut [MaybeUninit<u8>]) -> std::io::Result<usize> {
        super::ReadBuf::uninit(room).read_from_fd(fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_read_fills_uninitialised_room_and_counts_only_what_it_wrote() {
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.write_all(b"hello").unwrap();
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.put_slice(b">");
        assert_eq!(buf.read_from_fd(b.as_raw_fd()).unwrap(), 5);
        assert_eq!(buf.filled(), b">hello");
        assert_eq!(buf.remaining(), 2);
        a.write_all(b"abc").unwrap();
        // Only two bytes of room: the rest stays in the socket.
        assert_eq!(buf.read_from_fd(b.as_raw_fd()).unwrap(), 2);
        assert_eq!(buf.filled(), b">helloab");
        assert_eq!(buf.read_from_fd(b.as_raw_fd()).unwrap(), 0);
        buf.clear();
        assert_eq!(buf.filled(), b"");
        assert_eq!(buf.capacity(), 8);
    }

    #[test]
    fn vec_spare_capacity_grows_by_what_was_read() {
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.write_all(b"xyz").unwrap();
        let mut v = b"ab".to_vec();
        v.shrink_to_fit();
        assert_eq!(read_fd_into_vec(b.as_raw_fd(), &mut v).unwrap(), 3);
        assert_eq!(v, b"abxyz");
        drop(a);
        assert_eq!(read_fd_into_vec(b.as_raw_fd(), &mut v).unwrap(), 0);
        assert_eq!(v, b"abxyz");
    }

    #[test]
    #[should_panic(expected = "do not fit")]
    fn put_slice_past_the_end_is_a_programmer_error() {
        let mut storage = [0u8; 2];
        let mut buf = ReadBuf::new(&mut storage);
        buf.put_slice(b"abc");
    }
}
