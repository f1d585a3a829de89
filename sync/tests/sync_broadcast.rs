//! broadcast: every receiver gets every value, lagging receivers are told
//! exactly how much they missed, closing drains first.

mod common;

use common::{block_on, join, n, Task};
use myrt_sync::broadcast::{self, RecvError, SendError, TryRecvError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

#[test]
fn every_receiver_gets_every_value_in_order() {
    let (tx, mut a) = broadcast::channel(8);
    let mut b = tx.subscribe();
    assert_eq!(tx.receiver_count(), 2);
    for v in 0..5 {
        assert_eq!(tx.send(v), Ok(2));
    }
    for rx in [&mut a, &mut b] {
        assert_eq!(rx.len(), 5);
        for v in 0..5 {
            assert_eq!(block_on(rx.recv()), Ok(v));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert!(rx.is_empty());
    }
}

#[test]
fn send_without_receivers_hands_the_value_back() {
    let (tx, rx) = broadcast::channel(2);
    drop(rx);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(
        tx.send(String::from("lost?")),
        Err(SendError("lost?".into()))
    );
    assert!(tx.is_empty(), "nothing stored");
    let mut late = tx.subscribe();
    assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.send(String::from("kept")), Ok(1));
    assert_eq!(late.try_recv().as_deref(), Ok("kept"));
}

#[test]
fn zero_capacity_is_an_error_or_a_panic() {
    let err = broadcast::checked_channel::<u8>(0).unwrap_err();
    assert!(err.to_string().contains("at least 1"));
    let panic = catch_unwind(|| broadcast::channel::<u8>(0)).unwrap_err();
    let msg = panic.downcast_ref::<String>().expect("formatted panic");
    assert!(msg.contains("broadcast::channel"), "{msg}");
}

#[test]
fn lagging_receiver_learns_exactly_how_many_it_missed() {
    let (tx, mut slow) = broadcast::channel(4);
    let mut fast = tx.subscribe();
    for v in 0..10u32 {
        tx.send(v).unwrap();
        assert_eq!(fast.try_recv(), Ok(v));
    }
    assert_eq!(slow.len(), 4);
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(6)));
    assert_eq!(slow.try_recv(), Ok(6), "continues from the oldest kept");
    // Lag again, through the async path this time.
    for v in 10..15 {
        tx.send(v).unwrap();
    }
    assert_eq!(block_on(slow.recv()), Err(RecvError::Lagged(4)));
    for v in 11..15 {
        assert_eq!(block_on(slow.recv()), Ok(v));
    }
    assert_eq!(slow.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn capacity_one_lags_by_every_overwritten_value() {
    let (tx, mut rx) = broadcast::channel(1);
    for v in 0..100u64 {
        tx.send(v).unwrap();
    }
    assert_eq!(rx.blocking_recv(), Err(RecvError::Lagged(99)));
    assert_eq!(rx.blocking_recv(), Ok(99));
}

#[test]
fn closing_drains_buffered_values_then_reports_closed() {
    let (tx, mut rx) = broadcast::channel(3);
    let tx2 = tx.clone();
    for v in 0..5 {
        tx2.send(v).unwrap();
    }
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(2)), "still open");
    drop(tx2);
    for v in 2..5 {
        assert_eq!(rx.blocking_recv(), Ok(v));
    }
    assert_eq!(rx.blocking_recv(), Err(RecvError::Closed));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    // A receiver made after the close is closed at once.
    let mut again = rx.resubscribe();
    assert_eq!(again.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn dropping_the_last_sender_wakes_waiting_receivers() {
    let (tx, rx) = broadcast::channel::<u8>(2);
    let mut rxs: Vec<_> = (0..3).map(|_| rx.resubscribe()).collect();
    drop(rx);
    let tx2 = tx.clone();
    let mut waits: Vec<_> = rxs.iter_mut().map(|r| Task::new(r.recv())).collect();
    for w in &mut waits {
        w.pending();
    }
    drop(tx);
    for w in &mut waits {
        assert!(!w.woken(), "one sender is left");
        w.pending();
    }
    drop(tx2);
    for w in &mut waits {
        assert!(w.woken());
        assert_eq!(w.ready(), Err(RecvError::Closed));
    }
}

#[test]
fn a_send_wakes_every_waiting_receiver() {
    let (tx, rx) = broadcast::channel(2);
    let mut rxs: Vec<_> = (0..10).map(|_| tx.subscribe()).collect();
    drop(rx);
    let mut waits: Vec<_> = rxs.iter_mut().map(|r| Task::new(r.recv())).collect();
    for w in &mut waits {
        w.pending();
        w.pending(); // re-poll with the same waker stays queued
    }
    assert_eq!(tx.send(42), Ok(10));
    for w in &mut waits {
        assert!(w.woken());
        assert_eq!(w.ready(), Ok(42));
    }
    assert!(tx.is_empty(), "read by all, so dropped");
}

#[test]
fn a_cancelled_recv_loses_nothing() {
    let (tx, mut rx) = broadcast::channel(4);
    let mut other = tx.subscribe();
    {
        let mut w = Task::new(rx.recv());
        w.pending();
        tx.send(1).unwrap();
        assert!(w.woken());
        // Dropped after its wake-up, before it ran.
    }
    assert_eq!(
        Task::new(other.recv()).ready(),
        Ok(1),
        "others are not disturbed"
    );
    assert_eq!(rx.try_recv(), Ok(1), "the value is still there");
    {
        // Dropped while queued: leaves the queue, and a send after that
        // wakes the remaining waiter only.
        let mut w = Task::new(rx.recv());
        w.pending();
    }
    let mut w3 = Task::new(other.recv());
    w3.pending();
    tx.send(2).unwrap();
    assert!(w3.woken());
    assert_eq!(w3.ready(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn subscribe_and_resubscribe_start_at_the_newest_value() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut sub = tx.subscribe();
    let mut resub = rx.resubscribe();
    assert_eq!(sub.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(resub.try_recv(), Err(TryRecvError::Empty));
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(sub.try_recv(), Ok(2));
    assert_eq!(resub.try_recv(), Ok(2));
    assert_eq!(tx.receiver_count(), 3);
}

#[test]
fn lengths_count_what_is_left_to_read() {
    let (tx, mut a) = broadcast::channel(3);
    let mut b = tx.subscribe();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!((tx.len(), a.len(), b.len()), (2, 2, 2));
    a.try_recv().unwrap();
    assert_eq!((tx.len(), a.len(), b.len()), (2, 1, 2));
    b.try_recv().unwrap();
    assert_eq!((tx.len(), a.len(), b.len()), (1, 1, 1));
    for v in 3..7 {
        tx.send(v).unwrap();
    }
    assert_eq!((tx.len(), a.len(), b.len()), (3, 3, 3));
    drop(b);
    a.try_recv().unwrap_err(); // lagged
    a.try_recv().unwrap();
    assert_eq!((tx.len(), a.len()), (2, 2));
    drop(a);
    assert!(tx.is_empty());
}

/// Counts live instances, and can be told to panic when cloned.
struct Tracked {
    live: Arc<AtomicUsize>,
    panic_on_clone: Arc<AtomicBool>,
    id: u32,
}

impl Tracked {
    fn new(id: u32, live: &Arc<AtomicUsize>, panic_on_clone: &Arc<AtomicBool>) -> Self {
        live.fetch_add(1, Ordering::SeqCst);
        Tracked {
            live: live.clone(),
            panic_on_clone: panic_on_clone.clone(),
            id,
        }
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        assert!(
            !self.panic_on_clone.load(Ordering::SeqCst),
            "clone told to panic"
        );
        Tracked::new(self.id, &self.live, &self.panic_on_clone)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn values_are_dropped_once_nobody_needs_them() {
    let live = Arc::new(AtomicUsize::new(0));
    let no = Arc::new(AtomicBool::new(false));
    let (tx, mut a) = broadcast::channel(2);
    let mut b = tx.subscribe();
    tx.send(Tracked::new(0, &live, &no)).unwrap();
    assert_eq!(live.load(Ordering::SeqCst), 1);
    let v = a.try_recv().unwrap();
    assert_eq!(live.load(Ordering::SeqCst), 2, "cloned for a");
    drop(v);
    let v = b.try_recv().unwrap();
    assert_eq!(
        live.load(Ordering::SeqCst),
        1,
        "moved out to the last reader"
    );
    drop(v);
    assert_eq!(live.load(Ordering::SeqCst), 0);
    // Overwritten values are dropped by the send.
    for id in 1..=3 {
        tx.send(Tracked::new(id, &live, &no)).unwrap();
    }
    assert_eq!(live.load(Ordering::SeqCst), 2);
    // A dropped receiver gives up its share: with both gone, nothing is left.
    drop(a);
    assert_eq!(live.load(Ordering::SeqCst), 2, "b still has to read them");
    drop(b);
    assert_eq!(live.load(Ordering::SeqCst), 0);
    drop(tx);
}

#[test]
fn a_panicking_clone_leaves_the_channel_as_it_was() {
    let live = Arc::new(AtomicUsize::new(0));
    let boom = Arc::new(AtomicBool::new(false));
    let (tx, mut a) = broadcast::channel(2);
    let mut b = tx.subscribe();
    tx.send(Tracked::new(7, &live, &boom)).unwrap();
    boom.store(true, Ordering::SeqCst);
    assert!(catch_unwind(AssertUnwindSafe(|| a.try_recv())).is_err());
    boom.store(false, Ordering::SeqCst);
    assert_eq!(a.len(), 1, "a did not move on");
    assert_eq!(a.try_recv().map(|t| t.id).ok(), Some(7));
    assert_eq!(b.try_recv().map(|t| t.id).ok(), Some(7));
    assert_eq!(live.load(Ordering::SeqCst), 0);
}

#[test]
fn closed_waits_for_every_receiver_to_go() {
    let (tx, rx) = broadcast::channel::<u8>(1);
    let rx2 = tx.subscribe();
    let mut closed = Task::new(tx.closed());
    closed.pending();
    drop(rx);
    assert!(!closed.woken());
    closed.pending();
    drop(rx2);
    assert!(closed.woken());
    // Released even though a new receiver came before it ran.
    let _again = tx.subscribe();
    closed.ready();
    let mut closed2 = Task::new(tx.closed());
    closed2.pending();
    drop(closed2); // a cancelled one leaves its queue
}

#[test]
fn threads_and_tasks_receive_everything() {
    let count = n(2_000, 50);
    let (tx, rx) = broadcast::channel(count);
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let mut rx = tx.subscribe();
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Ok(v) = rx.blocking_recv() {
                    got.push(v);
                }
                got
            })
        })
        .collect();
    let mut task_rx = rx;
    let task = thread::spawn(move || {
        block_on(async move {
            let mut got = Vec::new();
            loop {
                match task_rx.recv().await {
                    Ok(v) => got.push(v),
                    Err(RecvError::Closed) => return got,
                    Err(RecvError::Lagged(k)) => panic!("lagged by {k} with room for all"),
                }
            }
        })
    });
    for v in 0..count {
        assert_eq!(tx.send(v), Ok(4));
    }
    drop(tx);
    let want: Vec<_> = (0..count).collect();
    for t in threads {
        assert_eq!(join(t), want);
    }
    assert_eq!(join(task), want);
}

#[test]
fn many_lagging_receivers_account_for_every_value() {
    // A tiny buffer and racing readers: each receiver must see an
    // increasing run of values, and what it read plus what it was told it
    // missed must come to exactly what was sent.
    let count = n(20_000, 200) as u64;
    let (tx, rx) = broadcast::channel(2);
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let mut rx = rx.resubscribe();
            thread::spawn(move || {
                let (mut read, mut missed, mut last) = (0u64, 0u64, None::<u64>);
                loop {
                    match rx.blocking_recv() {
                        Ok(v) => {
                            assert!(last.is_none_or(|l| v > l), "{v} after {last:?}");
                            assert_eq!(v, read + missed, "value at its position");
                            last = Some(v);
                            read += 1;
                        }
                        Err(RecvError::Lagged(k)) => missed += k,
                        Err(RecvError::Closed) => return (read, missed),
                    }
                }
            })
        })
        .collect();
    drop(rx);
    for v in 0..count {
        tx.send(v).unwrap();
    }
    drop(tx);
    for r in readers {
        let (read, missed) = join(r);
        assert_eq!(read + missed, count);
        assert!(read >= 2, "the last two values are always read");
    }
}

#[test]
fn channel_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<broadcast::Sender<String>>();
    send_sync::<broadcast::Receiver<String>>();
    let (tx, mut rx) = broadcast::channel::<String>(1);
    send(&rx.recv());
    send(&tx.closed());
    assert!(RecvError::Lagged(3).to_string().contains('3'));
    let _: &dyn std::error::Error = &SendError(1);
}
