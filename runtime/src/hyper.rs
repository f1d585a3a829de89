//! [hyper](https://hyper.rs) 1.x on myrt, with no glue to write (the
//! `hyper` feature): what tokio users get from `hyper-util`.
//!
//! - Every myrt stream ([`TcpStream`](crate::net::TcpStream),
//!   [`UnixStream`](crate::net::UnixStream), their borrowed and owned split
//!   halves) implements `hyper::rt::Read` and `hyper::rt::Write` itself,
//!   reading straight into hyper's uninitialised buffer and writing
//!   vectored. Other streams are wrapped: [`FuturesIo`] for a
//!   `futures-io` stream (a TLS stream of `futures-rustls`), [`TokioIo`]
//!   for a tokio-I/O stream (a `tokio-rustls` stream over a myrt stream,
//!   with the `tokio-io` feature).
//! - [`MyrtExecutor`] (`hyper::rt::Executor`, for HTTP/2) and
//!   [`MyrtTimer`] (`hyper::rt::Timer`, for timeouts and keep-alive).
//! - [`Server`]: accept on a listener and serve HTTP/1 and HTTP/2 (told
//!   apart by the HTTP/2 preface), with graceful shutdown: stop accepting,
//!   let the requests in flight finish, and abort what is left after a
//!   grace period. [`GracefulShutdown`] does the same for connections you
//!   accept yourself (after a TLS handshake, say).
//!
//! # Examples
//!
//! ```no_run
//! use std::convert::Infallible;
//! use hyper::{Request, Response, body::Incoming, service::service_fn};
//! use myrt::hyper::Server;
//!
//! async fn hello(_: Request<Incoming>) -> Result<Response<String>, Infallible> {
//!     Ok(Response::new("hello\n".to_owned()))
//! }
//!
//! #[myrt::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = myrt::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     let ctrl_c = async { let _ = myrt::signal::ctrl_c().await; };
//!     let report = Server::new()
//!         .serve_with_shutdown(listener, service_fn(hello), ctrl_c)
//!         .await?;
//!     println!("{report:?}");
//!     Ok(())
//! }
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use ::hyper::body::{Body, Incoming};
use ::hyper::rt::{Read, ReadBufCursor, Write};
use ::hyper::server::conn::{http1, http2};
use ::hyper::service::HttpService;
use pin_project_lite::pin_project;

use crate::runtime::Handle;
use crate::sync::Event;

type BoxError = Box<dyn StdError + Send + Sync>;

// ---------------------------------------------------------------------------
// Executor and timer.

/// `hyper::rt::Executor` over myrt: spawns hyper's background futures
/// (HTTP/2 streams, client connections) as myrt tasks.
///
/// Made inside a runtime, it spawns on that runtime from anywhere; made
/// outside one ([`Default`]), on the runtime of the thread that hyper
/// calls it from (always inside a connection's poll).
#[derive(Clone, Default)]
pub struct MyrtExecutor {
    handle: Option<Handle>,
}

impl MyrtExecutor {
    /// An executor spawning on the current runtime, if there is one
    /// (else as [`Default`]).
    pub fn new() -> MyrtExecutor {
        MyrtExecutor {
            handle: Handle::checked_current().ok(),
        }
    }

    /// An executor spawning on `handle`'s runtime.
    pub fn with_handle(handle: Handle) -> MyrtExecutor {
        MyrtExecutor {
            handle: Some(handle),
        }
    }
}

impl fmt::Debug for MyrtExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MyrtExecutor")
            .field("bound", &self.handle.is_some())
            .finish()
    }
}

impl<F> ::hyper::rt::Executor<F> for MyrtExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        match &self.handle {
            Some(h) => drop(h.spawn(future)),
            None => drop(crate::spawn(future)),
        }
    }
}

/// `hyper::rt::Timer` over [`myrt::time`](crate::time): header-read
/// timeouts, keep-alive and HTTP/2 pings.
#[derive(Clone, Copy, Debug, Default)]
pub struct MyrtTimer;

/// A [`crate::time::Sleep`] as hyper's `Sleep`.
struct HyperSleep(crate::time::Sleep);

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl ::hyper::rt::Sleep for HyperSleep {}

impl ::hyper::rt::Timer for MyrtTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(HyperSleep(crate::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(HyperSleep(crate::time::sleep_until(deadline)))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn ::hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(s) => s.get_mut().0.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

// ---------------------------------------------------------------------------
// I/O wrappers for streams that are not myrt's.

/// `hyper::rt::Write` for `$T<$P>` by forwarding every method to its
/// pinned field `$f`, whose bound (hyper's `Write`, tokio's `AsyncWrite`)
/// has the same five methods.
macro_rules! forward_write {
    ($T:ident<$P:ident: $Bound:path>, $f:ident) => {
        impl<$P: $Bound> Write for $T<$P> {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.project().$f.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.project().$f.poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                self.$f.is_write_vectored()
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.project().$f.poll_flush(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.project().$f.poll_shutdown(cx)
            }
        }
    };
}

pin_project! {
    /// A `futures-io` stream as hyper I/O (a `futures-rustls` TLS stream,
    /// a `myrt::io::BufReader`...). myrt's own streams need no wrapper.
    ///
    /// `futures-io` readers take initialised memory: the part of hyper's
    /// buffer that was never initialised is zeroed before the read, once
    /// per buffer (hyper remembers what it initialised).
    #[derive(Debug)]
    pub struct FuturesIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> FuturesIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        FuturesIo { inner }
    }

    /// The stream.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The stream, borrowed.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

impl<T: futures_io::AsyncRead> Read for FuturesIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = self.project().inner;
        crate::io::compat::hyper_read_init(cx, buf, |cx, room| inner.poll_read(cx, room))
    }
}

impl<T: futures_io::AsyncWrite> Write for FuturesIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }
}

#[cfg(feature = "tokio-io")]
pin_project! {
    /// A tokio-I/O stream as hyper I/O, reading into hyper's buffer
    /// without zeroing it (a `tokio-rustls` TLS stream over a myrt
    /// stream; needs the `tokio-io` feature). myrt's own streams need no
    /// wrapper.
    #[derive(Debug)]
    pub struct TokioIo<T> {
        #[pin]
        inner: T,
    }
}

#[cfg(feature = "tokio-io")]
impl<T> TokioIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        TokioIo { inner }
    }

    /// The stream.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The stream, borrowed.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

#[cfg(feature = "tokio-io")]
impl<T: ::tokio::io::AsyncRead> Read for TokioIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        crate::io::compat::hyper_read_tokio(self.project().inner, cx, buf)
    }
}

#[cfg(feature = "tokio-io")]
forward_write!(TokioIo<T: ::tokio::io::AsyncWrite>, inner);

// ---------------------------------------------------------------------------
// Serving.

/// A listener [`Server::serve`] accepts connections on.
pub trait Listener {
    /// A connection.
    type Io: Read + Write + Unpin + Send + 'static;

    /// Polls for the next connection.
    ///
    /// # Errors
    ///
    /// The OS error of `accept`; the listener stays usable.
    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Self::Io>>;
}

impl Listener for crate::net::TcpListener {
    type Io = crate::net::TcpStream;

    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Self::Io>> {
        crate::net::TcpListener::poll_accept(self, cx).map_ok(|(s, _)| {
            // Responses are written whole: no need to wait for an ACK.
            let _ = s.set_nodelay(true);
            s
        })
    }
}

impl Listener for crate::net::UnixListener {
    type Io = crate::net::UnixStream;

    fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Self::Io>> {
        crate::net::UnixListener::poll_accept(self, cx).map_ok(|(s, _)| s)
    }
}

/// Which protocols a [`Server`] speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocols {
    Auto,
    Http1,
    Http2,
}

/// Serves HTTP/1 and HTTP/2 over hyper, on myrt (hyper-util's
/// `server::conn::auto` plus an accept loop with graceful shutdown).
///
/// A connection is HTTP/2 if it starts with the HTTP/2 preface (h2c with
/// prior knowledge, or h2 after a TLS handshake that chose it), else
/// HTTP/1. Both builders get [`MyrtTimer`] (so HTTP/1 header reads time
/// out after hyper's default 30 s) and HTTP/2 gets [`MyrtExecutor`]; tune
/// them through [`http1`](Self::http1) and [`http2`](Self::http2).
#[derive(Clone, Debug)]
pub struct Server {
    http1: http1::Builder,
    http2: http2::Builder<MyrtExecutor>,
    protocols: Protocols,
    grace: Duration,
    detect_timeout: Duration,
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`Server::serve_with_shutdown`] and [`GracefulShutdown::shutdown`]
/// did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Connections that finished by themselves after the signal (their
    /// requests in flight answered).
    pub finished: usize,
    /// Connections still open when the grace period ran out: aborted.
    pub aborted: usize,
}

impl Server {
    /// A server for both protocols with a 30 s grace period.
    pub fn new() -> Server {
        let mut h1 = http1::Builder::new();
        h1.timer(MyrtTimer);
        let mut h2 = http2::Builder::new(MyrtExecutor::default());
        h2.timer(MyrtTimer);
        Server {
            http1: h1,
            http2: h2,
            protocols: Protocols::Auto,
            grace: Duration::from_secs(30),
            detect_timeout: Duration::from_secs(30),
        }
    }

    /// Speaks HTTP/1 only (no preface detection).
    pub fn http1_only(mut self) -> Self {
        self.protocols = Protocols::Http1;
        self
    }

    /// Speaks HTTP/2 only (prior knowledge).
    pub fn http2_only(mut self) -> Self {
        self.protocols = Protocols::Http2;
        self
    }

    /// How long [`serve_with_shutdown`](Self::serve_with_shutdown) lets
    /// connections finish after the signal before aborting them.
    pub fn grace_period(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How long a connection may stay silent before its first bytes tell
    /// HTTP/1 from HTTP/2 (30 s, as hyper's HTTP/1 header timeout); then
    /// it is closed. Not used with [`http1_only`](Self::http1_only) or
    /// [`http2_only`](Self::http2_only), where hyper's own timeouts apply.
    pub fn detect_timeout(mut self, timeout: Duration) -> Self {
        self.detect_timeout = timeout;
        self
    }

    /// hyper's HTTP/1 options.
    pub fn http1(&mut self) -> &mut http1::Builder {
        &mut self.http1
    }

    /// hyper's HTTP/2 options.
    pub fn http2(&mut self) -> &mut http2::Builder<MyrtExecutor> {
        &mut self.http2
    }

    /// Serves one connection: a future that ends when the connection
    /// does, with [`Connection::graceful_shutdown`] to end it politely.
    pub fn serve_connection<I, S, B>(&self, io: I, service: S) -> Connection<I, S>
    where
        I: Read + Write + Unpin + Send + 'static,
        S: HttpService<Incoming, ResBody = B> + Send,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let state = match self.protocols {
            Protocols::Http1 => State::H1 {
                conn: self
                    .http1
                    .serve_connection(Rewind::new(io, Vec::new()), service),
            },
            Protocols::Http2 => State::H2 {
                conn: self
                    .http2
                    .serve_connection(Rewind::new(io, Vec::new()), service),
            },
            Protocols::Auto => State::Detect {
                io: Some(io),
                service: Some(service),
                seen: Vec::with_capacity(PREFACE.len()),
                timeout: self.detect_timeout,
                timer: None,
                http1: self.http1.clone(),
                http2: self.http2.clone(),
            },
        };
        Connection {
            state,
            stopping: false,
        }
    }

    /// Accepts connections on `listener` and serves each in a task of its
    /// own with a clone of `service`, forever. An accept error (out of
    /// file descriptors, say) waits 10 ms and goes on.
    ///
    /// # Errors
    ///
    /// None today: the `io::Result` leaves room for fatal listener errors.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops accepting; the connection tasks already
    /// spawned go on.
    pub async fn serve<L, S, B>(&self, listener: L, service: S) -> io::Result<()>
    where
        L: Listener,
        S: HttpService<Incoming, ResBody = B> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let never = std::future::pending::<()>();
        self.serve_with_shutdown(listener, service, never)
            .await
            .map(drop)
    }

    /// [`serve`](Self::serve) until `signal` completes; then stops
    /// accepting (the listener is dropped), asks every connection to shut
    /// down gracefully (HTTP/1 closes once the response in flight is
    /// written, idle keep-alive connections at once; HTTP/2 sends GOAWAY
    /// and finishes its open streams), waits for them up to the
    /// [grace period](Self::grace_period) and aborts the rest.
    ///
    /// # Errors
    ///
    /// As [`serve`](Self::serve).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops accepting and aborts every connection it
    /// serves.
    pub async fn serve_with_shutdown<L, S, B, F>(
        &self,
        listener: L,
        service: S,
        signal: F,
    ) -> io::Result<ShutdownReport>
    where
        L: Listener,
        S: HttpService<Incoming, ResBody = B> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
        F: Future<Output = ()>,
    {
        let mut graceful = GracefulShutdown::new();
        let mut signal = std::pin::pin!(signal);
        loop {
            let accepted = std::future::poll_fn(|cx| {
                if signal.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                listener.poll_accept(cx).map(Some)
            })
            .await;
            match accepted {
                None => break,
                Some(Ok(io)) => {
                    graceful.spawn(self.serve_connection(io, service.clone()));
                }
                Some(Err(_)) => crate::time::sleep(Duration::from_millis(10)).await,
            }
        }
        drop(listener);
        Ok(graceful.shutdown(self.grace).await)
    }
}

/// The HTTP/2 client preface.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pin_project! {
    #[project = StateProj]
    enum State<I, S>
    where
        S: HttpService<Incoming>,
    {
        Detect {
            io: Option<I>,
            service: Option<S>,
            seen: Vec<u8>,
            timeout: Duration,
            // Started at the first poll that has to wait.
            timer: Option<crate::time::Sleep>,
            // The builders of whichever protocol the bytes tell.
            http1: http1::Builder,
            http2: http2::Builder<MyrtExecutor>,
        },
        H1 {
            #[pin]
            conn: http1::Connection<Rewind<I>, S>,
        },
        H2 {
            #[pin]
            conn: http2::Connection<Rewind<I>, S, MyrtExecutor>,
        },
        Done,
    }
}

pin_project! {
    /// One connection being served ([`Server::serve_connection`]).
    #[must_use = "futures do nothing unless awaited"]
    pub struct Connection<I, S>
    where
        S: HttpService<Incoming>,
    {
        #[pin]
        state: State<I, S>,
        stopping: bool,
    }
}

impl<I, S, B> Connection<I, S>
where
    I: Read + Write + Unpin + Send + 'static,
    S: HttpService<Incoming, ResBody = B> + Send,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    /// Starts a graceful shutdown: HTTP/1 closes after the response in
    /// flight (at once if idle), HTTP/2 sends GOAWAY and finishes its open
    /// streams; a connection that has not sent its first bytes yet is
    /// closed. Keep polling the future until it completes.
    pub fn graceful_shutdown(self: Pin<&mut Self>) {
        let this = self.project();
        *this.stopping = true;
        match this.state.project() {
            StateProj::H1 { conn } => conn.graceful_shutdown(),
            StateProj::H2 { conn } => conn.graceful_shutdown(),
            StateProj::Detect { .. } | StateProj::Done => {}
        }
    }
}

impl<I, S, B> Future for Connection<I, S>
where
    I: Read + Write + Unpin + Send + 'static,
    S: HttpService<Incoming, ResBody = B> + Send,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Output = Result<(), ::hyper::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let next = match this.state.as_mut().project() {
                StateProj::H1 { conn } => return conn.poll(cx),
                StateProj::H2 { conn } => return conn.poll(cx),
                StateProj::Done => return Poll::Ready(Ok(())),
                StateProj::Detect {
                    io,
                    service,
                    seen,
                    timeout,
                    timer,
                    http1,
                    http2,
                } => {
                    if *this.stopping {
                        this.state.set(State::Done);
                        continue;
                    }
                    let stream = io.as_mut().expect("the stream is here until detected");
                    let h2 = match detect(stream, seen, cx) {
                        Poll::Pending => {
                            let timer = timer.get_or_insert_with(|| crate::time::sleep(*timeout));
                            if Pin::new(timer).poll(cx).is_pending() {
                                return Poll::Pending;
                            }
                            // Silent for too long: close.
                            this.state.set(State::Done);
                            continue;
                        }
                        // EOF or an error before a request: nothing to serve.
                        Poll::Ready(None) => {
                            this.state.set(State::Done);
                            continue;
                        }
                        Poll::Ready(Some(h2)) => h2,
                    };
                    let io = Rewind::new(io.take().expect("taken once"), std::mem::take(seen));
                    let service = service.take().expect("taken once");
                    if h2 {
                        State::H2 {
                            conn: http2.serve_connection(io, service),
                        }
                    } else {
                        State::H1 {
                            conn: http1.serve_connection(io, service),
                        }
                    }
                }
            };
            this.state.set(next);
        }
    }
}

impl<I, S: HttpService<Incoming>> fmt::Debug for Connection<I, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("stopping", &self.stopping)
            .finish_non_exhaustive()
    }
}

/// Reads the connection's first bytes until they are the HTTP/2 preface
/// (`Some(true)`) or cannot be (`Some(false)`); `None` at EOF or on an
/// error before either.
fn detect<I: Read + Unpin>(
    io: &mut I,
    seen: &mut Vec<u8>,
    cx: &mut Context<'_>,
) -> Poll<Option<bool>> {
    loop {
        let mut room = [0u8; 24];
        let want = PREFACE.len() - seen.len();
        let mut buf = ::hyper::rt::ReadBuf::new(&mut room[..want]);
        match ready!(Pin::new(&mut *io).poll_read(cx, buf.unfilled())) {
            Err(_) => return Poll::Ready(None),
            Ok(()) if buf.filled().is_empty() => return Poll::Ready(None),
            Ok(()) => seen.extend_from_slice(buf.filled()),
        }
        if !PREFACE.starts_with(seen) {
            return Poll::Ready(Some(false));
        }
        if seen.len() == PREFACE.len() {
            return Poll::Ready(Some(true));
        }
    }
}

pin_project! {
    /// A stream whose first bytes, already read, are given again first.
    #[derive(Debug)]
    struct Rewind<I> {
        prefix: Vec<u8>,
        at: usize,
        #[pin]
        io: I,
    }
}

impl<I> Rewind<I> {
    fn new(io: I, prefix: Vec<u8>) -> Self {
        Rewind { prefix, at: 0, io }
    }
}

impl<I: Read> Read for Rewind<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        if *this.at < this.prefix.len() {
            let rest = &this.prefix[*this.at..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            *this.at += n;
            if *this.at == this.prefix.len() {
                *this.prefix = Vec::new();
                *this.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        this.io.poll_read(cx, buf)
    }
}

forward_write!(Rewind<I: Write>, io);

// ---------------------------------------------------------------------------
// Graceful shutdown for connections accepted by hand.

/// Graceful shutdown for connections you accept yourself (hyper-util's
/// `GracefulShutdown`): [`spawn`](Self::spawn) each [`Connection`], then
/// [`shutdown`](Self::shutdown) asks them all to finish and waits.
///
/// Dropping it aborts the connection tasks still running.
pub struct GracefulShutdown {
    tasks: crate::task::JoinSet<()>,
    stop: Arc<Event>,
}

impl Default for GracefulShutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for GracefulShutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GracefulShutdown")
            .field("connections", &self.tasks.len())
            .field("stopping", &self.stop.is_set())
            .finish()
    }
}

impl GracefulShutdown {
    /// No connections yet.
    pub fn new() -> GracefulShutdown {
        GracefulShutdown {
            tasks: crate::task::JoinSet::new(),
            stop: Arc::new(Event::new()),
        }
    }

    /// Serves `conn` in a task of its own that shuts it down gracefully
    /// when [`shutdown`](Self::shutdown) is called. Errors of the
    /// connection (a client gone mid-request) end its task quietly.
    ///
    /// # Panics
    ///
    /// Outside a myrt runtime (a programmer error, as for
    /// [`spawn`](crate::spawn)).
    pub fn spawn<I, S, B>(&mut self, conn: Connection<I, S>)
    where
        I: Read + Write + Unpin + Send + 'static,
        S: HttpService<Incoming, ResBody = B> + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        self.spawn_after(async move { Some(conn) });
    }

    /// [`spawn`](Self::spawn) for a connection that needs work first, in
    /// its task (a TLS handshake): `setup` gives the [`Connection`], or
    /// `None` to give up. A setup still running at
    /// [`shutdown`](Self::shutdown) is dropped, closing its stream.
    ///
    /// # Panics
    ///
    /// Outside a myrt runtime, as [`spawn`](Self::spawn).
    pub fn spawn_after<F, I, S, B>(&mut self, setup: F)
    where
        F: Future<Output = Option<Connection<I, S>>> + Send + 'static,
        I: Read + Write + Unpin + Send + 'static,
        S: HttpService<Incoming, ResBody = B> + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        self.reap_finished();
        let stop = Arc::clone(&self.stop);
        self.tasks.spawn(async move {
            let mut wait = std::pin::pin!(stop.wait());
            let mut setup = std::pin::pin!(setup);
            let conn = std::future::poll_fn(|cx| {
                if wait.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                setup.as_mut().poll(cx)
            })
            .await;
            let Some(conn) = conn else { return };
            let mut conn = std::pin::pin!(conn);
            let mut stopped = false;
            std::future::poll_fn(|cx| {
                if !stopped && wait.as_mut().poll(cx).is_ready() {
                    stopped = true;
                    conn.as_mut().graceful_shutdown();
                }
                conn.as_mut().poll(cx).map(drop)
            })
            .await;
        });
    }

    /// Forgets the connection tasks that have ended, without waiting
    /// (nobody waits for them to end before `shutdown`, so a no-op waker).
    fn reap_finished(&mut self) {
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        while let Poll::Ready(Some(_)) = self.tasks.poll_join_next(&mut cx) {}
    }

    /// The connections being served (ended ones are counted until the
    /// next [`spawn`](Self::spawn) forgets them).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no connection is being served.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Asks every connection to shut down gracefully, waits until they
    /// have, for at most `grace`, and aborts the rest.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the connections shutting down; dropping
    /// the `GracefulShutdown` then aborts them.
    pub async fn shutdown(mut self, grace: Duration) -> ShutdownReport {
        self.stop.set();
        let mut report = ShutdownReport::default();
        let deadline = crate::time::sleep(grace);
        let mut deadline = std::pin::pin!(deadline);
        loop {
            let next = std::future::poll_fn(|cx| {
                if let Poll::Ready(r) = self.tasks.poll_join_next(cx) {
                    return Poll::Ready(r.map(|_| true));
                }
                deadline.as_mut().poll(cx).map(|()| Some(false))
            })
            .await;
            match next {
                Some(true) => report.finished += 1,
                None => break,
                Some(false) => {
                    report.aborted = self.tasks.len();
                    self.tasks.shutdown_now();
                    break;
                }
            }
        }
        report
    }
}
