//! `OpenOptions`: std's builder, with an async `open`.

use std::io;
use std::path::Path;

use super::File;

/// How to open a file: read, write, append, create, truncate (Python's
/// `open()` mode string, spelled out), with an async [`open`](Self::open).
///
/// The same builder as [`std::fs::OpenOptions`], whose documentation
/// says what each flag does in detail. The Python modes map as:
///
/// | `open()` mode | options |
/// | --- | --- |
/// | `"r"` | `.read(true)` ([`File::open`]) |
/// | `"w"` | `.write(true).create(true).truncate(true)` ([`File::create`]) |
/// | `"a"` | `.append(true).create(true)` |
/// | `"x"` | `.write(true).create_new(true)` |
/// | `"r+"` | `.read(true).write(true)` |
/// | `"w+"` | `.read(true).write(true).create(true).truncate(true)` |
/// | `"a+"` | `.read(true).append(true).create(true)` |
///
/// # Examples
///
/// ```
/// use myrt::io::AsyncWriteExt;
///
/// myrt::run(async {
///     let path = std::env::temp_dir().join(format!("myrt-oo-doc-{}", std::process::id()));
///     for line in ["one\n", "two\n"] {
///         let mut log = myrt::fs::OpenOptions::new().append(true).create(true).open(&path).await?;
///         log.write_all(line.as_bytes()).await?;
///         log.flush().await?;
///     }
///     assert_eq!(myrt::fs::read_to_string(&path).await?, "one\ntwo\n");
///     myrt::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[derive(Clone, Debug)]
#[doc(alias("mode"))]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// Options with every flag off (set at least one of read, write or
    /// append before opening).
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading (mode `"r"`).
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing (mode `"w"`, without the create and truncate it
    /// implies in Python).
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Every write goes to the end of the file (mode `"a"`); implies
    /// write.
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Cut an existing file to length 0 on opening (needs write).
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs write or append).
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing with kind
    /// [`AlreadyExists`](io::ErrorKind::AlreadyExists) if it exists
    /// (mode `"x"`); overrides create and truncate.
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// The permission bits a newly created file gets, before the umask
    /// (Python `os.open(p, flags, mode)`); 0o666 by default.
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self
    }

    /// Extra `open(2)` flags, or-ed in (Python `os.open` flags such as
    /// `os.O_NOFOLLOW`).
    #[cfg(unix)]
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }

    /// Opens `path` with these options, on the blocking pool.
    ///
    /// # Errors
    ///
    /// Whatever [`std::fs::OpenOptions::open`] returns (kind
    /// [`NotFound`](io::ErrorKind::NotFound) for a missing file without
    /// create, [`InvalidInput`](io::ErrorKind::InvalidInput) for a
    /// meaningless combination), or the no-runtime error of the
    /// [module docs](super).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future after its first poll lets the open finish in the
    /// background (creating or truncating the file if asked) and closes the
    /// file it opened.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let opts = self.0.clone();
        let std = super::asyncify(move || opts.open(path)).await?;
        Ok(File::from_std(std))
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(opts: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(opts)
    }
}
