//! Stress: many concurrent TCP connections on loopback (10,000 with
//! `MYRT_STRESS=1`, 500 by default), each echoing one message.

use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{TcpListener, TcpStream};

fn full() -> bool {
    std::env::var_os("MYRT_STRESS").is_some_and(|v| v == "1")
}

/// Raises the soft fd limit to the hard limit; returns the new soft limit.
fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for getrlimit to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 1024;
    }
    lim.rlim_cur = lim.rlim_max.min(65_536);
    // SAFETY: `lim` is a valid rlimit; raising the soft limit up to the hard
    // one needs no privilege.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        // SAFETY: as for the first call.
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    }
    lim.rlim_cur
}

#[test]
fn many_concurrent_connections() {
    let soft = raise_fd_limit();
    let want: u64 = if full() { 10_000 } else { 500 };
    // Each connection uses two fds (client and server side) in this process.
    let n = want.min(soft.saturating_sub(64) / 2) as usize;
    assert!(n >= 100, "fd limit too low for the test: {soft}");
    myrt::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = myrt::spawn(async move {
            let mut conns = Vec::with_capacity(n);
            for _ in 0..n {
                let (mut s, _) = listener.accept().await.unwrap();
                conns.push(myrt::spawn(async move {
                    let mut buf = [0u8; 8];
                    s.read_exact(&mut buf).await.unwrap();
                    s.write_all(&buf).await.unwrap();
                }));
            }
            for c in conns {
                c.await.unwrap();
            }
        });
        // Open every connection first, so all are alive at once.
        let mut clients = Vec::with_capacity(n);
        for _ in 0..n {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        let tasks: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                myrt::spawn(async move {
                    let msg = (i as u64).to_le_bytes();
                    c.write_all(&msg).await.unwrap();
                    let mut back = [0u8; 8];
                    c.read_exact(&mut back).await.unwrap();
                    assert_eq!(back, msg);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        server.await.unwrap();
    });
}
