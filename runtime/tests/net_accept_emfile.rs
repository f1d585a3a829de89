//! `accept` keeps serving after an accept error: the process runs out of
//! file descriptors (the soft `RLIMIT_NOFILE` is lowered in this test binary
//! only), accept fails with `EMFILE`, the server frees descriptors, and the
//! pending connections are then accepted without any new readiness event.

use std::io::Read;
use std::time::Duration;

use myrt::io::AsyncWriteExt;
use myrt::net::TcpListener;
use myrt::time::timeout;

fn nofile() -> libc::rlimit {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for getrlimit to fill.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    assert_eq!(rc, 0, "getrlimit: {}", std::io::Error::last_os_error());
    lim
}

fn set_nofile(lim: &libc::rlimit) {
    // SAFETY: `lim` points to a valid rlimit; lowering the soft limit of
    // this test process is the point of the test.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, lim) };
    assert_eq!(rc, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

/// The lowest file descriptor number not open in this process (new
/// descriptors take the lowest free number; the limit caps that number).
fn lowest_free_fd() -> u64 {
    let open: std::collections::HashSet<u64> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .collect();
    (0..).find(|n| !open.contains(n)).unwrap()
}

#[test]
fn accept_keeps_serving_after_emfile() {
    const CLIENTS: usize = 40;
    let original = nofile();
    let rt = myrt::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (accepted, emfiles) = rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        // Connect every client first: the kernel completes the handshakes
        // and queues them in the listen backlog.
        let clients: Vec<std::net::TcpStream> = (0..CLIENTS)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        // Now leave room for only a few more descriptors.
        let mut low = original;
        low.rlim_cur = (lowest_free_fd() + 4).min(original.rlim_cur);
        set_nofile(&low);

        let mut held = Vec::new();
        let mut accepted = 0usize;
        let mut emfiles = 0usize;
        while accepted < CLIENTS {
            let r = timeout(Duration::from_secs(10), l.accept())
                .await
                .expect("accept hung after an error");
            match r {
                Ok((mut s, _)) => {
                    s.write_all(b"k").await.unwrap();
                    held.push(s);
                    accepted += 1;
                }
                Err(e) if e.raw_os_error() == Some(libc::EMFILE) => {
                    emfiles += 1;
                    assert!(emfiles < 1000, "EMFILE forever: nothing freed?");
                    // Free descriptors, as a real server would by closing
                    // idle connections, then keep accepting.
                    held.clear();
                }
                Err(e) => panic!("unexpected accept error: {e}"),
            }
        }
        set_nofile(&original);
        drop(held);
        // Every client got its byte: each one was really accepted.
        let reader = std::thread::spawn(move || {
            for mut c in clients {
                c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut b = [0u8; 1];
                c.read_exact(&mut b).unwrap();
                assert_eq!(&b, b"k");
            }
        });
        reader.join().unwrap();
        (accepted, emfiles)
    });
    set_nofile(&original);
    assert_eq!(accepted, CLIENTS);
    assert!(emfiles > 0, "the fd limit never triggered EMFILE");
}
