//! mpsc: bounded and unbounded channels, tasks and threads, closing,
//! backpressure, FIFO senders and cancellation.

mod common;

use common::{block_on, join, n, poll_once, Task};
use futures_core::Stream;
use myrt_sync::mpsc::{self, SendError, TryRecvError, TrySendError};
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;

/// Counts its drops.
#[derive(Debug)]
struct Tracked(u32, Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

/// The next item of a stream, through the `Stream` trait only.
async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

#[test]
fn items_arrive_in_order_and_capacity_follows() {
    let (tx, mut rx) = mpsc::channel(3);
    assert_eq!((tx.capacity(), tx.max_capacity()), (3, 3));
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.capacity(), 0);
    assert_eq!((rx.len(), rx.is_empty()), (3, false));
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
    assert_eq!(block_on(rx.recv()), Some(0));
    assert_eq!(rx.capacity(), 1);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
    assert_eq!(tx.capacity(), 3);
}

#[test]
fn a_full_channel_makes_send_wait_until_a_receive() {
    let (tx, mut rx) = mpsc::channel(1);
    block_on(tx.send(1)).unwrap();
    let mut s = Task::new(tx.send(2));
    s.pending();
    s.pending();
    assert!(!s.woken());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(s.woken());
    s.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn waiting_senders_are_served_fifo_and_try_send_does_not_barge() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut ss: Vec<_> = (1..=3).map(|i| Task::new(tx.send(i))).collect();
    for s in &mut ss {
        s.pending();
    }
    assert_eq!(rx.try_recv(), Ok(0));
    // The freed slot was handed to the first waiter, not left free.
    assert!(ss[0].woken() && !ss[1].woken() && !ss[2].woken());
    assert_eq!(tx.try_send(99), Err(TrySendError::Full(99)));
    assert_eq!(tx.capacity(), 0);
    // Run them out of order: the slot is the first one's regardless.
    ss[2].pending();
    ss[1].pending();
    ss[0].ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(ss[1].woken() && !ss[2].woken());
    ss[1].ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(ss[2].woken());
    ss[2].ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn a_cancelled_send_that_was_handed_a_slot_passes_it_on() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(Tracked(0, drops.clone())).unwrap();
    let mut a = Task::new(tx.send(Tracked(1, drops.clone())));
    let mut b = Task::new(tx.send(Tracked(2, drops.clone())));
    a.pending();
    b.pending();
    drop(rx.try_recv().unwrap());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(a.woken() && !b.woken());
    // Cancelled after being woken, before it ran: its value was not sent
    // (dropped with the future) and the slot goes to `b`.
    drop(a);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    assert!(b.woken());
    b.ready().unwrap();
    assert_eq!(rx.try_recv().unwrap().0, 2);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
    assert_eq!(tx.capacity(), 1, "no slot lost");
}

#[test]
fn a_cancelled_send_that_was_not_handed_a_slot_just_leaves() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut a = Task::new(tx.send(1));
    let mut b = Task::new(tx.send(2));
    a.pending();
    b.pending();
    drop(b);
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(a.woken());
    a.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn a_cancelled_reserve_passes_its_slot_on_and_permits_return_theirs() {
    let (tx, mut rx) = mpsc::channel(1);
    let p = block_on(tx.reserve()).unwrap();
    assert_eq!(tx.capacity(), 0);
    assert!(tx.try_reserve().unwrap_err().is_full());
    let mut a = Task::new(tx.reserve());
    let mut b = Task::new(tx.send(7));
    a.pending();
    b.pending();
    // Dropping an unused permit hands its slot to the front waiter.
    drop(p);
    assert!(a.woken() && !b.woken());
    drop(a);
    assert!(b.woken());
    b.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(7));
    // A permit sends without waiting.
    let p = tx.try_reserve().unwrap();
    p.send(8);
    assert_eq!(rx.try_recv(), Ok(8));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn recv_returns_none_once_every_sender_is_gone_and_the_buffer_is_drained() {
    let (tx, mut rx) = mpsc::channel(4);
    let tx2 = tx.clone();
    assert!(tx.same_channel(&tx2));
    tx.try_send(1).unwrap();
    drop(tx);
    let mut r = Task::new(async move {
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        (got, rx)
    });
    r.pending();
    tx2.try_send(2).unwrap();
    assert!(r.woken());
    r.pending();
    drop(tx2);
    assert!(r.woken(), "the last sender's drop wakes the receiver");
    let (got, mut rx) = r.ready();
    assert_eq!(got, [1, 2]);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn close_fails_senders_but_keeps_buffered_items_and_permits() {
    let (tx, mut rx) = mpsc::channel(2);
    tx.try_send(1).unwrap();
    let permit = tx.try_reserve().unwrap();
    let mut waiting = Task::new(tx.send(3));
    waiting.pending();
    let mut watcher = Task::new(tx.closed());
    watcher.pending();
    rx.close();
    assert!(tx.is_closed());
    assert!(watcher.woken());
    watcher.ready();
    assert!(waiting.woken());
    assert_eq!(waiting.ready(), Err(SendError(3)), "value handed back");
    assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
    assert_eq!(block_on(tx.send(5)), Err(SendError(5)));
    assert!(block_on(tx.reserve()).is_err());
    assert_eq!(block_on(rx.recv()), Some(1));
    // The outstanding permit may still send, so the receiver waits for it.
    let mut r = Task::new(async move { (rx.recv().await, rx) });
    r.pending();
    permit.send(2);
    assert!(r.woken());
    let (got, mut rx) = r.ready();
    assert_eq!(got, Some(2));
    assert_eq!(block_on(rx.recv()), None, "closed, drained, no permit left");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    drop((waiting, watcher));
    drop(tx);
}

#[test]
fn a_dropped_permit_after_close_ends_the_receive() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let mut r = Task::new(async move { rx.recv().await });
    r.pending();
    drop(permit);
    assert!(r.woken());
    assert_eq!(r.ready(), None);
}

#[test]
fn dropping_the_receiver_hands_values_back_and_drops_the_buffer() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel(1);
    tx.try_send(Tracked(1, drops.clone())).unwrap();
    let mut waiting = Task::new(tx.send(Tracked(2, drops.clone())));
    waiting.pending();
    let permit_holder = tx.clone();
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "the buffered item");
    assert!(waiting.woken());
    let back = waiting.ready().unwrap_err().into_inner();
    assert_eq!(back.0, 2);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let back = tx.try_send(Tracked(3, drops.clone())).unwrap_err();
    assert!(back.is_closed());
    assert_eq!(back.into_inner().0, 3);
    assert!(permit_holder.is_closed());
    block_on(permit_holder.closed());
}

#[test]
fn recv_is_cancel_safe() {
    let (tx, mut rx) = mpsc::channel(2);
    {
        let mut r = Task::new(rx.recv());
        r.pending();
        tx.try_send(1).unwrap();
        assert!(r.woken());
        // Dropped after the wake, before it ran: the item stays.
    }
    {
        let mut r = Task::new(rx.recv());
        assert_eq!(r.ready(), Some(1));
    }
    let mut r = Task::new(rx.recv());
    r.pending();
    drop(r);
    tx.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn recv_many_takes_up_to_the_limit_and_frees_slots() {
    let (tx, mut rx) = mpsc::channel(4);
    for i in 0..4 {
        tx.try_send(i).unwrap();
    }
    let mut waiting = Task::new(tx.send(4));
    waiting.pending();
    let mut buf = vec![-1];
    assert_eq!(block_on(rx.recv_many(&mut buf, 3)), 3);
    assert_eq!(buf, [-1, 0, 1, 2]);
    assert!(waiting.woken());
    waiting.ready().unwrap();
    assert_eq!(block_on(rx.recv_many(&mut buf, 0)), 0, "limit 0");
    assert_eq!(block_on(rx.recv_many(&mut buf, 10)), 2);
    assert_eq!(buf, [-1, 0, 1, 2, 3, 4]);
    let mut r = Task::new(async move {
        let mut b = Vec::new();
        let n = rx.recv_many(&mut b, 10).await;
        (n, b)
    });
    r.pending();
    drop(waiting);
    drop(tx);
    assert!(r.woken());
    assert_eq!(r.ready(), (0, vec![]));
}

#[test]
fn receivers_are_streams() {
    let (tx, mut rx) = mpsc::channel(8);
    let (utx, mut urx) = mpsc::unbounded_channel();
    for i in 0..3 {
        tx.try_send(i).unwrap();
        utx.send(i * 10).unwrap();
    }
    drop((tx, utx));
    let got = block_on(async {
        let mut v = Vec::new();
        while let Some(x) = next(&mut rx).await {
            v.push(x);
        }
        while let Some(x) = next(&mut urx).await {
            v.push(x);
        }
        v
    });
    assert_eq!(got, [0, 1, 2, 0, 10, 20]);
    // A finished stream stays finished.
    assert_eq!(poll_once(&mut Box::pin(next(&mut rx))), Poll::Ready(None));
}

#[test]
fn unbounded_sends_never_wait_and_hand_values_back_once_closed() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tx2 = tx.clone();
    assert!(tx.same_channel(&tx2));
    let (other, _orx) = mpsc::unbounded_channel::<u32>();
    assert!(!tx.same_channel(&other));
    let count = n(10_000, 100);
    for i in 0..count {
        tx.send(i as u32).unwrap();
    }
    assert_eq!(rx.len(), count);
    let mut r = Task::new(tx2.closed());
    r.pending();
    rx.close();
    assert!(r.woken());
    r.ready();
    assert_eq!(tx.send(1), Err(SendError(1)));
    assert!(tx2.is_closed());
    let mut seen = 0;
    while let Some(v) = rx.blocking_recv() {
        assert_eq!(v as usize, seen);
        seen += 1;
    }
    assert_eq!(seen, count, "buffered items survive close");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn unbounded_recv_waits_and_ends() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut r = Task::new(async move {
        let a = rx.recv().await;
        let b = rx.recv().await;
        (a, b)
    });
    r.pending();
    tx.send('a').unwrap();
    assert!(r.woken());
    r.pending();
    drop(tx);
    assert!(r.woken());
    assert_eq!(r.ready(), (Some('a'), None));
}

#[test]
fn zero_capacity_is_an_error_or_a_documented_panic() {
    let e = mpsc::checked_channel::<u8>(0).unwrap_err();
    assert!(e.to_string().contains("capacity"));
    let p = std::panic::catch_unwind(|| mpsc::channel::<u8>(0)).unwrap_err();
    let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("mpsc::channel"), "{msg}");
    assert!(mpsc::checked_channel::<u8>(1).is_ok());
}

#[test]
fn threads_produce_into_a_task_with_backpressure() {
    let per = n(2_000, 50);
    let (tx, mut rx) = mpsc::channel(4);
    let producers: Vec<_> = (0..4u64)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..per as u64 {
                    tx.blocking_send((p, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let consumer = thread::spawn(move || {
        block_on(async move {
            let mut next = [0u64; 4];
            let mut total = 0;
            while let Some((p, i)) = rx.recv().await {
                // Per producer, order is kept.
                assert_eq!(next[p as usize], i);
                next[p as usize] += 1;
                total += 1;
                assert!(rx.len() <= 4, "never more than the capacity");
            }
            total
        })
    });
    for p in producers {
        join(p);
    }
    assert_eq!(join(consumer), 4 * per);
}

#[test]
fn a_task_produces_into_a_blocked_thread() {
    let (tx, mut rx) = mpsc::channel(1);
    let consumer = thread::spawn(move || {
        let mut sum = 0;
        while let Some(v) = rx.blocking_recv() {
            sum += v;
        }
        sum
    });
    block_on(async move {
        for i in 1..=100 {
            tx.send(i).await.unwrap();
        }
    });
    assert_eq!(join(consumer), 5050);
}

/// Threads mixing sends with sends cancelled at arbitrary points: every
/// value is received or was handed back / dropped with its future, and no
/// slot is lost.
#[test]
fn cancelled_sends_under_contention_lose_no_slot() {
    let per = n(1_000, 30);
    let (tx, mut rx) = mpsc::channel(2);
    let producers: Vec<_> = (0..3)
        .map(|_| {
            let tx = tx.clone();
            thread::spawn(move || {
                let mut sent = 0;
                for i in 0..per {
                    if i % 2 == 0 {
                        // Poll once (maybe queue, maybe get handed a slot
                        // meanwhile), then give up.
                        if poll_once(&mut Box::pin(tx.send(1u64))).is_ready() {
                            sent += 1;
                        }
                    } else {
                        tx.blocking_send(1u64).unwrap();
                        sent += 1;
                    }
                }
                sent
            })
        })
        .collect();
    let check = tx.clone();
    drop(tx);
    let mut got = 0;
    let mut senders_done = 0;
    let mut sent = 0;
    let mut producers = producers.into_iter().peekable();
    loop {
        match rx.try_recv() {
            Ok(v) => got += v,
            Err(TryRecvError::Empty) => {
                if let Some(p) = producers.peek() {
                    if p.is_finished() {
                        sent += join(producers.next().unwrap());
                        senders_done += 1;
                    }
                } else {
                    break;
                }
                thread::yield_now();
            }
            Err(TryRecvError::Disconnected) => unreachable!("`check` is alive"),
        }
    }
    while let Ok(v) = rx.try_recv() {
        got += v;
    }
    assert_eq!(senders_done, 3);
    assert_eq!(got, sent);
    assert_eq!(check.capacity(), 2, "every slot came back");
}

#[test]
fn errors_hand_values_back_and_are_errors() {
    fn err<E: std::error::Error + Send + Sync + 'static>(e: &E) -> String {
        e.to_string()
    }
    struct NotDebug(u8);
    let e = SendError(NotDebug(1));
    assert_eq!(format!("{e:?}"), "SendError(..)");
    assert!(!err(&SendError(1)).is_empty());
    assert_eq!(e.into_inner().0, 1);
    let full = TrySendError::Full(NotDebug(2));
    assert!(full.is_full() && !full.is_closed());
    assert_eq!(format!("{full:?}"), "Full(..)");
    assert_ne!(err(&TrySendError::Full(0)), err(&TrySendError::Closed(0)));
    let closed: TrySendError<u8> = SendError(3).into();
    assert_eq!(closed, TrySendError::Closed(3));
    assert_ne!(err(&TryRecvError::Empty), err(&TryRecvError::Disconnected));
}

#[test]
fn ends_and_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn is_send<T: Send>(_: &T) {}
    send_sync::<mpsc::Sender<String>>();
    send_sync::<mpsc::Receiver<String>>();
    send_sync::<mpsc::UnboundedSender<String>>();
    send_sync::<mpsc::UnboundedReceiver<String>>();
    send_sync::<mpsc::Permit<'static, String>>();
    let (tx, mut rx) = mpsc::channel::<String>(1);
    is_send(&tx.send(String::new()));
    is_send(&tx.reserve());
    is_send(&tx.closed());
    is_send(&rx.recv());
    let mut v = Vec::new();
    is_send(&rx.recv_many(&mut v, 1));
    // Debug needs no `T: Debug`.
    struct Opaque;
    let (tx, rx) = mpsc::channel::<Opaque>(1);
    assert!(format!("{tx:?} {rx:?}").contains("capacity"));
}
