//! In-crate networking tests, driven by the driver's test `block_on`.

use std::io;
use std::time::Duration;

use super::*;
use crate::driver::test_util::{block_on, join_all, BoxFut};
use crate::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, StreamExt};

fn small(n: usize) -> usize {
    if cfg!(miri) {
        n.min(4)
    } else {
        n
    }
}

async fn echo_one<S: crate::io::AsyncRead + crate::io::AsyncWrite + Unpin>(mut s: S) {
    let mut buf = [0u8; 1024];
    loop {
        let n = s.read(&mut buf).await.expect("server read");
        if n == 0 {
            return;
        }
        s.write_all(&buf[..n]).await.expect("server write");
    }
}

#[test]
fn tcp_round_trip_and_addresses() {
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let server: BoxFut<'_, ()> = Box::pin(async {
            let (s, peer) = l.accept().await.unwrap();
            assert_eq!(s.peer_addr().unwrap(), peer);
            echo_one(s).await;
        });
        let client: BoxFut<'_, ()> = Box::pin(async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            assert_eq!(c.peer_addr().unwrap(), addr);
            c.set_nodelay(true).unwrap();
            assert!(c.nodelay().unwrap());
            c.write_all(b"hello").await.unwrap();
            let mut buf = [0u8; 5];
            c.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello");
            c.close().await.unwrap();
            // The server echoed until EOF, then dropped its side.
            assert_eq!(c.read(&mut buf).await.unwrap(), 0);
        });
        join_all(vec![server, client]).await;
    });
}

#[test]
fn many_concurrent_clients_many_messages() {
    let clients = small(32);
    let msgs = small(200);
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let mut futs: Vec<BoxFut<'_, usize>> = Vec::new();
        for _ in 0..clients {
            let l = &l;
            futs.push(Box::pin(async move {
                let (s, _) = l.accept().await.unwrap();
                echo_one(s).await;
                0
            }));
        }
        for i in 0..clients {
            futs.push(Box::pin(async move {
                let mut c = TcpStream::connect(addr).await.unwrap();
                let mut got = 0;
                for m in 0..msgs {
                    let msg = format!("client {i} message {m:05}\n");
                    c.write_all(msg.as_bytes()).await.unwrap();
                    let mut buf = vec![0u8; msg.len()];
                    c.read_exact(&mut buf).await.unwrap();
                    assert_eq!(buf, msg.as_bytes());
                    got += 1;
                }
                got
            }));
        }
        let total: usize = join_all(futs).await.into_iter().sum();
        assert_eq!(total, clients * msgs);
    });
}

#[test]
fn peer_closing_mid_read_gives_eof_not_hang() {
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let server: BoxFut<'_, ()> = Box::pin(async {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 10];
            let e = s.read_exact(&mut buf).await.unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        });
        let client: BoxFut<'_, ()> = Box::pin(async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            c.write_all(b"abc").await.unwrap();
            crate::time::sleep(Duration::from_millis(10)).await;
            drop(c);
        });
        join_all(vec![server, client]).await;
    });
}

#[test]
fn readiness_never_lost_with_many_short_lived_connections() {
    let rounds = small(20);
    let batch = small(25);
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        for _ in 0..rounds {
            let mut futs: Vec<BoxFut<'_, ()>> = Vec::new();
            for _ in 0..batch {
                let l = &l;
                futs.push(Box::pin(async move {
                    let (mut s, _) = l.accept().await.unwrap();
                    let mut b = [0u8; 1];
                    s.read_exact(&mut b).await.unwrap();
                    s.write_all(&b).await.unwrap();
                }));
                futs.push(Box::pin(async move {
                    let mut c = TcpStream::connect(addr).await.unwrap();
                    c.write_all(b"x").await.unwrap();
                    let mut b = [0u8; 1];
                    c.read_exact(&mut b).await.unwrap();
                    assert_eq!(&b, b"x");
                }));
            }
            join_all(futs).await;
        }
    });
}

#[test]
fn connect_refused_is_an_error() {
    block_on(async {
        let addr = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        let e = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn split_halves_work_concurrently_and_reunite() {
    block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        {
            let (mut r, mut w) = UnixStream::split(&a);
            let writer: BoxFut<'_, ()> = Box::pin(async move {
                for i in 0..100u8 {
                    w.write_all(&[i; 100]).await.unwrap();
                }
            });
            let echo: BoxFut<'_, ()> = Box::pin(async {
                let (mut br, mut bw) = (&b, &b);
                crate::io::copy(&mut br, &mut bw).await.unwrap();
            });
            let reader: BoxFut<'_, ()> = Box::pin(async move {
                let mut buf = vec![0u8; 100 * 100];
                r.read_exact(&mut buf).await.unwrap();
                for (i, chunk) in buf.chunks(100).enumerate() {
                    assert!(chunk.iter().all(|&x| x == i as u8));
                }
            });
            // The echo side never ends (b stays open); join the other two
            // and poll the echo alongside through a select-like join.
            let done = join_all(vec![writer, reader]);
            futures_util::pin_mut!(done);
            futures_util::pin_mut!(echo);
            futures_util::future::select(done, echo).await;
        }
        let (r, w) = a.into_split();
        let (r2, w2) = b.into_split();
        let err = r.reunite(w2).unwrap_err();
        let (r, w2) = (err.0, err.1);
        let a = r.reunite(w).unwrap();
        let b = w2.reunite(r2).unwrap();
        drop((a, b));
    });
}

#[test]
fn owned_write_half_drop_shuts_down_writing() {
    block_on(async {
        let (a, mut b) = UnixStream::pair().unwrap();
        let (_r, w) = a.into_split();
        drop(w);
        let mut buf = Vec::new();
        assert_eq!(b.read_to_end(&mut buf).await.unwrap(), 0);
    });
}

#[test]
fn try_read_try_write_with_readiness() {
    block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        a.writable().await.unwrap();
        assert_eq!(a.try_write(b"ping").unwrap(), 4);
        b.readable().await.unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(b.try_read(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"ping");
        // Nothing left: WouldBlock (and readiness cleared), not a hang.
        assert_eq!(
            b.try_read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        // The next readable() waits for new data.
        let r = crate::time::timeout(Duration::from_millis(20), b.readable()).await;
        assert!(r.is_err(), "readiness must have been cleared");
    });
}

#[test]
fn unix_listener_and_lines() {
    let dir = std::env::temp_dir().join(format!("myrt-unix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sock");
    block_on(async {
        let l = UnixListener::bind(&path).unwrap();
        let server: BoxFut<'_, ()> = Box::pin(async {
            let (s, _) = l.accept().await.unwrap();
            let (r, mut w) = s.into_split();
            let mut lines = BufReader::new(r).lines();
            let mut n = 0;
            while let Some(line) = lines.next().await {
                let line = line.unwrap();
                w.write_all(format!("{}\n", line.len()).as_bytes())
                    .await
                    .unwrap();
                n += 1;
            }
            assert_eq!(n, 3);
        });
        let path = &path;
        let client: BoxFut<'_, ()> = Box::pin(async move {
            let mut c = UnixStream::connect(path).await.unwrap();
            c.write_all(b"a\nbb\nccc\n").await.unwrap();
            c.shutdown(std::net::Shutdown::Write).unwrap();
            let mut out = String::new();
            c.read_to_string(&mut out).await.unwrap();
            assert_eq!(out, "1\n2\n3\n");
        });
        join_all(vec![server, client]).await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn udp_and_unix_datagram_round_trips() {
    block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.send_to(b"hi", b.local_addr().unwrap()).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"hi"[..], a.local_addr().unwrap()));
        b.connect(from).await.unwrap();
        b.send(b"yo").await.unwrap();
        let (n, _) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"yo");

        let (x, y) = UnixDatagram::pair().unwrap();
        x.send(b"dgram").await.unwrap();
        let n = y.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"dgram");
        assert_eq!(
            y.try_recv(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
    });
}

#[test]
fn io_outside_runtime_is_an_error_not_a_panic() {
    let e = UnixStream::pair().unwrap_err();
    assert!(e.to_string().contains("no myrt runtime"), "{e}");
}

#[test]
fn shutdown_fails_pending_io_instead_of_hanging() {
    use std::future::Future;
    use std::task::{Context, Poll};
    let driver = crate::driver::Driver::new().unwrap();
    let handle = driver.handle();
    let _g = handle.enter();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut a = a;
    let mut buf = [0u8; 4];
    let fut = a.read(&mut buf);
    futures_util::pin_mut!(fut);
    let waker = crate::driver::test_util::noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    handle.shutdown();
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Err(e)) => assert!(e.to_string().contains("shut down")),
        other => panic!("expected an error, got {other:?}"),
    }
}
