//! The parent side of a worker: starting one (by re-executing this
//! binary) and talking to it over its channel.

use std::fmt;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

use futures_util::io::{AsyncReadExt, AsyncWriteExt};

use super::registry::Entry;
use super::wire::{self, FromWorker, ToWorker};
use super::worker;
use crate::net::UnixStream;
use crate::process::Child;

/// Set by [`bootstrap`](super::bootstrap) in a parent: workers may be
/// started, since a re-executed binary will serve instead of running
/// `main`.
static BOOTSTRAPPED: AtomicBool = AtomicBool::new(false);

/// In a test binary, the name of a test whose body calls
/// [`bootstrap`](super::bootstrap): workers re-execute the binary running
/// that test alone, which reaches `bootstrap` and serves.
static TEST_NAME: OnceLock<String> = OnceLock::new();

pub(crate) fn mark_bootstrapped() {
    BOOTSTRAPPED.store(true, Ordering::Release);
}

pub(crate) fn record_test(name: String) {
    let _ = TEST_NAME.set(name);
}

/// A started worker process and its channel.
pub(crate) struct Worker {
    pub(crate) child: Child,
    pub(crate) conn: Conn,
    pub(crate) pid: u32,
    pub(crate) name: String,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("pid", &self.pid)
            .field("name", &self.name)
            .finish()
    }
}

/// Starts a worker named `name` (for messages). A `daemon` worker gets its
/// own process group and dies with the parent (`PR_SET_PDEATHSIG`).
///
/// Must run inside a myrt runtime (the channel and the exit are watched by
/// its reactor).
pub(crate) fn start(name: String, daemon: bool) -> io::Result<Worker> {
    if !cfg!(target_os = "linux") {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "multiprocessing workers are only supported on Linux",
        ));
    }
    crate::runtime::Handle::checked_current().map_err(io::Error::other)?;
    let test = TEST_NAME.get();
    if test.is_none() && !BOOTSTRAPPED.load(Ordering::Acquire) {
        return Err(io::Error::other(
            "cannot start a worker process: call myrt::process::bootstrap() first thing in \
             main (#[myrt::main] and #[myrt::test] do), or the re-executed binary would run \
             main instead of serving",
        ));
    }
    let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    let mut cmd = std::process::Command::new("/proc/self/exe");
    if let Some(arg0) = std::env::args_os().next() {
        cmd.arg0(arg0);
    }
    if let Some(test) = test {
        cmd.args([
            test.as_str(),
            "--exact",
            "--nocapture",
            "--include-ignored",
            "--test-threads=1",
            "-q",
        ]);
    }
    cmd.env(
        worker::ENV,
        format!("{}:{}", std::process::id(), u8::from(daemon)),
    )
    .stdin(Stdio::from(OwnedFd::from(theirs)));
    let std_child = if daemon {
        cmd.process_group(0);
        spawn_on_spawner(cmd)?
    } else {
        cmd.spawn()?
    };
    let pid = std_child.id();
    let child = Child::new(std_child, true)?;
    let conn = Conn::new(UnixStream::from_std(ours)?);
    Ok(Worker {
        child,
        conn,
        pid,
        name,
    })
}

type SpawnRequest = (
    std::process::Command,
    mpsc::SyncSender<io::Result<std::process::Child>>,
);

/// Starts `cmd` from one long-lived thread: `PR_SET_PDEATHSIG` fires when
/// the *thread* that started the child exits, so a child started from a
/// blocking-pool thread that retires would be killed with it.
fn spawn_on_spawner(cmd: std::process::Command) -> io::Result<std::process::Child> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        let started = std::thread::Builder::new()
            .name("myrt-spawner".into())
            .spawn(move || {
                let _reg =
                    myrt_executor::threads::register(myrt_executor::threads::Role::Pool, true);
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            });
        if let Err(e) = started {
            eprintln!("myrt: cannot start the process spawner thread: {e}");
        }
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::sync_channel(1);
    let sent = tx
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .send((cmd, reply_tx));
    if sent.is_err() {
        return Err(io::Error::other("the process spawner thread is gone"));
    }
    reply_rx
        .recv()
        .unwrap_or_else(|_| Err(io::Error::other("the process spawner thread is gone")))
}

/// The parent's end of a worker channel: frames are queued into one
/// buffer and written together; reads fill a buffer that may hold several
/// frames (a pipelined worker answers faster than one read per frame).
pub(crate) struct Conn {
    stream: UnixStream,
    wbuf: Vec<u8>,
    rbuf: InBuf,
}

/// How much a read asks for at least.
const READ_CHUNK: usize = 64 * 1024;

impl Conn {
    fn new(stream: UnixStream) -> Conn {
        Conn {
            stream,
            wbuf: Vec::new(),
            rbuf: InBuf::default(),
        }
    }

    /// Adds one message to the next [`flush`](Conn::flush).
    pub(crate) fn queue(&mut self, msg: &ToWorker<'_>) -> io::Result<()> {
        wire::encode(msg, &mut self.wbuf)
    }

    /// Adds a call of `entry` on `batch` to the next [`flush`](Conn::flush).
    pub(crate) fn queue_call(&mut self, entry: &Entry, batch: &[u8]) -> io::Result<()> {
        self.queue(&ToWorker::Call {
            id: 0,
            name: entry.name(),
            hash: entry.hash(),
            batch,
        })
    }

    /// Sends one call and reads its answer: the encoded results, or why
    /// there are none. `Err` when the channel failed (the worker died).
    ///
    /// Not cancel safe (see [`flush`](Conn::flush)).
    pub(crate) async fn call(
        &mut self,
        entry: &Entry,
        batch: &[u8],
    ) -> io::Result<Result<Vec<u8>, String>> {
        self.queue_call(entry, batch)?;
        self.flush().await?;
        match self.recv().await? {
            Some(FromWorker::Reply { body, .. }) => Ok(body.map_err(|e| e.to_string())),
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the channel closed",
            )),
        }
    }

    /// Writes what was queued.
    ///
    /// Not cancel safe: a dropped flush may leave half a frame behind,
    /// after which the worker must be discarded.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        let r = self.stream.write_all(&self.wbuf).await;
        self.wbuf.clear();
        r
    }

    /// Queues and writes one message.
    ///
    /// Not cancel safe (see [`flush`](Conn::flush)).
    pub(crate) async fn send(&mut self, msg: &ToWorker<'_>) -> io::Result<()> {
        self.queue(msg)?;
        self.flush().await
    }

    /// Receives one message; `Ok(None)` when the worker closed its end (it
    /// exited) before a new frame began.
    ///
    /// Not cancel safe (see [`flush`](Conn::flush)).
    pub(crate) async fn recv(&mut self) -> io::Result<Option<FromWorker>> {
        let mut input = &self.stream;
        read_frame(&mut input, &mut self.rbuf).await
    }

    /// Writes what was queued, then receives the next message. While the
    /// write is blocked, everything the worker sends is read into the
    /// buffer: a worker blocked writing its answers does not read, so a
    /// parent that stopped reading would wait for it forever.
    ///
    /// Not cancel safe (see [`flush`](Conn::flush)).
    pub(crate) async fn flush_and_recv(&mut self) -> io::Result<Option<FromWorker>> {
        if !self.wbuf.is_empty() {
            let (mut rd, mut wr) = UnixStream::split(&self.stream);
            let wbuf = &mut self.wbuf;
            let rbuf = &mut self.rbuf;
            let write = Box::pin(async {
                let r = wr.write_all(wbuf).await;
                wbuf.clear();
                r
            });
            let pump = Box::pin(async {
                loop {
                    // An error (ECONNRESET from a worker that died with
                    // calls unread) ends the pumping like end of stream:
                    // the answers already read are still handed out.
                    let n = rd.read(rbuf.spare(READ_CHUNK)?).await.unwrap_or(0);
                    rbuf.filled(n);
                    if n == 0 {
                        // The worker closed its end; what it sent stays.
                        return io::Result::Ok(());
                    }
                }
            });
            // A failed write (the worker is gone) is not the answer: what
            // it sent before dying is read first, then its end of stream.
            match futures_util::future::select(write, pump).await {
                futures_util::future::Either::Left((_wrote, _pump)) => {}
                futures_util::future::Either::Right((Ok(()), write)) => drop(write.await),
                futures_util::future::Either::Right((Err(e), _write)) => return Err(e),
            };
            self.wbuf.clear();
        }
        self.recv().await
    }
}

/// Input read ahead: `buf[start..end]` is unparsed (possibly several
/// frames); `buf` stays allocated and zeroed once, so reads need no
/// zero-filling.
#[derive(Default)]
struct InBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl InBuf {
    /// A whole frame at the front: its payload's range.
    fn frame(&self) -> io::Result<Option<(usize, usize)>> {
        let avail = &self.buf[self.start..self.end];
        if avail.len() < 4 {
            return Ok(None);
        }
        let len = wire::frame_len([avail[0], avail[1], avail[2], avail[3]])?;
        if avail.len() < 4 + len {
            return Ok(None);
        }
        Ok(Some((self.start + 4, self.start + 4 + len)))
    }

    /// At least `min` bytes of room after the unparsed input, and room for
    /// the whole frame it begins.
    fn spare(&mut self, min: usize) -> io::Result<&mut [u8]> {
        let have = self.end - self.start;
        let mut need = have + min;
        if have >= 4 {
            let h = &self.buf[self.start..self.start + 4];
            need = need.max(4 + wire::frame_len([h[0], h[1], h[2], h[3]])?);
        }
        if self.buf.len() - self.start < need {
            // Move the unparsed bytes to the front (usually few).
            self.buf.copy_within(self.start..self.end, 0);
            self.start = 0;
            self.end = have;
            if self.buf.len() < need {
                self.buf.resize(need, 0);
            }
        }
        Ok(&mut self.buf[self.end..])
    }

    fn filled(&mut self, n: usize) {
        self.end += n;
    }
}

/// Reads one frame through `rbuf`.
async fn read_frame<R>(input: &mut R, rbuf: &mut InBuf) -> io::Result<Option<FromWorker>>
where
    R: futures_io::AsyncRead + Unpin,
{
    loop {
        if let Some((from, to)) = rbuf.frame()? {
            let msg = wire::decode(&rbuf.buf[from..to]);
            rbuf.start = to;
            if rbuf.start == rbuf.end {
                rbuf.start = 0;
                rbuf.end = 0;
            }
            return msg.map(Some);
        }
        let had = rbuf.end - rbuf.start;
        let n = input.read(rbuf.spare(READ_CHUNK)?).await?;
        rbuf.filled(n);
        if n == 0 {
            return if had == 0 {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
    }
}

/// How a worker ended, for error messages: "exited with code 3", "was
/// killed by signal 9 (SIGKILL)".
pub(crate) fn describe_exit(status: &ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(sig)) => {
            let core = if status.core_dumped() {
                ", core dumped"
            } else {
                ""
            };
            format!("was killed by signal {sig} ({}{core})", signal_name(sig))
        }
        (None, None) => "ended".to_owned(),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGSYS => "SIGSYS",
        _ => "signal",
    }
}
