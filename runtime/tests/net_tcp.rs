//! TCP on the real runtime: many concurrent clients, EOF on peer close,
//! many short-lived connections, split halves across tasks, UDP.

use std::io;
use std::time::Duration;

use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{TcpListener, TcpStream, UdpSocket};
use myrt::time::timeout;

fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        n.min(3)
    } else {
        n
    }
}

async fn echo_server() -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    myrt::spawn(async move {
        loop {
            let (mut s, _) = match l.accept().await {
                Ok(x) => x,
                Err(_) => return,
            };
            myrt::spawn(async move {
                let mut buf = vec![0u8; 4096];
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
    addr
}

#[test]
fn many_concurrent_clients_each_exchanging_many_messages() {
    let clients = scaled(64);
    let msgs = scaled(300);
    let total = myrt::run(async move {
        let addr = echo_server().await;
        let hs: Vec<_> = (0..clients)
            .map(|c| {
                myrt::spawn(async move {
                    let mut s = TcpStream::connect(addr).await.unwrap();
                    s.set_nodelay(true).unwrap();
                    let mut done = 0usize;
                    for m in 0..msgs {
                        let msg = [(c % 251) as u8, (m % 251) as u8, 7, 9];
                        s.write_all(&msg).await.unwrap();
                        let mut back = [0u8; 4];
                        s.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, msg);
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        let mut total = 0;
        for h in hs {
            total += h.await.unwrap();
        }
        total
    });
    assert_eq!(total, clients * msgs);
}

#[test]
fn peer_closing_mid_read_gives_eof_or_error_not_hang() {
    myrt::run(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let client = myrt::spawn(async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            c.write_all(b"partial").await.unwrap();
            myrt::time::sleep(Duration::from_millis(20)).await;
            drop(c); // closes mid-message
        });
        let (mut s, _) = l.accept().await.unwrap();
        let mut buf = [0u8; 64];
        let r = timeout(Duration::from_secs(10), s.read_exact(&mut buf))
            .await
            .expect("read hung after the peer closed");
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        // Plain reads keep returning EOF.
        assert_eq!(s.read(&mut buf).await.unwrap(), 0);
        client.await.unwrap();
    });
}

#[test]
fn readiness_never_lost_under_many_short_lived_connections() {
    let conns = scaled(2000);
    let concurrency = 64;
    myrt::run(async move {
        let addr = echo_server().await;
        let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let hs: Vec<_> = (0..concurrency)
            .map(|_| {
                let next = next.clone();
                myrt::spawn(async move {
                    let mut done = 0;
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < conns {
                        let mut c = TcpStream::connect(addr).await.unwrap();
                        c.write_all(b"ping").await.unwrap();
                        let mut b = [0u8; 4];
                        timeout(Duration::from_secs(10), c.read_exact(&mut b))
                            .await
                            .expect("lost wake-up: read never completed")
                            .unwrap();
                        assert_eq!(&b, b"ping");
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        let mut total = 0;
        for h in hs {
            total += h.await.unwrap();
        }
        assert_eq!(total, conns);
    });
}

#[test]
fn owned_halves_in_different_tasks() {
    myrt::run(async {
        let addr = echo_server().await;
        let s = TcpStream::connect(addr).await.unwrap();
        let (mut r, mut w) = s.into_split();
        let n = scaled(1000);
        let writer = myrt::spawn(async move {
            for i in 0..n {
                w.write_all(&(i as u32).to_le_bytes()).await.unwrap();
            }
            w.close().await.unwrap();
        });
        let reader = myrt::spawn(async move {
            let mut all = Vec::new();
            r.read_to_end(&mut all).await.unwrap();
            all
        });
        writer.await.unwrap();
        let all = reader.await.unwrap();
        assert_eq!(all.len(), n * 4);
        for (i, c) in all.chunks(4).enumerate() {
            assert_eq!(u32::from_le_bytes(c.try_into().unwrap()), i as u32);
        }
    });
}

#[test]
fn two_tasks_accepting_on_one_listener_are_both_served() {
    myrt::run(async {
        let l = std::sync::Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = l.local_addr().unwrap();
        let acceptors: Vec<_> = (0..2)
            .map(|_| {
                let l = l.clone();
                myrt::spawn(async move { l.accept().await.map(|_| ()) })
            })
            .collect();
        myrt::time::sleep(Duration::from_millis(20)).await;
        let _c1 = TcpStream::connect(addr).await.unwrap();
        let _c2 = TcpStream::connect(addr).await.unwrap();
        for a in acceptors {
            timeout(Duration::from_secs(10), a)
                .await
                .expect("an accepting task was never woken")
                .unwrap()
                .unwrap();
        }
    });
}

#[test]
fn udp_ping_pong() {
    myrt::run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b_addr = b.local_addr().unwrap();
        let server = myrt::spawn(async move {
            let mut buf = [0u8; 64];
            for _ in 0..10 {
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                b.send_to(&buf[..n], from).await.unwrap();
            }
        });
        a.connect(b_addr).await.unwrap();
        let mut buf = [0u8; 64];
        for i in 0..10u8 {
            a.send(&[i; 3]).await.unwrap();
            let n = timeout(Duration::from_secs(10), a.recv(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&buf[..n], &[i; 3]);
        }
        server.await.unwrap();
    });
}
