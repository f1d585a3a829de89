//! A readiness wait that is dropped before any event arrives takes its
//! waker (and so its reference to the waiting task) out of the driver at
//! once, instead of leaving it there until the next event.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use myrt::net::{UdpSocket, UnixStream};

/// A stand-in task: counts wake-ups; its `Arc` count says who holds it.
struct Task(AtomicUsize);

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `make()`'s future once with a fresh waker, expects it pending,
/// drops it, and checks the waker was let go of; `rounds` times.
fn assert_cancelled_waits_release<F: Future>(rounds: usize, mut make: impl FnMut() -> F) {
    for i in 0..rounds {
        let task = Arc::new(Task(AtomicUsize::new(0)));
        let waker = Waker::from(task.clone());
        {
            let mut fut = pin!(make());
            let r = fut.as_mut().poll(&mut Context::from_waker(&waker));
            assert!(matches!(r, Poll::Pending), "round {i}: nothing to read yet");
        }
        drop(waker);
        assert_eq!(
            Arc::strong_count(&task),
            1,
            "round {i}: the dropped wait still holds its task"
        );
        assert_eq!(task.0.load(Ordering::SeqCst), 0);
    }
}

#[test]
fn dropped_readable_waits_release_their_wakers() {
    myrt::run(async {
        let (a, _b) = UnixStream::pair().unwrap();
        assert_cancelled_waits_release(200, || a.readable());
        // The stream still works afterwards.
        let (a, mut b) = UnixStream::pair().unwrap();
        myrt::io::AsyncWriteExt::write_all(&mut b, b"x")
            .await
            .unwrap();
        a.readable().await.unwrap();
        let mut buf = [0u8; 1];
        assert_eq!(a.try_read(&mut buf).unwrap(), 1);
    });
}

#[test]
fn dropped_recv_waits_release_their_wakers() {
    myrt::run(async {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert_cancelled_waits_release(200, || async {
            let mut buf = [0u8; 16];
            s.recv_from(&mut buf).await
        });
        let mut buf = [0u8; 16];
        // A datagram still gets through to a new receive.
        let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        peer.send_to(b"hi", s.local_addr().unwrap()).await.unwrap();
        let (n, _) = s.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hi");
    });
}

#[test]
fn dropped_accepts_release_their_wakers() {
    myrt::run(async {
        let l = myrt::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        assert_cancelled_waits_release(200, || l.accept());
        // The listener still accepts afterwards.
        let addr = l.local_addr().unwrap();
        let c = myrt::spawn(async move { myrt::net::TcpStream::connect(addr).await.unwrap() });
        let (_s, _) = l.accept().await.unwrap();
        c.await.unwrap();
    });
}
