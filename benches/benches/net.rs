//! Reactor benchmarks, myrt and tokio side by side, both multi-thread with 2
//! workers:
//!
//! - `tcp_echo`: 16 loopback connections, each doing 200 sequential 64-byte
//!   round trips against an echo server on the same runtime (criterion's
//!   throughput figure is round trips per second). The `mio_ceiling_*` ids
//!   are the same traffic with no runtime at all, on raw `mio::Poll`:
//!   `2threads` has one thread poll the 16 server sockets and the bench
//!   thread the 16 client sockets; `1thread` polls all 32 sockets on the
//!   bench thread (no cross-thread wake-ups at all). A short read ends a
//!   read loop: edge-triggered epoll reports the next arrival, so the
//!   ceilings make no read that would only say WouldBlock. A second
//!   case, `256x25x64B`, has 256 connections do 25 round trips each (no
//!   ceiling: the mio loops are written for 16).
//! - `timers_10k`: 10,000 tasks each `sleep(1 ms)`, time until all are done.
//! - `timeout_ready_1k`: 1,000 `timeout(1 s, ready(()))` awaited in one task.
#![allow(missing_docs)] // criterion's macros generate undocumented public items

use std::future::ready;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
// Links the support crate, and with it the `mimalloc` feature's global
// allocator.
use myrt_benches as _;

const WORKERS: usize = 2;
const CONNS: usize = 16;
const MSG: usize = 64;
const ROUNDS: usize = 200;
const TIMERS: usize = 10_000;
const TIMEOUTS: usize = 1_000;

fn myrt_rt() -> myrt::runtime::Runtime {
    myrt::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .expect("myrt runtime")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The same echo server and client bodies for both runtimes.
macro_rules! echo_workload {
    ($m:ident, $spawn:path, $Listener:ty, $Stream:ty, $($ext:path),+) => {
        mod $m {
            use super::*;
            $(use $ext;)+

            /// Starts an echo server on 127.0.0.1 and returns `n`
            /// connected client streams (nodelay on both ends).
            pub(crate) async fn setup(n: usize) -> Vec<$Stream> {
                let listener = <$Listener>::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("local_addr");
                $spawn(async move {
                    loop {
                        let Ok((mut s, _)) = listener.accept().await else { continue };
                        s.set_nodelay(true).expect("nodelay");
                        $spawn(async move {
                            let mut buf = [0u8; 4096];
                            loop {
                                match s.read(&mut buf).await {
                                    Ok(0) | Err(_) => return,
                                    Ok(n) => {
                                        if s.write_all(&buf[..n]).await.is_err() {
                                            return;
                                        }
                                    }
                                }
                            }
                        });
                    }
                });
                let mut conns = Vec::with_capacity(n);
                for _ in 0..n {
                    let s = <$Stream>::connect(addr).await.expect("connect");
                    s.set_nodelay(true).expect("nodelay");
                    conns.push(s);
                }
                conns
            }

            /// Every connection does `rounds` sequential round trips, all
            /// connections at once; the streams are handed back.
            pub(crate) async fn round_trips(conns: &mut Vec<$Stream>, rounds: usize) {
                let hs: Vec<_> = conns
                    .drain(..)
                    .map(|mut s| {
                        $spawn(async move {
                            let out = [7u8; MSG];
                            let mut back = [0u8; MSG];
                            for _ in 0..rounds {
                                s.write_all(&out).await.expect("write");
                                s.read_exact(&mut back).await.expect("read");
                            }
                            assert_eq!(back, out);
                            s
                        })
                    })
                    .collect();
                for h in hs {
                    conns.push(h.await.expect("client task"));
                }
            }

            /// 10,000 tasks each sleeping 1 ms.
            pub(crate) async fn timers() {
                let hs: Vec<_> = (0..TIMERS)
                    .map(|_| $spawn(sleep(Duration::from_millis(1))))
                    .collect();
                for h in hs {
                    h.await.expect("sleeper");
                }
            }

            /// 1,000 timeouts around a ready future, in one task.
            pub(crate) async fn timeout_ready() {
                for _ in 0..TIMEOUTS {
                    timeout(Duration::from_secs(1), ready(()))
                        .await
                        .expect("ready future timed out");
                }
            }
        }
    };
}

echo_workload!(
    on_myrt,
    myrt::spawn,
    myrt::net::TcpListener,
    myrt::net::TcpStream,
    myrt::io::AsyncReadExt,
    myrt::io::AsyncWriteExt,
    myrt::time::sleep,
    myrt::time::timeout
);
echo_workload!(
    on_tokio,
    tokio::spawn,
    tokio::net::TcpListener,
    tokio::net::TcpStream,
    tokio::io::AsyncReadExt,
    tokio::io::AsyncWriteExt,
    tokio::time::sleep,
    tokio::time::timeout
);

fn tcp_echo(c: &mut Criterion) {
    let mut g = c.benchmark_group("tcp_echo");
    // 16 connections × ROUNDS, and 256 connections × 25 (about as many
    // round trips); the raw mio ceilings below run the 16-connection case.
    for (n, rounds) in [(CONNS, ROUNDS), (256, 25)] {
        g.throughput(Throughput::Elements((n * rounds) as u64));
        let param = format!("{n}x{rounds}x{MSG}B");

        let rt = myrt_rt();
        let mut conns = rt.block_on(on_myrt::setup(n));
        g.bench_function(BenchmarkId::new("myrt", &param), |b| {
            b.iter(|| rt.block_on(on_myrt::round_trips(&mut conns, rounds)))
        });
        drop(conns);
        drop(rt);

        let rt = tokio_rt();
        let mut conns = rt.block_on(on_tokio::setup(n));
        g.bench_function(BenchmarkId::new("tokio", &param), |b| {
            b.iter(|| rt.block_on(on_tokio::round_trips(&mut conns, rounds)))
        });
        drop(conns);
        drop(rt);
    }

    g.throughput(Throughput::Elements((CONNS * ROUNDS) as u64));
    let param = format!("{CONNS}x{ROUNDS}x{MSG}B");
    let mut client = mio_echo::Client::start();
    g.bench_function(BenchmarkId::new("mio_ceiling_2threads", &param), |b| {
        b.iter(|| client.round_trips())
    });
    drop(client);

    let mut both = mio_echo::OneThread::start();
    g.bench_function(BenchmarkId::new("mio_ceiling_1thread", &param), |b| {
        b.iter(|| both.round_trips())
    });
    g.finish();
}

fn timers(c: &mut Criterion) {
    let mut g = c.benchmark_group("timers_10k");
    g.throughput(Throughput::Elements(TIMERS as u64));
    let rt = myrt_rt();
    g.bench_function(BenchmarkId::new("myrt", "sleep_1ms"), |b| {
        b.iter(|| rt.block_on(on_myrt::timers()))
    });
    drop(rt);
    let rt = tokio_rt();
    g.bench_function(BenchmarkId::new("tokio", "sleep_1ms"), |b| {
        b.iter(|| rt.block_on(on_tokio::timers()))
    });
    g.finish();
}

fn timeout_ready(c: &mut Criterion) {
    let mut g = c.benchmark_group("timeout_ready_1k");
    g.throughput(Throughput::Elements(TIMEOUTS as u64));
    let rt = myrt_rt();
    g.bench_function("myrt", |b| {
        b.iter(|| {
            rt.block_on(rt.spawn(on_myrt::timeout_ready()))
                .expect("task")
        })
    });
    drop(rt);
    let rt = tokio_rt();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(rt.spawn(on_tokio::timeout_ready()))
                .expect("task")
        })
    });
    g.finish();
}

/// The ceiling: the same echo traffic over raw `mio`, one thread per side,
/// no runtime, no tasks, no wakers.
mod mio_echo {
    use super::*;
    use mio::net::{TcpListener, TcpStream};
    use mio::{Events, Interest, Poll, Token};

    /// One non-blocking socket with the bytes it still has to write.
    struct Conn {
        sock: TcpStream,
        pending: Vec<u8>,
    }

    impl Conn {
        /// Writes as much of `pending` as the socket takes.
        fn flush(&mut self) -> io::Result<()> {
            while !self.pending.is_empty() {
                match self.sock.write(&self.pending) {
                    Ok(n) => {
                        self.pending.drain(..n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        }
    }

    /// The server loop: accepts `CONNS` connections, then echoes on all of
    /// them until every one is closed.
    fn serve(listener: std::net::TcpListener) -> io::Result<()> {
        listener.set_nonblocking(true)?;
        let mut listener = TcpListener::from_std(listener);
        let mut poll = Poll::new()?;
        const LISTENER: Token = Token(usize::MAX);
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let mut conns: Vec<Option<Conn>> = Vec::new();
        let mut open = 0usize;
        let mut events = Events::with_capacity(256);
        let mut buf = [0u8; 4096];
        loop {
            poll.poll(&mut events, None)?;
            for ev in events.iter() {
                if ev.token() == LISTENER {
                    loop {
                        match listener.accept() {
                            Ok((mut sock, _)) => {
                                sock.set_nodelay(true)?;
                                let tok = Token(conns.len());
                                poll.registry().register(
                                    &mut sock,
                                    tok,
                                    Interest::READABLE | Interest::WRITABLE,
                                )?;
                                conns.push(Some(Conn {
                                    sock,
                                    pending: Vec::new(),
                                }));
                                open += 1;
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e),
                        }
                    }
                    continue;
                }
                let i = ev.token().0;
                let Some(conn) = conns[i].as_mut() else {
                    continue;
                };
                let mut closed = false;
                if ev.is_readable() {
                    loop {
                        match conn.sock.read(&mut buf) {
                            Ok(0) => {
                                closed = true;
                                break;
                            }
                            Ok(n) => {
                                conn.pending.extend_from_slice(&buf[..n]);
                                conn.flush()?;
                                if n < buf.len() {
                                    // Drained: epoll reports the next
                                    // arrival, no need for a read that
                                    // would only say WouldBlock.
                                    break;
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(_) => {
                                closed = true;
                                break;
                            }
                        }
                    }
                }
                if ev.is_writable() && !closed {
                    conn.flush()?;
                }
                if closed {
                    conns[i] = None;
                    open -= 1;
                    if open == 0 {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// The client side, driven from the bench thread; the server runs on
    /// its own thread until the client is dropped.
    pub(crate) struct Client {
        poll: Poll,
        events: Events,
        conns: Vec<Conn>,
        server: Option<thread::JoinHandle<io::Result<()>>>,
    }

    impl Client {
        pub(crate) fn start() -> Client {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let addr: SocketAddr = listener.local_addr().expect("local_addr");
            let server = thread::Builder::new()
                .name("mio-echo-server".into())
                .spawn(move || serve(listener))
                .expect("spawn server thread");
            let poll = Poll::new().expect("poll");
            let mut conns = Vec::with_capacity(CONNS);
            for i in 0..CONNS {
                // Connect blocking, then hand the socket to mio.
                let s = std::net::TcpStream::connect(addr).expect("connect");
                s.set_nodelay(true).expect("nodelay");
                s.set_nonblocking(true).expect("nonblocking");
                let mut sock = TcpStream::from_std(s);
                poll.registry()
                    .register(&mut sock, Token(i), Interest::READABLE | Interest::WRITABLE)
                    .expect("register");
                conns.push(Conn {
                    sock,
                    pending: Vec::new(),
                });
            }
            Client {
                poll,
                events: Events::with_capacity(256),
                conns,
                server: Some(server),
            }
        }

        /// `ROUNDS` round trips on each connection, all at once.
        pub(crate) fn round_trips(&mut self) {
            let out = [7u8; MSG];
            let mut left = [ROUNDS; CONNS];
            let mut got = [0usize; CONNS];
            let mut busy = CONNS;
            for c in &mut self.conns {
                c.pending.extend_from_slice(&out);
                c.flush().expect("write");
            }
            let mut buf = [0u8; 4096];
            while busy > 0 {
                self.poll.poll(&mut self.events, None).expect("poll");
                for ev in self.events.iter() {
                    let i = ev.token().0;
                    let c = &mut self.conns[i];
                    if ev.is_writable() {
                        c.flush().expect("write");
                    }
                    if !ev.is_readable() {
                        continue;
                    }
                    loop {
                        match c.sock.read(&mut buf) {
                            Ok(0) => panic!("echo server closed a connection"),
                            Ok(n) => {
                                got[i] += n;
                                assert!(got[i] <= MSG, "echo sent more than was written");
                                if got[i] == MSG {
                                    got[i] = 0;
                                    left[i] -= 1;
                                    if left[i] == 0 {
                                        busy -= 1;
                                    } else {
                                        c.pending.extend_from_slice(&out);
                                        c.flush().expect("write");
                                    }
                                }
                                if n < buf.len() {
                                    break; // drained, as in the server
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => panic!("read: {e}"),
                        }
                    }
                }
            }
        }
    }

    impl Drop for Client {
        fn drop(&mut self) {
            // Closing every client socket ends the server loop.
            self.conns.clear();
            if let Some(h) = self.server.take() {
                let _ = h.join();
            }
        }
    }

    /// Both ends of every connection in one `Poll`, driven from the bench
    /// thread: even tokens are clients, odd tokens their server ends.
    pub(crate) struct OneThread {
        poll: Poll,
        events: Events,
        clients: Vec<Conn>,
        servers: Vec<Conn>,
    }

    impl OneThread {
        pub(crate) fn start() -> OneThread {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let addr = listener.local_addr().expect("local_addr");
            let poll = Poll::new().expect("poll");
            let (mut clients, mut servers) = (Vec::new(), Vec::new());
            for i in 0..CONNS {
                let c = std::net::TcpStream::connect(addr).expect("connect");
                let (s, _) = listener.accept().expect("accept");
                for (sock, tok, list) in [(c, 2 * i, &mut clients), (s, 2 * i + 1, &mut servers)] {
                    sock.set_nodelay(true).expect("nodelay");
                    sock.set_nonblocking(true).expect("nonblocking");
                    let mut sock = TcpStream::from_std(sock);
                    poll.registry()
                        .register(
                            &mut sock,
                            Token(tok),
                            Interest::READABLE | Interest::WRITABLE,
                        )
                        .expect("register");
                    list.push(Conn {
                        sock,
                        pending: Vec::new(),
                    });
                }
            }
            OneThread {
                poll,
                events: Events::with_capacity(256),
                clients,
                servers,
            }
        }

        /// `ROUNDS` round trips on each connection, all at once.
        pub(crate) fn round_trips(&mut self) {
            let out = [7u8; MSG];
            let mut left = [ROUNDS; CONNS];
            let mut got = [0usize; CONNS];
            let mut busy = CONNS;
            for c in &mut self.clients {
                c.pending.extend_from_slice(&out);
                c.flush().expect("write");
            }
            let mut buf = [0u8; 4096];
            while busy > 0 {
                self.poll.poll(&mut self.events, None).expect("poll");
                for ev in self.events.iter() {
                    let (i, server) = (ev.token().0 / 2, ev.token().0 % 2 == 1);
                    let c = if server {
                        &mut self.servers[i]
                    } else {
                        &mut self.clients[i]
                    };
                    if ev.is_writable() {
                        c.flush().expect("write");
                    }
                    if !ev.is_readable() {
                        continue;
                    }
                    loop {
                        let n = match c.sock.read(&mut buf) {
                            Ok(0) => panic!("a connection closed"),
                            Ok(n) => n,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            Err(e) => panic!("read: {e}"),
                        };
                        if server {
                            c.pending.extend_from_slice(&buf[..n]);
                            c.flush().expect("write");
                        } else {
                            got[i] += n;
                            assert!(got[i] <= MSG, "echo sent more than was written");
                            if got[i] == MSG {
                                got[i] = 0;
                                left[i] -= 1;
                                if left[i] == 0 {
                                    busy -= 1;
                                } else {
                                    c.pending.extend_from_slice(&out);
                                    c.flush().expect("write");
                                }
                            }
                        }
                        if n < buf.len() {
                            break; // drained
                        }
                    }
                }
            }
        }
    }
}

mod group {
    use super::*;
    criterion_group!(benches, tcp_echo, timers, timeout_ready);
}
criterion_main!(group::benches);
