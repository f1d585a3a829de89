//! `read_dir`: directory entries fetched from the blocking pool in batches.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::future::{poll_fn, Future as _};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_core::Stream;

use super::{asyncify, join_error, pool, FileType, Metadata};
use crate::task::JoinHandle;

/// Entries one blocking job reads (one `getdents` buffer holds about this
/// many short names, so a batch costs one or two system calls).
const BATCH: usize = 32;

/// Opens a directory for listing (Python `os.scandir`, `Path.iterdir()`);
/// the entries come from [`ReadDir::next_entry`] or the [`Stream`], in no
/// particular order and without `.` and `..`.
///
/// # Errors
///
/// Whatever [`std::fs::read_dir`] returns (kind
/// [`NotFound`](io::ErrorKind::NotFound) for a missing directory), or the
/// no-runtime error of the [module docs](super).
///
/// # Cancel safety
///
/// Dropping the future after its first poll lets the open finish in the
/// background; the directory handle it opened is closed.
///
/// # Examples
///
/// ```
/// myrt::run(async {
///     let mut entries = myrt::fs::read_dir(".").await?;
///     while let Some(entry) = entries.next_entry().await? {
///         println!("{}", entry.path().display());
///     }
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[doc(alias("scandir", "listdir", "iterdir"))]
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        ready: VecDeque::new(),
        state: State::Idle(Some(std)),
    })
}

/// A directory being listed, from [`read_dir`]: call
/// [`next_entry`](Self::next_entry) until `None`, or use it as a
/// [`Stream`] of `io::Result<DirEntry>`.
///
/// Entries are read 32 at a time by one blocking job and
/// handed out from memory, so listing a large directory costs one pool
/// round trip per batch, not per entry.
pub struct ReadDir {
    /// Entries (or errors) read and not yet handed out.
    ready: VecDeque<io::Result<DirEntry>>,
    state: State,
}

enum State {
    /// No job running; `None` once the directory is exhausted.
    Idle(Option<std::fs::ReadDir>),
    /// A job reading the next batch; it hands the iterator back unless it
    /// reached the end.
    Busy(JoinHandle<Batch>),
}

type Batch = (Vec<io::Result<DirEntry>>, Option<std::fs::ReadDir>);

impl ReadDir {
    /// The next entry, or `None` once every entry has been returned (Python
    /// `next()` on `os.scandir`).
    ///
    /// # Errors
    ///
    /// An error reading the directory (the listing may go on after it), or
    /// the no-runtime error when a new batch is needed outside a runtime
    /// (the listing then ends).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a batch being read when the future is dropped stays in
    /// the `ReadDir`, and the next call returns its entries; none are lost.
    #[doc(alias("__next__"))]
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// The poll form of [`next_entry`](Self::next_entry), for hand-written
    /// futures: `Ready(Ok(None))` at the end.
    ///
    /// # Errors
    ///
    /// As [`next_entry`](Self::next_entry).
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            if let Some(entry) = self.ready.pop_front() {
                return Poll::Ready(entry.map(Some));
            }
            match &mut self.state {
                State::Idle(None) => return Poll::Ready(Ok(None)),
                State::Idle(Some(_)) => {
                    // Check for a runtime before taking the iterator out, so
                    // an error there does not lose it.
                    let pool = pool()?;
                    let State::Idle(Some(mut std)) =
                        std::mem::replace(&mut self.state, State::Idle(None))
                    else {
                        return Poll::Ready(Ok(None));
                    };
                    self.state = State::Busy(pool.spawn_blocking(move || {
                        let mut batch = Vec::with_capacity(BATCH);
                        while batch.len() < BATCH {
                            match std.next() {
                                Some(entry) => batch.push(entry.map(DirEntry::new)),
                                None => return (batch, None),
                            }
                        }
                        (batch, Some(std))
                    }));
                }
                State::Busy(job) => {
                    let done = ready!(Pin::new(job).poll(cx));
                    match done {
                        Ok((batch, rest)) => {
                            self.ready.extend(batch);
                            self.state = State::Idle(rest);
                        }
                        Err(e) => {
                            self.state = State::Idle(None);
                            return Poll::Ready(Err(join_error(e)));
                        }
                    }
                }
            }
        }
    }
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx).map(Result::transpose)
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir")
            .field("buffered", &self.ready.len())
            .field("done", &matches!(self.state, State::Idle(None)))
            .finish_non_exhaustive()
    }
}

/// One entry of a [`ReadDir`] (Python `os.DirEntry`).
///
/// Its [`file_type`](Self::file_type) is read with the batch where the OS
/// gives it for free (Linux and the BSDs do), so asking costs no job.
#[derive(Clone)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    file_type: Option<FileType>,
}

impl DirEntry {
    /// Runs on the blocking pool: `file_type` may stat on some systems.
    fn new(std: std::fs::DirEntry) -> DirEntry {
        let file_type = std.file_type().ok();
        DirEntry {
            std: Arc::new(std),
            file_type,
        }
    }

    /// The full path: the [`read_dir`] argument joined with the file name
    /// (Python `DirEntry.path`).
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The bare file name (Python `DirEntry.name`).
    #[doc(alias("name"))]
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number (Python `DirEntry.inode()`).
    #[cfg(unix)]
    #[doc(alias("inode"))]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }

    /// The entry's metadata, not following a symlink (Python
    /// `DirEntry.stat(follow_symlinks=False)`), from the blocking pool.
    ///
    /// # Errors
    ///
    /// Whatever [`std::fs::DirEntry::metadata`] returns (kind
    /// [`NotFound`](io::ErrorKind::NotFound) if the entry was removed since
    /// it was listed), or the no-runtime error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future after its first poll lets the `stat` finish in
    /// the background; its result is discarded.
    #[doc(alias("stat"))]
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = Arc::clone(&self.std);
        asyncify(move || std.metadata()).await
    }

    /// The entry's type, not following a symlink (Python `DirEntry.is_dir()`,
    /// `is_file()`, `is_symlink()` in one): free when the listing gave it,
    /// else from the blocking pool.
    ///
    /// # Errors
    ///
    /// Whatever [`std::fs::DirEntry::file_type`] returns, or the no-runtime
    /// error (only when a job is needed).
    ///
    /// # Cancel safety
    ///
    /// As [`metadata`](Self::metadata).
    #[doc(alias("is_dir", "is_file", "is_symlink"))]
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(t) = self.file_type {
            return Ok(t);
        }
        let std = Arc::clone(&self.std);
        asyncify(move || std.file_type()).await
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DirEntry").field(&self.path()).finish()
    }
}
