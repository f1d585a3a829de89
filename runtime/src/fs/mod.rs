//! Async files and directories: `std::fs` run on the runtime's blocking
//! pool, in the shape of `tokio::fs`.
//!
//! asyncio has no file I/O of its own (the OS offers no readiness events for
//! regular files); Python programs use `open()`, `pathlib`, `os` and
//! `shutil` from a thread, or the `aiofiles` package, which does just that.
//! myrt does the same: every call here hands one `std::fs` call to the
//! blocking pool ([`crate::task::spawn_blocking`]) and awaits it, so a task
//! never blocks its worker on the disk.
//!
//! | Python (`open`, `pathlib`, `os`, `shutil`, aiofiles) | myrt |
//! | --- | --- |
//! | `Path.read_bytes()`, `aiofiles.open(p, "rb")` + `read()` | [`read`] |
//! | `Path.read_text()` | [`read_to_string`] |
//! | `Path.write_bytes(b)`, `Path.write_text(s)` | [`write()`] |
//! | `os.stat`, `Path.stat()`, `aiofiles.os.stat` | [`metadata`] |
//! | `os.lstat`, `Path.lstat()` | [`symlink_metadata`] |
//! | `os.scandir`, `Path.iterdir()`, `aiofiles.os.scandir` | [`read_dir`], [`ReadDir`], [`DirEntry`] (`os.DirEntry`) |
//! | `os.mkdir`, `Path.mkdir()` | [`create_dir`] |
//! | `os.makedirs(p, exist_ok=True)`, `Path.mkdir(parents=True, exist_ok=True)` | [`create_dir_all`] |
//! | `os.remove`, `os.unlink`, `Path.unlink()` | [`remove_file`] |
//! | `os.rmdir`, `Path.rmdir()` | [`remove_dir`] |
//! | `shutil.rmtree` | [`remove_dir_all`] |
//! | `os.replace` (`os.rename` on POSIX), `Path.replace()` | [`rename`] |
//! | `shutil.copy` (contents and permission bits) | [`copy`] |
//! | `os.link`, `Path.hardlink_to()` | [`hard_link`] |
//! | `os.path.realpath(p, strict=True)`, `Path.resolve(strict=True)` | [`canonicalize`] |
//! | `os.path.exists`, `Path.exists()` (but errors are reported) | [`try_exists`] |
//! | `os.chmod`, `Path.chmod()` | [`set_permissions`] |
//! | `os.readlink`, `Path.readlink()` | [`read_link`] |
//! | `open(p, "rb")`, `open(p, "wb")`, `aiofiles.open` | [`File::open`], [`File::create`] |
//! | the `mode` string of `open()` (`"a"`, `"x"`, `"r+"`) | [`OpenOptions`] |
//! | `f.read()`, `f.write()`, `f.seek()`, `f.flush()` | [`crate::io::AsyncReadExt`], [`crate::io::AsyncWriteExt`], [`crate::io::AsyncSeekExt`] on [`File`] |
//! | `os.fsync(f)`, `os.fdatasync(f)` | [`File::sync_all`], [`File::sync_data`] |
//! | `f.truncate(n)`, `os.ftruncate` | [`File::set_len`] |
//! | `os.fstat(f)` | [`File::metadata`] |
//! | `os.dup(fd)` | [`File::try_clone`] |
//!
//! Every function needs a runtime (multi-thread or current-thread): called
//! outside one it fails with an [`io::Error`] of kind
//! [`Other`](io::ErrorKind::Other) wrapping [`NoRuntime`](crate::runtime::NoRuntime),
//! when first polled. It never panics and never hangs for that.
//!
//! # Cancel safety
//!
//! The blocking job cannot be stopped once it has started: dropping one of
//! these futures after its first poll lets the job finish in the
//! background (the file is written, the directory made, …) and discards
//! its result. [`File`] and [`ReadDir`] keep their job in themselves, so
//! their reads lose nothing; see their methods.
//!
//! Jobs of different calls run on different pool threads in no fixed
//! order: a file written by one task and read by another needs the writer
//! to have finished (for a [`File`], [`flush`](crate::io::AsyncWriteExt::flush)
//! it) first.
//!
//! # Examples
//!
//! ```
//! use myrt::io::{AsyncReadExt, AsyncWriteExt};
//!
//! myrt::run(async {
//!     let dir = std::env::temp_dir().join(format!("myrt-fs-doc-{}", std::process::id()));
//!     myrt::fs::create_dir_all(&dir).await?;
//!
//!     myrt::fs::write(dir.join("a.txt"), "hello").await?;
//!     let mut f = myrt::fs::OpenOptions::new().append(true).open(dir.join("a.txt")).await?;
//!     f.write_all(b", world").await?;
//!     f.flush().await?;
//!     assert_eq!(myrt::fs::read_to_string(dir.join("a.txt")).await?, "hello, world");
//!
//!     let mut names = Vec::new();
//!     let mut entries = myrt::fs::read_dir(&dir).await?;
//!     while let Some(e) = entries.next_entry().await? {
//!         names.push(e.file_name());
//!     }
//!     assert_eq!(names, ["a.txt"]);
//!
//!     myrt::fs::remove_dir_all(&dir).await
//! })
//! .unwrap();
//! ```

use std::io;
use std::path::{Path, PathBuf};

mod dir;
mod file;
mod open_options;

pub use dir::{read_dir, DirEntry, ReadDir};
pub use file::File;
pub use open_options::OpenOptions;
pub use std::fs::{FileType, Metadata, Permissions};

/// The scheduler of the runtime this thread is in, whose blocking pool the
/// jobs go to; outside a runtime the error every function here returns.
fn pool() -> io::Result<myrt_executor::Handle> {
    myrt_executor::Handle::checked_current().map_err(io::Error::other)
}

/// The error for a job that did not finish: cancelled (the runtime shut
/// down before it ran) or panicked.
fn join_error(e: crate::task::JoinError) -> io::Error {
    io::Error::other(format!("the blocking file-system job did not finish: {e}"))
}

/// Runs `f` on the blocking pool and waits for its result.
async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    pool()?.spawn_blocking(f).await.map_err(join_error)?
}

/// The section every free function shares, in words.
macro_rules! doc_cancel {
    () => {
        "# Cancel safety\n\nDropping the future after its first poll does \
         not stop the operation: the blocking job finishes in the background \
         and its result is discarded."
    };
}

/// Reads a whole file into a vector (Python `Path.read_bytes()`).
///
/// # Errors
///
/// Whatever [`std::fs::read`] returns (kind [`NotFound`](io::ErrorKind::NotFound)
/// for a missing file), or the no-runtime error described in the
/// [module docs](self).
///
#[doc = doc_cancel!()]
///
/// # Examples
///
/// ```no_run
/// # myrt::run(async {
/// let bytes = myrt::fs::read("Cargo.toml").await?;
/// # std::io::Result::Ok(()) });
/// ```
#[doc(alias("read_bytes"))]
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads a whole UTF-8 file into a string (Python `Path.read_text()`).
///
/// # Errors
///
/// Whatever [`std::fs::read_to_string`] returns (kind
/// [`InvalidData`](io::ErrorKind::InvalidData) when the file is not UTF-8),
/// or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("read_text"))]
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Writes `contents` as the whole file, creating it or truncating it
/// first (Python `Path.write_bytes()` / `write_text()`).
///
/// `contents` is copied before the job starts.
///
/// # Errors
///
/// Whatever [`std::fs::write`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
/// The file may then have been written in full, in part or not at all.
#[doc(alias("write_bytes", "write_text"))]
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// The metadata of a path, following symlinks (Python `os.stat`).
///
/// # Errors
///
/// Whatever [`std::fs::metadata`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("stat"))]
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// The metadata of a path without following a final symlink (Python
/// `os.lstat`).
///
/// # Errors
///
/// Whatever [`std::fs::symlink_metadata`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("lstat"))]
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::symlink_metadata(path)).await
}

/// Creates one directory; its parent must exist (Python `os.mkdir`).
///
/// # Errors
///
/// Whatever [`std::fs::create_dir`] returns (kind
/// [`AlreadyExists`](io::ErrorKind::AlreadyExists) if the path exists), or
/// the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("mkdir"))]
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Creates a directory and every missing parent; an existing directory is
/// fine (Python `os.makedirs(p, exist_ok=True)`).
///
/// # Errors
///
/// Whatever [`std::fs::create_dir_all`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("makedirs"))]
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// Removes a file (Python `os.remove` / `os.unlink`).
///
/// # Errors
///
/// Whatever [`std::fs::remove_file`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("unlink", "remove"))]
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Removes an empty directory (Python `os.rmdir`).
///
/// # Errors
///
/// Whatever [`std::fs::remove_dir`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("rmdir"))]
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it (Python `shutil.rmtree`).
///
/// # Errors
///
/// Whatever [`std::fs::remove_dir_all`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
/// The tree may then be partly removed.
#[doc(alias("rmtree"))]
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// Renames `from` to `to`, replacing `to` if it is a file (Python
/// `os.replace`).
///
/// # Errors
///
/// Whatever [`std::fs::rename`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("replace"))]
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::rename(from, to)).await
}

/// Copies the contents and permission bits of file `from` to `to` and
/// returns the number of bytes copied (Python `shutil.copy`).
///
/// # Errors
///
/// Whatever [`std::fs::copy`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("copyfile"))]
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}

/// Makes `link` a new hard link to the file `original` (Python
/// `os.link(original, link)`).
///
/// # Errors
///
/// Whatever [`std::fs::hard_link`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("link"))]
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::fs::hard_link(original, link)).await
}

/// The absolute path with every symlink and `.`/`..` resolved; the path
/// must exist (Python `os.path.realpath(p, strict=True)`).
///
/// # Errors
///
/// Whatever [`std::fs::canonicalize`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("realpath", "resolve"))]
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::canonicalize(path)).await
}

/// Whether a path exists (following symlinks): `Ok(false)` only when it
/// certainly does not (Python `os.path.exists`, which turns errors into
/// `False`).
///
/// # Errors
///
/// What [`Path::try_exists`] returns when it cannot tell (for example
/// permission denied on a parent), or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("exists"))]
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}

/// Sets a path's permissions (Python `os.chmod`).
///
/// # Errors
///
/// Whatever [`std::fs::set_permissions`] returns, or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("chmod"))]
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}

/// The target a symlink points to, unresolved (Python `os.readlink`).
///
/// # Errors
///
/// Whatever [`std::fs::read_link`] returns (kind
/// [`InvalidInput`](io::ErrorKind::InvalidInput) on Linux when the path is
/// not a symlink), or the no-runtime error.
///
#[doc = doc_cancel!()]
#[doc(alias("readlink"))]
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_link(path)).await
}
