//! `File`: a `std::fs::File` driven from the blocking pool, one job at a
//! time.
//!
//! # The state machine
//!
//! A `File` is either *idle*, holding its buffer, or *busy*, holding the
//! `JoinHandle` of the one blocking job it runs; the job owns the buffer
//! (and a reference to the `std::fs::File`) until it hands both back with
//! the operation's result ([`Op`]). Whoever polls a busy file next waits
//! for that job and takes its result, whatever started it:
//!
//! - a **read** job fills the buffer with up to [`MAX_BUF`] bytes; reads
//!   are then served from it until it is empty (the *read-ahead*);
//! - a **write** is copied into the buffer and accepted at once; its job
//!   writes it out in the background. Its error is returned by the next
//!   operation that finds it (read, write, seek, flush, `sync_all`, …);
//! - a **seek** (and `set_len`, `try_clone`) first discards the read-ahead:
//!   the OS position is that many bytes past the logical one, so the
//!   buffer records the distance (`rewind`) and the next job seeks back by
//!   it before doing anything else. A write does the same, so it lands
//!   where the reader stopped, not where the read-ahead did.
//!
//! Dropping a busy `File` detaches its job, which still owns the file and
//! the buffer: an accepted write is completed, then the file is closed.

use std::fmt;
use std::fs::{Metadata, Permissions};
use std::future::{poll_fn, Future as _};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};
use myrt_sync::Lock;

use super::{join_error, pool, OpenOptions};
use crate::task::JoinHandle;

type StdFile = std::fs::File;

/// The most one read job reads, and one write accepts.
const MAX_BUF: usize = 64 * 1024;

/// The least one read job asks for, so byte-sized reads do not cost a pool
/// round trip each.
const MIN_READ: usize = 8 * 1024;

/// An open file, read, written and seeked through the futures-io traits
/// ([`AsyncReadExt`](crate::io::AsyncReadExt),
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt),
/// [`AsyncSeekExt`](crate::io::AsyncSeekExt)), with the blocking calls on
/// the runtime's blocking pool (Python's file object from `open()`, or
/// aiofiles' async one).
///
/// A `File` runs one blocking operation at a time and buffers at most 64
/// KiB:
///
/// - a read fetches up to 64 KiB and serves later reads from that
///   read-ahead;
/// - a write is copied and accepted at once, then written in the
///   background; its error, if any, is returned by the next operation on
///   the file. [`flush`](crate::io::AsyncWriteExt::flush) waits for it:
///   flush before handing the path to other code, and before dropping the
///   `File` if you want to see the error;
/// - a seek accounts for the read-ahead not yet read.
///
/// Dropping a `File` with a write in flight does not lose the write: the
/// background job completes it and then closes the file. (The one
/// exception is runtime shutdown, which cancels blocking jobs that have not
/// started yet: flush before shutting the runtime down.) Use
/// [`sync_all`](Self::sync_all) for durability, as with `std`.
///
/// # Examples
///
/// ```
/// use myrt::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
/// use myrt::fs::File;
///
/// myrt::run(async {
///     let path = std::env::temp_dir().join(format!("myrt-file-doc-{}", std::process::id()));
///     let mut f = File::create(&path).await?;
///     f.write_all(b"hello, world").await?;
///     f.flush().await?;
///
///     let mut f = File::open(&path).await?;
///     f.seek(SeekFrom::Start(7)).await?;
///     let mut s = String::new();
///     f.read_to_string(&mut s).await?;
///     assert_eq!(s, "world");
///     myrt::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
pub struct File {
    std: Arc<StdFile>,
    /// Locked by the `&self` methods across their `.await`s; the poll
    /// methods have `&mut self` and reach it without locking.
    inner: Lock<Inner>,
}

/// The operation a job did, with its result.
enum Op {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    /// The argument as the caller gave it, so `poll_seek` can tell its own
    /// seek from one whose future was dropped.
    Seek(SeekFrom, io::Result<u64>),
    /// `set_len`, `sync_all`, `sync_data`, `set_permissions`.
    Done(io::Result<()>),
    Metadata(io::Result<Metadata>),
    Clone(io::Result<StdFile>),
}

enum State {
    Idle(Buf),
    Busy(JoinHandle<(Op, Buf)>),
}

struct Inner {
    state: State,
}

/// The one buffer: read-ahead while idle (`data[pos..end]` not yet read),
/// the bytes to write while a write job has it.
#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
    end: usize,
    /// How far the OS position is past the logical one beyond the
    /// read-ahead: read-ahead that was discarded and not yet seeked back.
    rewind: u64,
}

impl Buf {
    fn unread(&self) -> usize {
        self.end - self.pos
    }

    /// Copies read-ahead into `dst`; returns how much.
    fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = self.unread().min(dst.len());
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Drops the read-ahead, remembering to seek back over it.
    fn discard_read_ahead(&mut self) {
        self.rewind += self.unread() as u64;
        self.pos = 0;
        self.end = 0;
    }

    /// Copies up to `MAX_BUF` bytes of `src` in as the bytes to write; the
    /// read-ahead must have been discarded. Returns how many.
    fn fill(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(MAX_BUF);
        if self.data.len() < n {
            self.data.resize(n, 0);
        }
        self.data[..n].copy_from_slice(&src[..n]);
        self.pos = 0;
        self.end = n;
        n
    }

    // ---- the rest runs in blocking jobs ----

    /// Moves the OS position back over discarded read-ahead.
    fn sync_pos(&mut self, mut f: &StdFile) -> io::Result<()> {
        if self.rewind > 0 {
            let back = i64::try_from(self.rewind).map_err(|_| io::ErrorKind::InvalidInput)?;
            f.seek(SeekFrom::Current(-back))?;
            self.rewind = 0;
        }
        Ok(())
    }

    /// Reads up to `want` bytes as the new read-ahead.
    fn read_from(&mut self, mut f: &StdFile, want: usize) -> io::Result<usize> {
        self.sync_pos(f)?;
        if self.data.len() < want {
            self.data.resize(want, 0);
        }
        loop {
            match f.read(&mut self.data[..want]) {
                Ok(n) => {
                    self.pos = 0;
                    self.end = n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes out the bytes `fill` put in; the buffer is empty afterwards,
    /// whatever the result.
    fn write_out(&mut self, mut f: &StdFile) -> io::Result<()> {
        let res = self
            .sync_pos(f)
            .and_then(|()| f.write_all(&self.data[self.pos..self.end]));
        self.pos = 0;
        self.end = 0;
        res
    }
}

impl Inner {
    /// Starts `job` on `pool` with the idle buffer. The caller checked that
    /// the file is idle and got `pool` before changing the buffer, so a
    /// missing runtime loses nothing.
    fn start<F>(&mut self, pool: &myrt_executor::Handle, std: &Arc<StdFile>, job: F)
    where
        F: FnOnce(&StdFile, &mut Buf) -> Op + Send + 'static,
    {
        let mut buf = match &mut self.state {
            State::Idle(buf) => std::mem::take(buf),
            // Callers start only from idle; if one did not, wait for the
            // running job rather than lose it.
            State::Busy(_) => return,
        };
        let std = Arc::clone(std);
        self.state = State::Busy(pool.spawn_blocking(move || {
            let op = job(&std, &mut buf);
            (op, buf)
        }));
    }

    /// Waits for the job in flight, if any, and returns what it did; the
    /// file is idle afterwards. A job that did not finish (the runtime shut
    /// down first) loses its buffer and gives an error.
    fn poll_job(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Op>>> {
        let State::Busy(job) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        let done = ready!(Pin::new(job).poll(cx));
        match done {
            Ok((op, buf)) => {
                self.state = State::Idle(buf);
                Poll::Ready(Ok(Some(op)))
            }
            Err(e) => {
                self.state = State::Idle(Buf::default());
                Poll::Ready(Err(join_error(e)))
            }
        }
    }

    /// Waits until idle, returning the error of a write that was in
    /// flight; results nobody is waiting for any more (of operations whose
    /// futures were dropped) are discarded, but a read's data is kept as
    /// read-ahead.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match ready!(self.poll_job(cx))? {
            Some(Op::Write(Err(e))) => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(())),
        }
    }
}

/// The error for an `Op` of the wrong kind, which `File::run` rules out.
fn wrong_op() -> io::Error {
    io::Error::other("myrt::fs::File: a blocking job returned another operation's result")
}

impl File {
    /// Opens a file for reading (Python `open(path, "rb")`).
    ///
    /// # Errors
    ///
    /// Whatever [`std::fs::File::open`] returns (kind
    /// [`NotFound`](io::ErrorKind::NotFound) for a missing file), or the
    /// no-runtime error of the [module docs](super).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future after its first poll lets the open finish in the
    /// background; the file it opened is closed.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating it or truncating it (Python
    /// `open(path, "wb")`).
    ///
    /// # Errors
    ///
    /// Whatever [`std::fs::File::create`] returns, or the no-runtime error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future after its first poll lets the open finish in the
    /// background (the file may be created or truncated), then closes it.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a new file for writing, failing with kind
    /// [`AlreadyExists`](io::ErrorKind::AlreadyExists) if it exists
    /// (Python `open(path, "xb")`).
    ///
    /// # Errors
    ///
    /// As above, or whatever else [`std::fs::File::create_new`] returns, or
    /// the no-runtime error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future after its first poll lets the open finish in the
    /// background (the file may be created), then closes it.
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// A blank [`OpenOptions`], to open with other modes.
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open `std` file. Its position is where reads and writes
    /// start.
    pub fn from_std(std: StdFile) -> File {
        File {
            std: Arc::new(std),
            inner: Lock::new(Inner {
                state: State::Idle(Buf::default()),
            }),
        }
    }

    /// Waits for the operation in flight, then hands back the `std` file,
    /// positioned where the next read or write of this `File` would have
    /// been (the read-ahead is seeked back over, a cheap non-blocking
    /// `lseek` done on the calling thread).
    ///
    /// An error of the write that was in flight is discarded, and so is
    /// one of that seek: [`flush`](crate::io::AsyncWriteExt::flush) first
    /// to see them.
    ///
    /// # Panics
    ///
    /// Never in practice: if a job still shared the file (which the one-job
    /// design rules out) the descriptor is duplicated instead, and only if
    /// the OS then refuses a new descriptor does this panic.
    ///
    /// # Cancel safety
    ///
    /// The `File` moves into the future: dropping it drops the `File`
    /// (the write in flight still completes).
    pub async fn into_std(mut self) -> StdFile {
        let inner = self.inner.get_mut();
        let _ = poll_fn(|cx| inner.poll_idle(cx)).await;
        if let State::Idle(buf) = &mut inner.state {
            buf.discard_read_ahead();
            let _ = buf.sync_pos(&self.std);
        }
        match Arc::try_unwrap(self.std) {
            Ok(std) => std,
            Err(shared) => shared
                .try_clone()
                .expect("myrt::fs::File::into_std: cannot duplicate the file descriptor"),
        }
    }

    /// Waits for the operation in flight (returning a write error it had),
    /// then runs `job` as the file's one operation and waits for it. If this
    /// future is dropped the job stays the file's operation in flight, so
    /// the next one waits for it.
    async fn run<F>(&self, job: F) -> io::Result<Op>
    where
        F: FnOnce(&StdFile, &mut Buf) -> Op + Send + 'static,
    {
        let mut inner = self.inner.lock().await;
        poll_fn(|cx| inner.poll_idle(cx)).await?;
        let pool = pool()?;
        inner.start(&pool, &self.std, job);
        poll_fn(|cx| inner.poll_job(cx)).await?.ok_or_else(wrong_op)
    }

    /// The file's metadata (Python `os.fstat`), once the write in flight,
    /// if any, is done (so its length counts).
    ///
    /// # Errors
    ///
    /// The error of the write in flight, whatever
    /// [`std::fs::File::metadata`] returns, or the no-runtime error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future after the job started lets it finish in the
    /// background; the result is discarded and the next operation on the
    /// file waits for it.
    #[doc(alias("fstat", "stat"))]
    pub async fn metadata(&self) -> io::Result<Metadata> {
        match self.run(|f, _| Op::Metadata(f.metadata())).await? {
            Op::Metadata(res) => res,
            _ => Err(wrong_op()),
        }
    }

    /// Truncates or extends the file to `size` bytes; the position does not
    /// move (Python `f.truncate(size)`, `os.ftruncate`).
    ///
    /// # Errors
    ///
    /// The error of the write in flight, whatever
    /// [`std::fs::File::set_len`] returns (the file must be open for
    /// writing), or the no-runtime error.
    ///
    /// # Cancel safety
    ///
    /// As [`metadata`](Self::metadata): the length may or may not have been
    /// set.
    #[doc(alias("truncate", "ftruncate"))]
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let op = self
            .run(move |f, buf| {
                buf.discard_read_ahead();
                Op::Done(buf.sync_pos(f).and_then(|()| f.set_len(size)))
            })
            .await?;
        done(op)
    }

    /// Waits for the write in flight, then flushes the file's data and
    /// metadata to the device (Python `os.fsync`).
    ///
    /// # Errors
    ///
    /// The error of the write in flight, whatever
    /// [`std::fs::File::sync_all`] returns, or the no-runtime error.
    ///
    /// # Cancel safety
    ///
    /// As [`metadata`](Self::metadata).
    #[doc(alias("fsync"))]
    pub async fn sync_all(&self) -> io::Result<()> {
        done(self.run(|f, _| Op::Done(f.sync_all())).await?)
    }

    /// Like [`sync_all`](Self::sync_all), but metadata only as far as
    /// needed to read the data back (Python `os.fdatasync`).
    ///
    /// # Errors
    ///
    /// The error of the write in flight, whatever
    /// [`std::fs::File::sync_data`] returns, or the no-runtime error.
    ///
    /// # Cancel safety
    ///
    /// As [`metadata`](Self::metadata).
    #[doc(alias("fdatasync"))]
    pub async fn sync_data(&self) -> io::Result<()> {
        done(self.run(|f, _| Op::Done(f.sync_data())).await?)
    }

    /// Sets the file's permissions (Python `os.fchmod`).
    ///
    /// # Errors
    ///
    /// The error of the write in flight, whatever
    /// [`std::fs::File::set_permissions`] returns, or the no-runtime error.
    ///
    /// # Cancel safety
    ///
    /// As [`metadata`](Self::metadata).
    #[doc(alias("fchmod", "chmod"))]
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        done(
            self.run(move |f, _| Op::Done(f.set_permissions(perm)))
                .await?,
        )
    }

    /// A new `File` for the same open file (Python `os.dup`): both share
    /// the position and flags. The write in flight is finished and the
    /// read-ahead seeked back over first, so the clone starts where this
    /// `File` is; the two buffer independently afterwards.
    ///
    /// # Errors
    ///
    /// The error of the write in flight, whatever
    /// [`std::fs::File::try_clone`] returns, or the no-runtime error.
    ///
    /// # Cancel safety
    ///
    /// As [`metadata`](Self::metadata); a descriptor duplicated after the
    /// future was dropped is closed.
    #[doc(alias("dup"))]
    pub async fn try_clone(&self) -> io::Result<File> {
        let op = self
            .run(|f, buf| {
                buf.discard_read_ahead();
                Op::Clone(buf.sync_pos(f).and_then(|()| f.try_clone()))
            })
            .await?;
        match op {
            Op::Clone(res) => res.map(File::from_std),
            _ => Err(wrong_op()),
        }
    }
}

fn done(op: Op) -> io::Result<()> {
    match op {
        Op::Done(res) => res,
        _ => Err(wrong_op()),
    }
}

/// Reads come from the read-ahead, refilled by one job of up to 64 KiB.
///
/// # Cancel safety
///
/// Cancel safe: if a `read` future is dropped while its job runs, the job
/// still fills the `File`'s buffer, and the next read returns those bytes;
/// nothing is lost or skipped.
impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if dst.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let inner = me.inner.get_mut();
        loop {
            match &mut inner.state {
                State::Idle(buf) if buf.unread() > 0 => {
                    return Poll::Ready(Ok(buf.copy_to(dst)));
                }
                State::Idle(_) => {
                    let pool = pool()?;
                    let want = dst.len().clamp(MIN_READ, MAX_BUF);
                    inner.start(&pool, &me.std, move |f, buf| {
                        Op::Read(buf.read_from(f, want))
                    });
                }
                State::Busy(_) => match ready!(inner.poll_job(cx))? {
                    // Ours, or one of a dropped read: its bytes (none at
                    // end of file) are the answer.
                    Some(Op::Read(Ok(_))) => {
                        if let State::Idle(buf) = &mut inner.state {
                            return Poll::Ready(Ok(buf.copy_to(dst)));
                        }
                    }
                    Some(Op::Read(Err(e)) | Op::Write(Err(e))) => return Poll::Ready(Err(e)),
                    _ => {}
                },
            }
        }
    }
}

/// Writes are copied (up to 64 KiB at a time) and accepted at once, then
/// written by a background job.
///
/// # Cancel safety
///
/// A `write` future is pending only while an earlier operation finishes;
/// dropping it then leaves nothing accepted. Once it returned `Ok(n)` the n
/// bytes will be written even if the `File` is dropped. Dropping a `flush`
/// or `close` future leaves the write running.
impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let inner = me.inner.get_mut();
        loop {
            match &mut inner.state {
                State::Idle(buf) => {
                    let pool = pool()?;
                    buf.discard_read_ahead();
                    let n = buf.fill(src);
                    inner.start(&pool, &me.std, |f, buf| Op::Write(buf.write_out(f)));
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) => ready!(inner.poll_idle(cx))?,
            }
        }
    }

    /// Waits for the write in flight and returns its error, if it had one.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_idle(cx)
    }

    /// As [`poll_flush`](Self::poll_flush); the file is closed when the
    /// `File` is dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Seeks discard the read-ahead (seeking back over its unread bytes), so
/// `SeekFrom::Current` counts from the last byte read.
///
/// # Cancel safety
///
/// Not cancel safe: if a `seek` future is dropped after its job started,
/// the seek still happens and the position is where it went. The next
/// seek with the same argument takes that seek's result instead of seeking
/// again (for `SeekFrom::Current` it moves once, not twice); any other
/// seek runs after it. An absolute seek is always right.
impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        let inner = me.inner.get_mut();
        loop {
            match &mut inner.state {
                State::Idle(buf) => {
                    let pool = pool()?;
                    buf.discard_read_ahead();
                    inner.start(&pool, &me.std, move |mut f, buf| {
                        let res = buf.sync_pos(f).and_then(|()| f.seek(pos));
                        Op::Seek(pos, res)
                    });
                }
                State::Busy(_) => match ready!(inner.poll_job(cx))? {
                    // The same argument: ours (or one identical to ours
                    // whose future was dropped, which did the same seek).
                    Some(Op::Seek(p, res)) if p == pos => return Poll::Ready(res),
                    Some(Op::Write(Err(e))) => return Poll::Ready(Err(e)),
                    _ => {}
                },
            }
        }
    }
}

impl From<StdFile> for File {
    fn from(std: StdFile) -> File {
        File::from_std(std)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("std", &*self.std)
            .finish_non_exhaustive()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}
