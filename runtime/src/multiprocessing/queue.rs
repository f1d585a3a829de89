//! [`Queue`] and [`Pipe`] between processes (Python
//! `multiprocessing.Queue`, `multiprocessing.Pipe`).
//!
//! The process that creates a queue owns its items: a
//! `myrt_sync::Queue` of encoded items, served over an abstract Unix
//! socket by a task on its runtime. A queue passed to a `Process` or a pool
//! job crosses as that socket's name; the other side connects on first use
//! and asks for each `put`/`get` (one request at a time per handle,
//! answered when the owner's queue can do it, so a full queue blocks the
//! producer wherever it is).

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::wire;
use crate::net::{UnixListener, UnixStream};
use crate::sync::{Event, TIMEOUT_MAX};

/// Requests to a queue's owner.
#[derive(Debug, Serialize, Deserialize)]
enum Request {
    Put {
        item: Vec<u8>,
        timeout: Option<Duration>,
    },
    Get {
        timeout: Option<Duration>,
    },
    Qsize,
    Close,
}

/// The owner's answers.
#[derive(Debug, Serialize, Deserialize)]
enum Reply {
    Done,
    Item(Vec<u8>),
    Size(u64),
    Full,
    Empty,
    Closed,
}

/// Why a put failed; the item is handed back.
#[non_exhaustive]
pub enum PutError<T> {
    /// The queue stayed full for the whole timeout (Python `queue.Full`).
    Full(T),
    /// The queue was closed (no more puts).
    Closed(T),
    /// The item could not be encoded, or the owner cannot be reached (it
    /// exited): the text says which.
    Failed(T, io::Error),
}

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(t) | PutError::Closed(t) | PutError::Failed(t, _) => t,
        }
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("Full(..)"),
            PutError::Closed(_) => f.write_str("Closed(..)"),
            PutError::Failed(_, e) => f.debug_tuple("Failed").field(&"..").field(e).finish(),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("process queue is full"),
            PutError::Closed(_) => f.write_str("process queue is closed"),
            PutError::Failed(_, e) => write!(f, "process queue put failed: {e}"),
        }
    }
}

impl<T> std::error::Error for PutError<T> {}

/// Why a get failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum GetError {
    /// No item came within the timeout (Python `queue.Empty`).
    Empty,
    /// The queue is closed and empty.
    Closed,
    /// The item could not be decoded, or the owner cannot be reached.
    Failed(io::Error),
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Empty => f.write_str("process queue is empty"),
            GetError::Closed => f.write_str("process queue is closed and empty"),
            GetError::Failed(e) => write!(f, "process queue get failed: {e}"),
        }
    }
}

impl std::error::Error for GetError {}

/// The owner's side: the items, and the broker's stop signal.
struct Owner {
    items: Arc<crate::sync::Queue<Vec<u8>>>,
    stop: Arc<Event>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.stop.set();
    }
}

enum Side {
    Owner(Arc<Owner>),
    /// Elsewhere: a connection to the owner, made on first use.
    Remote(Arc<Mutex<Option<StdUnixStream>>>),
}

impl Clone for Side {
    fn clone(&self) -> Self {
        match self {
            Side::Owner(o) => Side::Owner(Arc::clone(o)),
            // A clone gets a connection of its own, so two threads do not
            // queue behind one blocked request.
            Side::Remote(_) => Side::Remote(Arc::new(Mutex::new(None))),
        }
    }
}

/// A FIFO queue between processes (Python `multiprocessing.Queue`), of
/// serde items.
///
/// Create it in the parent (inside a runtime), pass clones to
/// [`Process`](super::Process)es or pool jobs as arguments, and `put` and
/// `get` from any side: tasks use the async forms, threads and worker
/// functions the `blocking_*` forms (a worker has no runtime).
///
/// | Python | myrt |
/// | --- | --- |
/// | `Queue(maxsize)` | [`Queue::new`]`(maxsize)` (0: unbounded) |
/// | `q.put(x)`, `q.put(x, timeout=t)` | [`put`](Self::put)`(x).await`, [`blocking_put`](Self::blocking_put), [`blocking_put_timeout`](Self::blocking_put_timeout) |
/// | `q.get()`, `q.get(timeout=t)` | [`get`](Self::get)`().await`, [`blocking_get`](Self::blocking_get), [`blocking_get_timeout`](Self::blocking_get_timeout) |
/// | `q.qsize()` | [`qsize`](Self::qsize) |
/// | `q.close()` | [`close`](Self::close): no more puts; gets drain what is left |
///
/// The items live in the creating process; when its last handle there is
/// dropped (or its runtime shuts down), the others' calls fail with
/// [`GetError::Failed`] / [`PutError::Failed`]. The socket is in the
/// abstract namespace: any process of the same network namespace that
/// learns its name could connect.
pub struct Queue<T> {
    addr: Arc<str>,
    side: Side,
    _items: PhantomData<fn(T) -> T>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            addr: Arc::clone(&self.addr),
            side: self.side.clone(),
            _items: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = match self.side {
            Side::Owner(_) => "owner",
            Side::Remote(_) => "remote",
        };
        f.debug_struct("Queue")
            .field("addr", &self.addr)
            .field("side", &side)
            .finish()
    }
}

impl<T> Serialize for Queue<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.addr)
    }
}

impl<'de, T> Deserialize<'de> for Queue<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let addr = String::deserialize(d)?;
        Ok(Queue {
            addr: addr.into(),
            side: Side::Remote(Arc::new(Mutex::new(None))),
            _items: PhantomData,
        })
    }
}

/// A bounded wait: `None` for "forever" (past `TIMEOUT_MAX`).
fn bounded(timeout: Duration) -> Option<Duration> {
    (timeout < TIMEOUT_MAX).then_some(timeout)
}

fn encode<T: Serialize>(item: &T) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(item).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, GetError> {
    postcard::from_bytes(bytes)
        .map_err(|e| GetError::Failed(io::Error::new(io::ErrorKind::InvalidData, e)))
}

impl<T> Queue<T>
where
    T: Serialize + DeserializeOwned + Send + 'static,
{
    /// A queue holding at most `maxsize` items (0: no limit), owned by this
    /// process (Python `multiprocessing.Queue(maxsize)`).
    ///
    /// # Errors
    ///
    /// Outside a myrt runtime (its socket is served by a task), or when the
    /// socket cannot be made.
    pub fn new(maxsize: usize) -> io::Result<Queue<T>> {
        static N: AtomicU64 = AtomicU64::new(0);
        let handle = crate::runtime::Handle::checked_current().map_err(io::Error::other)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "myrt-queue-{}-{}-{nanos:x}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let listener = bind_abstract(&name)?;
        let listener = UnixListener::from_std(listener)?;
        let items = Arc::new(if maxsize == 0 {
            crate::sync::Queue::unbounded()
        } else {
            crate::sync::Queue::new(maxsize)
        });
        let stop = Arc::new(Event::new());
        drop(handle.spawn(serve(listener, Arc::clone(&items), Arc::clone(&stop))));
        Ok(Queue {
            addr: name.into(),
            side: Side::Owner(Arc::new(Owner { items, stop })),
            _items: PhantomData,
        })
    }

    /// Puts `item`, waiting while the queue is full (Python `put`).
    ///
    /// # Errors
    ///
    /// [`PutError::Closed`] after [`close`](Self::close),
    /// [`PutError::Failed`] if `item` cannot be encoded or the owner is
    /// gone.
    ///
    /// # Cancel safety
    ///
    /// In the owning process, cancel safe (the item is dropped, not put).
    /// Elsewhere the request runs on the blocking pool and completes even
    /// if the future is dropped.
    pub async fn put(&self, item: T) -> Result<(), PutError<T>> {
        match &self.side {
            Side::Owner(o) => {
                let bytes = match encode(&item) {
                    Ok(b) => b,
                    Err(e) => return Err(PutError::Failed(item, e)),
                };
                match o.items.put(bytes).await {
                    Ok(()) => Ok(()),
                    Err(_) => Err(PutError::Closed(item)),
                }
            }
            Side::Remote(_) => {
                if let Err(e) = crate::runtime::Handle::checked_current() {
                    return Err(PutError::Failed(item, io::Error::other(e)));
                }
                // Kept reachable from here, so a cancelled blocking call
                // (runtime shutdown) still hands the item back.
                let slot = Arc::new(Mutex::new(Some(item)));
                let (q, s) = (self.clone(), Arc::clone(&slot));
                let joined = crate::task::spawn_blocking(move || {
                    let item = s
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .take();
                    item.map(|item| q.blocking_put(item))
                })
                .await;
                match joined {
                    Ok(Some(r)) => r,
                    Ok(None) => unreachable!("the item is taken once"),
                    Err(e) => {
                        let item = slot
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .take();
                        match item {
                            Some(item) => {
                                Err(PutError::Failed(item, io::Error::other(e.to_string())))
                            }
                            // Taken by the call, which then ended: only a panic can do that.
                            None => std::panic::resume_unwind(e.into_panic()),
                        }
                    }
                }
            }
        }
    }

    /// Takes the next item, waiting while the queue is empty (Python
    /// `get`).
    ///
    /// # Errors
    ///
    /// [`GetError::Closed`] once closed and drained, [`GetError::Failed`]
    /// if the item cannot be decoded or the owner is gone.
    ///
    /// # Cancel safety
    ///
    /// In the owning process, cancel safe (no item is lost). Elsewhere the
    /// request runs on the blocking pool: dropping the future drops the
    /// item it then receives.
    pub async fn get(&self) -> Result<T, GetError> {
        match &self.side {
            Side::Owner(o) => match o.items.get().await {
                Ok(b) => decode(&b),
                Err(_) => Err(GetError::Closed),
            },
            Side::Remote(_) => {
                let q = self.clone();
                match crate::task::checked_spawn_blocking(move || q.blocking_get()) {
                    Ok(h) => h
                        .await
                        .unwrap_or_else(|e| Err(GetError::Failed(io::Error::other(e.to_string())))),
                    Err(e) => Err(GetError::Failed(io::Error::other(e))),
                }
            }
        }
    }

    /// [`put`](Self::put) for threads and worker functions.
    ///
    /// # Errors
    ///
    /// As [`put`](Self::put).
    pub fn blocking_put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_within(item, None)
    }

    /// [`blocking_put`](Self::blocking_put) waiting at most `timeout` for
    /// room (Python `put(x, timeout=t)`); [`PutError::Full`] after it. A
    /// timeout of [`TIMEOUT_MAX`] or more waits forever.
    ///
    /// # Errors
    ///
    /// As [`put`](Self::put), and [`PutError::Full`].
    #[doc(alias = "put")]
    pub fn blocking_put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.put_within(item, bounded(timeout))
    }

    fn put_within(&self, item: T, timeout: Option<Duration>) -> Result<(), PutError<T>> {
        let bytes = match encode(&item) {
            Ok(b) => b,
            Err(e) => return Err(PutError::Failed(item, e)),
        };
        match &self.side {
            Side::Owner(o) => {
                let r = match timeout {
                    None => o.items.blocking_put(bytes),
                    Some(t) => o.items.blocking_put_timeout(bytes, t),
                };
                match r {
                    Ok(()) => Ok(()),
                    Err(crate::sync::PutError::Full(_)) => Err(PutError::Full(item)),
                    Err(_) => Err(PutError::Closed(item)),
                }
            }
            Side::Remote(conn) => match self.request(
                conn,
                &Request::Put {
                    item: bytes,
                    timeout,
                },
            ) {
                Ok(Reply::Done) => Ok(()),
                Ok(Reply::Full) => Err(PutError::Full(item)),
                Ok(Reply::Closed) => Err(PutError::Closed(item)),
                Ok(other) => Err(PutError::Failed(item, unexpected(&other))),
                Err(e) => Err(PutError::Failed(item, e)),
            },
        }
    }

    /// [`get`](Self::get) for threads and worker functions.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub fn blocking_get(&self) -> Result<T, GetError> {
        self.get_within(None)
    }

    /// [`blocking_get`](Self::blocking_get) waiting at most `timeout`
    /// (Python `get(timeout=t)`); [`GetError::Empty`] after it. A timeout
    /// of [`TIMEOUT_MAX`] or more waits forever.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get), and [`GetError::Empty`].
    #[doc(alias = "get")]
    pub fn blocking_get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_within(bounded(timeout))
    }

    fn get_within(&self, timeout: Option<Duration>) -> Result<T, GetError> {
        match &self.side {
            Side::Owner(o) => {
                let r = match timeout {
                    None => o.items.blocking_get(),
                    Some(t) => o.items.blocking_get_timeout(t),
                };
                match r {
                    Ok(b) => decode(&b),
                    Err(crate::sync::GetError::Empty) => Err(GetError::Empty),
                    Err(_) => Err(GetError::Closed),
                }
            }
            Side::Remote(conn) => match self.request(conn, &Request::Get { timeout }) {
                Ok(Reply::Item(b)) => decode(&b),
                Ok(Reply::Empty) => Err(GetError::Empty),
                Ok(Reply::Closed) => Err(GetError::Closed),
                Ok(other) => Err(GetError::Failed(unexpected(&other))),
                Err(e) => Err(GetError::Failed(e)),
            },
        }
    }

    /// The number of items queued now (Python `qsize`).
    ///
    /// # Errors
    ///
    /// Elsewhere than in the owner, if the owner cannot be reached.
    pub fn qsize(&self) -> io::Result<usize> {
        match &self.side {
            Side::Owner(o) => Ok(o.items.qsize()),
            Side::Remote(conn) => match self.request(conn, &Request::Qsize)? {
                Reply::Size(n) => usize::try_from(n).map_err(io::Error::other),
                other => Err(unexpected(&other)),
            },
        }
    }

    /// Closes the queue for every process (Python `close`, for all its
    /// users): later puts fail with [`PutError::Closed`]; gets take what
    /// is left, then fail with [`GetError::Closed`].
    ///
    /// # Errors
    ///
    /// Elsewhere than in the owner, if the owner cannot be reached.
    pub fn close(&self) -> io::Result<()> {
        match &self.side {
            Side::Owner(o) => {
                o.items.shutdown(false);
                Ok(())
            }
            Side::Remote(conn) => self.request(conn, &Request::Close).map(drop),
        }
    }

    /// Sends one request over this handle's connection (made on first
    /// use) and reads the answer.
    fn request(&self, conn: &Mutex<Option<StdUnixStream>>, req: &Request) -> io::Result<Reply> {
        let mut conn = conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if conn.is_none() {
            *conn = Some(connect_abstract(&self.addr)?);
        }
        let stream = conn.as_mut().expect("connected above");
        let r = (|| {
            let mut frame = Vec::new();
            wire::encode(req, &mut frame)?;
            std::io::Write::write_all(stream, &frame)?;
            let mut buf = Vec::new();
            if !wire::read_blocking(stream, &mut buf)? {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the queue's owner closed the connection (it exited or dropped the queue)",
                ));
            }
            wire::decode(&buf)
        })();
        if r.is_err() {
            // A half-done exchange: start afresh next time.
            *conn = None;
        }
        r
    }
}

fn unexpected(reply: &Reply) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("unexpected answer from the queue's owner: {reply:?}"),
    )
}

#[cfg(target_os = "linux")]
fn bind_abstract(name: &str) -> io::Result<std::os::unix::net::UnixListener> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    std::os::unix::net::UnixListener::bind_addr(&addr)
}

#[cfg(not(target_os = "linux"))]
fn bind_abstract(_: &str) -> io::Result<std::os::unix::net::UnixListener> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "process queues are only supported on Linux",
    ))
}

#[cfg(target_os = "linux")]
fn connect_abstract(name: &str) -> io::Result<StdUnixStream> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    StdUnixStream::connect_addr(&addr)
}

#[cfg(not(target_os = "linux"))]
fn connect_abstract(_: &str) -> io::Result<StdUnixStream> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "process queues are only supported on Linux",
    ))
}

/// The owner's broker: accepts connections until `stop`.
async fn serve(listener: UnixListener, items: Arc<crate::sync::Queue<Vec<u8>>>, stop: Arc<Event>) {
    loop {
        let accepted = match select(Box::pin(listener.accept()), Box::pin(stop.wait())).await {
            Either::Left((r, _)) => r,
            Either::Right(_) => return,
        };
        let Ok((stream, _)) = accepted else {
            // Out of descriptors: try again shortly rather than spin.
            crate::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let (items, stop) = (Arc::clone(&items), Arc::clone(&stop));
        drop(crate::spawn(async move {
            let _ = select(Box::pin(serve_one(stream, &items)), Box::pin(stop.wait())).await;
        }));
    }
}

/// Answers one connection's requests, in order, until it closes.
async fn serve_one(mut stream: UnixStream, items: &crate::sync::Queue<Vec<u8>>) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        let mut header = [0u8; 4];
        match stream.read_exact(&mut header).await {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        buf.clear();
        buf.resize(wire::frame_len(header)?, 0);
        stream.read_exact(&mut buf).await?;
        let reply = match wire::decode::<Request>(&buf)? {
            Request::Put { item, timeout } => {
                let put = items.put(item);
                let r = match timeout {
                    None => Some(put.await),
                    Some(t) => crate::time::timeout(t, put).await.ok(),
                };
                match r {
                    Some(Ok(())) => Reply::Done,
                    Some(Err(_)) => Reply::Closed,
                    None => Reply::Full,
                }
            }
            Request::Get { timeout } => {
                let get = items.get();
                let r = match timeout {
                    None => Some(get.await),
                    Some(t) => crate::time::timeout(t, get).await.ok(),
                };
                match r {
                    Some(Ok(item)) => Reply::Item(item),
                    Some(Err(_)) => Reply::Closed,
                    None => Reply::Empty,
                }
            }
            Request::Qsize => Reply::Size(items.qsize() as u64),
            Request::Close => {
                items.shutdown(false);
                Reply::Done
            }
        };
        out.clear();
        wire::encode(&reply, &mut out)?;
        stream.write_all(&out).await?;
    }
}

/// One end of a [`Pipe`] (Python `multiprocessing.connection.Connection`):
/// `send` to the other end, `recv` from it.
pub struct Connection<T> {
    tx: Queue<T>,
    rx: Queue<T>,
}

impl<T> Clone for Connection<T> {
    fn clone(&self) -> Self {
        Connection {
            tx: self.tx.clone(),
            rx: self.rx.clone(),
        }
    }
}

impl<T> fmt::Debug for Connection<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("tx", &self.tx)
            .field("rx", &self.rx)
            .finish()
    }
}

impl<T> Serialize for Connection<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.tx, &self.rx).serialize(s)
    }
}

impl<'de, T> Deserialize<'de> for Connection<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (tx, rx) = <(Queue<T>, Queue<T>)>::deserialize(d)?;
        Ok(Connection { tx, rx })
    }
}

/// A duplex pair of typed ends between processes (Python
/// `multiprocessing.Pipe()`): what one end sends the other receives. Pass
/// an end to a `Process` as an argument.
pub struct Pipe;

impl Pipe {
    /// The two ends (Python `a, b = Pipe()`), owned by this process.
    ///
    /// # Errors
    ///
    /// As [`Queue::new`].
    #[allow(clippy::new_ret_no_self)]
    pub fn new<T>() -> io::Result<(Connection<T>, Connection<T>)>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
    {
        let ab = Queue::new(0)?;
        let ba = Queue::new(0)?;
        Ok((
            Connection {
                tx: ab.clone(),
                rx: ba.clone(),
            },
            Connection { tx: ba, rx: ab },
        ))
    }
}

impl<T> Connection<T>
where
    T: Serialize + DeserializeOwned + Send + 'static,
{
    /// Sends `item` to the other end (Python `send`).
    ///
    /// # Errors
    ///
    /// As [`Queue::put`].
    ///
    /// # Cancel safety
    ///
    /// As [`Queue::put`].
    pub async fn send(&self, item: T) -> Result<(), PutError<T>> {
        self.tx.put(item).await
    }

    /// Receives the next item from the other end (Python `recv`).
    ///
    /// # Errors
    ///
    /// As [`Queue::get`].
    ///
    /// # Cancel safety
    ///
    /// As [`Queue::get`].
    pub async fn recv(&self) -> Result<T, GetError> {
        self.rx.get().await
    }

    /// [`send`](Self::send) for threads and worker functions.
    ///
    /// # Errors
    ///
    /// As [`Queue::blocking_put`].
    pub fn blocking_send(&self, item: T) -> Result<(), PutError<T>> {
        self.tx.blocking_put(item)
    }

    /// [`recv`](Self::recv) for threads and worker functions.
    ///
    /// # Errors
    ///
    /// As [`Queue::blocking_get`].
    pub fn blocking_recv(&self) -> Result<T, GetError> {
        self.rx.blocking_get()
    }

    /// [`blocking_recv`](Self::blocking_recv) waiting at most `timeout`
    /// (Python `poll(timeout)` then `recv()`).
    ///
    /// # Errors
    ///
    /// As [`Queue::blocking_get_timeout`].
    #[doc(alias("poll", "recv"))]
    pub fn blocking_recv_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.rx.blocking_get_timeout(timeout)
    }
}
