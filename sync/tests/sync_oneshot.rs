//! oneshot: one value from one sender to one receiver, tasks and threads.

mod common;

use common::{block_on, join, poll_once, Task};
use myrt_sync::oneshot::{self, TryRecvError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

/// Counts its drops.
#[derive(Debug)]
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn send_wakes_a_waiting_receiver() {
    let (tx, rx) = oneshot::channel();
    let mut t = Task::new(rx);
    t.pending();
    assert!(!t.woken());
    tx.send(5).unwrap();
    assert!(t.woken());
    assert_eq!(t.ready(), Ok(5));
}

#[test]
fn dropping_the_sender_fails_the_receiver() {
    let (tx, rx) = oneshot::channel::<u8>();
    let mut t = Task::new(rx);
    t.pending();
    drop(tx);
    assert!(t.woken());
    assert!(t.ready().is_err());
}

#[test]
fn a_dropped_or_closed_receiver_hands_the_value_back() {
    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(String::from("v")), Err(String::from("v")));

    let (tx, mut rx) = oneshot::channel();
    rx.close();
    assert_eq!(tx.send(1), Err(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(block_on(rx).is_err());
}

#[test]
fn try_recv_reports_each_state() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(9).unwrap();
    assert_eq!(rx.try_recv(), Ok(9));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "taken once");
    let (tx, mut rx) = oneshot::channel::<u8>();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn a_value_sent_before_close_is_still_received() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(3).unwrap();
    rx.close();
    assert_eq!(block_on(rx), Ok(3));
}

#[test]
fn the_receiver_can_lose_a_race_and_be_awaited_again() {
    let (tx, mut rx) = oneshot::channel();
    // A `select` that polls `&mut rx` and then drops that future.
    assert!(poll_once(&mut &mut rx).is_pending());
    assert!(poll_once(&mut &mut rx).is_pending());
    tx.send('x').unwrap();
    assert_eq!(block_on(&mut rx), Ok('x'));
    // Polled again after completion: the value is gone.
    assert!(block_on(&mut rx).is_err());
}

/// A waker counting its wake-ups.
struct Count(AtomicUsize);

impl std::task::Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn only_the_latest_waker_is_woken() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Waker};
    let (tx, mut rx) = oneshot::channel();
    let (a, b) = (
        Arc::new(Count(AtomicUsize::new(0))),
        Arc::new(Count(AtomicUsize::new(0))),
    );
    let (wa, wb) = (Waker::from(a.clone()), Waker::from(b.clone()));
    assert!(Pin::new(&mut rx)
        .poll(&mut Context::from_waker(&wa))
        .is_pending());
    // The receiver moved to another task.
    assert!(Pin::new(&mut rx)
        .poll(&mut Context::from_waker(&wb))
        .is_pending());
    tx.send(1).unwrap();
    assert_eq!(
        a.0.load(Ordering::SeqCst),
        0,
        "the replaced waker is not woken"
    );
    assert_eq!(b.0.load(Ordering::SeqCst), 1);
    assert_eq!(block_on(rx), Ok(1));
}

#[test]
fn closed_wakes_when_the_receiver_goes() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    {
        let mut t = Task::new(tx.closed());
        t.pending();
        drop(rx);
        assert!(t.woken());
        t.ready();
    }
    assert!(tx.is_closed());
    // Already closed: ready at once.
    block_on(tx.closed());

    let (mut tx, mut rx) = oneshot::channel::<u8>();
    {
        let mut t = Task::new(tx.closed());
        t.pending();
        rx.close();
        assert!(t.woken());
        t.ready();
    }
}

#[test]
fn a_dropped_closed_future_changes_nothing() {
    let (mut tx, rx) = oneshot::channel();
    {
        let mut t = Task::new(tx.closed());
        t.pending();
    }
    assert!(!tx.is_closed());
    tx.send(4).unwrap();
    assert_eq!(block_on(rx), Ok(4));
}

#[test]
fn the_value_is_dropped_exactly_once_in_every_ending() {
    let drops = Arc::new(AtomicUsize::new(0));
    // Received.
    let (tx, rx) = oneshot::channel();
    tx.send(Tracked(drops.clone())).unwrap();
    drop(block_on(rx).unwrap());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    // Sent, never received: dropped with the receiver.
    let (tx, rx) = oneshot::channel();
    tx.send(Tracked(drops.clone())).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    // Refused: handed back, dropped by the caller.
    let (tx, rx) = oneshot::channel();
    drop(rx);
    let back = tx.send(Tracked(drops.clone())).unwrap_err();
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    drop(back);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn threads_and_tasks_on_either_end() {
    // Thread sends, thread blocks.
    let (tx, rx) = oneshot::channel();
    let h = thread::spawn(move || tx.send(11).unwrap());
    assert_eq!(rx.blocking_recv(), Ok(11));
    join(h);
    // Thread drops the sender while a task waits.
    let (tx, rx) = oneshot::channel::<u8>();
    let h = thread::spawn(move || drop(tx));
    assert!(block_on(rx).is_err());
    join(h);
    // A task awaits in one thread; another sends.
    let (tx, rx) = oneshot::channel();
    let h = thread::spawn(move || block_on(rx));
    tx.send(vec![1, 2]).unwrap();
    assert_eq!(join(h), Ok(vec![1, 2]));
}

#[test]
fn ping_pong_between_threads() {
    let rounds = common::n(500, 20);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<oneshot::Sender<usize>>();
    let h = thread::spawn(move || {
        for i in 0..rounds {
            let back = ready_rx.recv().unwrap();
            back.send(i).unwrap();
        }
    });
    for i in 0..rounds {
        let (tx, rx) = oneshot::channel();
        ready_tx.send(tx).unwrap();
        assert_eq!(rx.blocking_recv(), Ok(i));
    }
    join(h);
}

#[test]
fn errors_display_and_are_errors() {
    fn err<E: std::error::Error + Send + Sync + 'static>(e: E) -> String {
        e.to_string()
    }
    let (tx, mut rx) = oneshot::channel::<u8>();
    assert!(!err(rx.try_recv().unwrap_err()).is_empty());
    drop(tx);
    assert!(err(block_on(&mut rx).unwrap_err()).contains("dropped"));
    assert_ne!(
        TryRecvError::Empty.to_string(),
        TryRecvError::Closed.to_string()
    );
}

#[test]
fn ends_are_send_sync_and_unpin() {
    fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    send_sync_unpin::<oneshot::Sender<String>>();
    send_sync_unpin::<oneshot::Receiver<String>>();
    let (mut tx, _rx) = oneshot::channel::<String>();
    fn is_send<T: Send>(_: &T) {}
    is_send(&tx.closed());
    // Debug needs no `T: Debug`.
    struct Opaque;
    let (tx2, rx2) = oneshot::channel::<Opaque>();
    assert!(format!("{tx2:?} {rx2:?}").contains("oneshot"));
}
