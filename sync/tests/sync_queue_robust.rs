//! Queues under hostile user code: an `Ord` that panics inside a priority
//! queue's put or get, and wakers whose drop re-enters the queue. The
//! counters must stay right, the queue usable, and no waker may be dropped
//! while the queue's lock is held.

mod common;

use std::cmp::Ordering;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

use common::{block_on, join, Task};
use myrt_sync::{GetError, PriorityQueue, Queue};

/// An item whose comparison panics while its shared flag is set.
#[derive(Debug)]
struct Touchy {
    key: u32,
    explode: Arc<AtomicBool>,
}

impl Touchy {
    fn cmp_key(&self, other: &Self) -> Ordering {
        if self.explode.load(AtomicOrdering::SeqCst) {
            panic!("Touchy::cmp exploded");
        }
        self.key.cmp(&other.key)
    }
}

impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_key(other) == Ordering::Equal
    }
}

impl Eq for Touchy {}

impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_key(other)
    }
}

/// A priority queue holding `keys`, and the flag that makes them panic.
fn touchy_queue(maxsize: usize, keys: &[u32]) -> (PriorityQueue<Touchy>, Arc<AtomicBool>) {
    let explode = Arc::new(AtomicBool::new(false));
    let q = PriorityQueue::new(maxsize);
    for &key in keys {
        q.put_nowait(Touchy {
            key,
            explode: explode.clone(),
        })
        .unwrap();
    }
    (q, explode)
}

fn item(key: u32, explode: &Arc<AtomicBool>) -> Touchy {
    Touchy {
        key,
        explode: explode.clone(),
    }
}

/// Runs `f` with `flag` set, expecting it to panic, and clears the flag.
fn expect_cmp_panic<R>(flag: &AtomicBool, f: impl FnOnce() -> R) {
    flag.store(true, AtomicOrdering::SeqCst);
    let r = catch_unwind(AssertUnwindSafe(f));
    flag.store(false, AtomicOrdering::SeqCst);
    let payload = r.err().expect("the comparison's panic reaches the caller");
    let msg = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert_eq!(msg, "Touchy::cmp exploded");
}

/// Takes every item (checking the order) and marks each done; then `join`
/// must finish.
fn drain_in_order(q: &PriorityQueue<Touchy>, keys: &[u32]) {
    for &k in keys {
        assert_eq!(q.get_nowait().map(|t| t.key), Ok(k));
    }
    assert_eq!(q.get_nowait().unwrap_err(), GetError::Empty);
    for _ in keys {
        q.task_done().unwrap();
    }
    assert!(q.task_done().is_err(), "no more tasks than items put");
    assert_eq!(q.unfinished_tasks(), 0);
    block_on(q.join());
}

#[test]
fn a_put_whose_cmp_panics_puts_nothing() {
    let (q, explode) = touchy_queue(0, &[1, 2, 3]);
    expect_cmp_panic(&explode, || q.put_nowait(item(0, &explode)));
    assert_eq!(q.qsize(), 3, "the panicking put added no item");
    assert_eq!(q.unfinished_tasks(), 3);
    // Still usable: puts and gets work, join sees every item done.
    q.put_nowait(item(0, &explode)).unwrap();
    drain_in_order(&q, &[0, 1, 2, 3]);
}

#[test]
fn a_get_whose_cmp_panics_takes_nothing() {
    let (q, explode) = touchy_queue(0, &[1, 2, 3]);
    expect_cmp_panic(&explode, || q.get_nowait());
    assert_eq!(q.qsize(), 3, "the panicking get lost no item");
    assert_eq!(q.unfinished_tasks(), 3);
    drain_in_order(&q, &[1, 2, 3]);
}

#[test]
fn a_blocking_put_whose_cmp_panics_puts_nothing() {
    let (q, explode) = touchy_queue(0, &[1, 2, 3]);
    expect_cmp_panic(&explode, || q.blocking_put(item(0, &explode)));
    assert_eq!(q.qsize(), 3);
    assert_eq!(q.unfinished_tasks(), 3);
    expect_cmp_panic(&explode, || q.blocking_get());
    assert_eq!(q.qsize(), 3);
    drain_in_order(&q, &[1, 2, 3]);
}

#[test]
fn a_woken_putter_whose_cmp_panics_passes_its_wake_up_on() {
    let (q, explode) = touchy_queue(3, &[1, 2, 3]);
    let mut p1 = Task::new(q.put(item(0, &explode)));
    let mut p2 = Task::new(q.put(item(4, &explode)));
    p1.pending();
    p2.pending();
    // A get that panics frees no slot and wakes nobody.
    expect_cmp_panic(&explode, || q.get_nowait());
    assert!(!p1.woken() && !p2.woken());
    assert_eq!(q.get_nowait().map(|t| t.key), Ok(1));
    assert!(p1.woken(), "a free slot wakes the first putter");
    // The woken putter's put panics; the task dies and drops its future.
    expect_cmp_panic(&explode, || p1.poll());
    assert_eq!(q.qsize(), 2, "the panicking put added no item");
    assert_eq!(q.unfinished_tasks(), 3, "three put, one taken, none done");
    drop(p1);
    assert!(
        p2.woken(),
        "the dropped putter's wake-up went on to the next"
    );
    p2.ready().unwrap();
    assert_eq!(q.qsize(), 3);
    assert_eq!(q.unfinished_tasks(), 4);
    q.task_done().unwrap(); // for the item taken above
    drain_in_order(&q, &[2, 3, 4]);
}

#[test]
fn a_woken_getter_whose_cmp_panics_passes_its_wake_up_on() {
    let explode = Arc::new(AtomicBool::new(false));
    let q = PriorityQueue::new(0);
    let mut g1 = Task::new(q.get());
    let mut g2 = Task::new(q.get());
    g1.pending();
    g2.pending();
    for k in [3, 1, 2] {
        q.put_nowait(item(k, &explode)).unwrap();
    }
    assert!(g1.woken() && !g2.woken(), "one getter woken at a time");
    expect_cmp_panic(&explode, || g1.poll());
    assert_eq!(q.qsize(), 3);
    drop(g1);
    assert!(
        g2.woken(),
        "the dropped getter's wake-up went on to the next"
    );
    assert_eq!(g2.ready().map(|t| t.key), Ok(1));
    q.task_done().unwrap();
    drain_in_order(&q, &[2, 3]);
}

#[test]
fn an_immediate_shutdown_does_not_compare() {
    let (q, explode) = touchy_queue(0, &[1, 2, 3]);
    explode.store(true, AtomicOrdering::SeqCst);
    q.shutdown(true);
    explode.store(false, AtomicOrdering::SeqCst);
    assert_eq!(q.qsize(), 0);
    assert_eq!(q.unfinished_tasks(), 0);
    assert_eq!(q.get_nowait().unwrap_err(), GetError::ShutDown);
    block_on(q.join());
}

/// A waker whose drop uses the queue: dropped under the queue's lock, it
/// would deadlock.
struct Reentrant(Arc<Queue<u32>>);

impl Wake for Reentrant {
    fn wake(self: Arc<Self>) {}
}

impl Drop for Reentrant {
    fn drop(&mut self) {
        let _ = self.0.qsize();
    }
}

/// Runs `f` on its own thread, failing (not hanging) if it deadlocks.
fn without_deadlock(f: impl FnOnce() + Send + 'static) {
    join(std::thread::spawn(f));
}

/// Polls `fut` once with a [`Reentrant`] waker and expects `Pending`; the
/// queue then holds the only reference to that waker.
fn park_reentrant<F: std::future::Future>(q: &Arc<Queue<u32>>, fut: &mut std::pin::Pin<Box<F>>) {
    let w = Waker::from(Arc::new(Reentrant(q.clone())));
    assert!(fut.as_mut().poll(&mut Context::from_waker(&w)).is_pending());
}

#[test]
fn a_dropped_getter_drops_its_waker_outside_the_lock() {
    without_deadlock(|| {
        let q = Arc::new(Queue::new(0));
        let mut g = Box::pin(q.get());
        park_reentrant(&q, &mut g);
        drop(g);
    });
}

#[test]
fn a_dropped_putter_drops_its_waker_outside_the_lock() {
    without_deadlock(|| {
        let q = Arc::new(Queue::new(1));
        q.put_nowait(1).unwrap();
        let mut p = Box::pin(q.put(2));
        park_reentrant(&q, &mut p);
        drop(p);
        assert_eq!(q.qsize(), 1);
    });
}

#[test]
fn a_dropped_joiner_drops_its_waker_outside_the_lock() {
    without_deadlock(|| {
        let q = Arc::new(Queue::new(0));
        q.put_nowait(1).unwrap();
        let mut j = Box::pin(q.join());
        park_reentrant(&q, &mut j);
        drop(j);
    });
}

#[test]
fn a_replaced_waker_is_dropped_outside_the_lock() {
    without_deadlock(|| {
        let q = Arc::new(Queue::new(0));
        let mut g = Box::pin(q.get());
        park_reentrant(&q, &mut g);
        // Polled again by another task: the old waker is let go of.
        assert!(common::poll_once(&mut g).is_pending());
        let mut j = Box::pin(q.join());
        q.put_nowait(5).unwrap();
        park_reentrant(&q, &mut j);
        assert!(common::poll_once(&mut j).is_pending());
        drop((g, j));
    });
}

#[test]
fn a_barging_getter_drops_its_waker_outside_the_lock() {
    without_deadlock(|| {
        let q = Arc::new(Queue::new(0));
        let mut g1 = Task::new(q.get());
        g1.pending();
        let mut g2 = Box::pin(q.get());
        park_reentrant(&q, &mut g2);
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        assert!(g1.woken());
        // g2 was not woken (g1 is on its way) but finds an item anyway; its
        // stored waker goes with its slot.
        assert!(common::poll_once(&mut g2).is_ready());
        assert!(g1.ready().is_ok());
    });
}
