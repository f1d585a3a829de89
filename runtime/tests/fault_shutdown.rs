//! Faults: panics in futures' destructors, runtimes dropped while tasks
//! hold locks or clients are connected, peers resetting mid-write. Nothing
//! hangs, nothing acknowledged is lost.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{TcpListener, TcpStream};
use myrt::runtime::Builder;
use myrt::sync::Lock;

/// Panics when dropped.
struct PanicOnDrop;
impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("destructor panicked");
        }
    }
}

#[test]
fn panic_in_a_futures_destructor_is_contained() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    // Aborted: the destructor's panic becomes the JoinError.
    let h = rt.spawn(async {
        let _p = PanicOnDrop;
        std::future::pending::<()>().await;
    });
    rt.block_on(myrt::task::yield_now());
    h.abort();
    let e = rt.block_on(h).unwrap_err();
    assert!(e.is_panic() || e.is_cancelled(), "{e}");
    // Completed: the destructor runs after the output, panics, and the task
    // reports it; the runtime keeps serving.
    let h = rt.spawn(async {
        let _p = PanicOnDrop;
        1
    });
    assert!(rt.block_on(h).is_err());
    assert_eq!(
        rt.block_on(async { myrt::spawn(async { 2 }).await.unwrap() }),
        2
    );
    // Dropped by shutdown: the runtime still drops cleanly.
    for _ in 0..10 {
        rt.spawn(async {
            let _p = PanicOnDrop;
            std::future::pending::<()>().await;
        });
    }
    let t = Instant::now();
    drop(rt);
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[test]
fn runtime_dropped_while_tasks_hold_a_lock_releases_it() {
    let lock = Arc::new(Lock::new(0u32));
    let held = Arc::new(AtomicUsize::new(0));
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for _ in 0..4 {
        let (lock, held) = (lock.clone(), held.clone());
        rt.spawn(async move {
            let mut g = lock.lock().await;
            *g += 1;
            held.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<()>().await; // holds the guard forever
        });
    }
    while held.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(rt); // the holder and the queued waiters are all dropped
    let g = lock.try_lock().expect("lock released by shutdown");
    assert_eq!(
        *g, 1,
        "only the holder ran; the queued waiters were cancelled"
    );
}

#[test]
fn runtime_dropped_while_clients_are_connected() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let addr = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        myrt::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                myrt::spawn(async move {
                    let mut buf = [0u8; 1];
                    // Echo one byte (acknowledged), then wait forever.
                    s.read_exact(&mut buf).await.unwrap();
                    s.write_all(&buf).await.unwrap();
                    let _ = s.read(&mut buf).await;
                    std::future::pending::<()>().await;
                });
            }
        });
        addr
    });
    let mut clients = Vec::new();
    for i in 0..8u8 {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        std::io::Write::write_all(&mut c, &[i]).unwrap();
        let mut b = [0u8; 1];
        std::io::Read::read_exact(&mut c, &mut b).unwrap();
        assert_eq!(b[0], i, "acknowledged before shutdown");
        clients.push(c);
    }
    let t = Instant::now();
    drop(rt);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "shutdown with clients connected hung"
    );
    // The server side closed: clients see EOF (or reset), not a hang.
    for mut c in clients {
        let mut b = [0u8; 1];
        match std::io::Read::read(&mut c, &mut b) {
            Ok(0) | Err(_) => {}
            Ok(n) => panic!("unexpected {n} bytes after shutdown"),
        }
    }
}

#[test]
fn peer_resetting_mid_write_gives_an_error_not_a_hang() {
    myrt::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = std::thread::spawn(move || {
            let c = std::net::TcpStream::connect(addr).unwrap();
            let lg = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: a valid fd and a correctly sized linger struct.
            let r = unsafe {
                libc::setsockopt(
                    std::os::fd::AsRawFd::as_raw_fd(&c),
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    &lg as *const libc::linger as *const libc::c_void,
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                )
            };
            assert_eq!(r, 0);
            std::thread::sleep(Duration::from_millis(50));
            drop(c); // linger 0: the close sends RST
        });
        let (mut s, _) = listener.accept().await.unwrap();
        let chunk = vec![7u8; 64 * 1024];
        let result = myrt::time::timeout(Duration::from_secs(20), async {
            loop {
                if let Err(e) = s.write_all(&chunk).await {
                    return e;
                }
            }
        })
        .await
        .expect("writing to a reset peer must fail, not hang");
        assert!(
            matches!(
                result.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ),
            "{result}"
        );
        client.join().unwrap();
        // Reading from it now is EOF or an error, never a hang.
        let mut b = [0u8; 16];
        let r = myrt::time::timeout(Duration::from_secs(5), s.read(&mut b))
            .await
            .expect("read hung");
        assert!(matches!(r, Ok(0) | Err(_)));
        let _ = TcpStream::connect(addr).await; // listener still serves connects
    });
}
