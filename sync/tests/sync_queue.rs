//! Queue family: ports in spirit of CPython's test_asyncio/test_queues.py.

mod common;

use common::{block_on, join, n, Task};
use myrt_sync::{GetError, LifoQueue, PriorityQueue, PutError, Queue};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn maxsize_zero_is_unbounded() {
    let q = Queue::new(0);
    for i in 0..1000 {
        block_on(q.put(i)).unwrap();
    }
    assert!(!q.full());
    assert_eq!(q.qsize(), 1000);
    assert_eq!(block_on(q.get()), Ok(0));
}

#[test]
fn blocking_put_waits_for_a_slot() {
    let q = Queue::new(2);
    q.put_nowait(1).unwrap();
    q.put_nowait(2).unwrap();
    assert!(q.full());
    let mut p = Task::new(q.put(3));
    p.pending();
    assert_eq!(q.get_nowait(), Ok(1));
    assert!(p.woken());
    p.ready().unwrap();
    assert_eq!(q.qsize(), 2);
}

#[test]
fn getters_are_served_fifo() {
    let q = Queue::new(0);
    let mut gs: Vec<_> = (0..3).map(|_| Task::new(q.get())).collect();
    for g in &mut gs {
        g.pending();
    }
    q.put_nowait('a').unwrap();
    assert!(gs[0].woken() && !gs[1].woken() && !gs[2].woken());
    q.put_nowait('b').unwrap();
    // One woken getter at a time: the next is woken when the first has run.
    assert!(!gs[1].woken() && !gs[2].woken());
    assert_eq!(gs[0].ready(), Ok('a'));
    assert!(gs[1].woken() && !gs[2].woken());
    assert_eq!(gs[1].ready(), Ok('b'));
    assert!(!gs[2].woken(), "no item left");
    gs[2].pending();
}

#[test]
fn putters_are_woken_one_at_a_time_and_chained() {
    let q = Queue::new(2);
    q.put_nowait(0).unwrap();
    q.put_nowait(0).unwrap();
    let mut ps: Vec<_> = (1..=3).map(|i| Task::new(q.put(i))).collect();
    for p in &mut ps {
        p.pending();
    }
    q.get_nowait().unwrap();
    q.get_nowait().unwrap(); // two free slots, one putter woken
    assert!(ps[0].woken() && !ps[1].woken());
    ps[0].ready().unwrap(); // still room: wakes the next
    assert!(ps[1].woken() && !ps[2].woken());
    ps[1].ready().unwrap(); // now full: nobody else woken
    assert!(!ps[2].woken());
    ps[2].pending();
    assert_eq!(q.get_nowait(), Ok(1));
    assert!(ps[2].woken());
    ps[2].ready().unwrap();
    let rest: Vec<_> = std::iter::from_fn(|| q.get_nowait().ok()).collect();
    assert_eq!(rest, [2, 3]);
}

#[test]
fn woken_waiter_that_is_never_polled_still_passes_on_when_dropped() {
    let q = Queue::new(0);
    let mut a = Task::new(q.get());
    let mut b = Task::new(q.get());
    a.pending();
    b.pending();
    q.put_nowait(1).unwrap();
    q.put_nowait(2).unwrap();
    assert!(a.woken() && !b.woken());
    drop(a);
    assert!(b.woken());
    assert_eq!(b.ready(), Ok(1));
    assert_eq!(q.get_nowait(), Ok(2));
}

#[test]
fn cancelled_getter_loses_no_item() {
    let q = Queue::new(0);
    let mut a = Task::new(q.get());
    a.pending();
    drop(a);
    q.put_nowait(1).unwrap();
    assert_eq!(q.qsize(), 1);
    assert_eq!(q.get_nowait(), Ok(1));
}

#[test]
fn cancelled_getter_after_wakeup_wakes_the_next() {
    let q = Queue::new(0);
    let mut a = Task::new(q.get());
    let mut b = Task::new(q.get());
    a.pending();
    b.pending();
    q.put_nowait(1).unwrap();
    assert!(a.woken() && !b.woken());
    drop(a);
    assert!(b.woken(), "wake-up passed on");
    assert_eq!(b.ready(), Ok(1));
}

#[test]
fn cancelled_putter_after_wakeup_wakes_the_next() {
    let q = Queue::new(1);
    q.put_nowait(0).unwrap();
    let mut a = Task::new(q.put(1));
    let mut b = Task::new(q.put(2));
    a.pending();
    b.pending();
    assert_eq!(q.get_nowait(), Ok(0));
    assert!(a.woken() && !b.woken());
    drop(a); // item 1 is dropped, never put
    assert!(b.woken());
    b.ready().unwrap();
    assert_eq!(q.get_nowait(), Ok(2));
    assert!(q.empty());
}

#[test]
fn barging_get_nowait_makes_the_woken_getter_wait_again() {
    let q = Queue::new(0);
    let mut a = Task::new(q.get());
    let mut b = Task::new(q.get());
    a.pending();
    b.pending();
    q.put_nowait(1).unwrap();
    assert_eq!(q.get_nowait(), Ok(1)); // barges
    a.pending(); // re-queued, at the front
    q.put_nowait(2).unwrap();
    assert!(a.woken());
    assert!(!b.woken());
    assert_eq!(a.ready(), Ok(2));
}

#[test]
fn nowait_errors_hand_the_item_back() {
    let q = Queue::new(1);
    assert_eq!(q.get_nowait(), Err(GetError::Empty));
    q.put_nowait(String::from("a")).unwrap();
    match q.put_nowait(String::from("b")) {
        Err(PutError::Full(s)) => assert_eq!(s, "b"),
        other => panic!("{other:?}"),
    }
    let e = q.put_nowait(String::from("c")).unwrap_err();
    assert!(e.is_full());
    assert_eq!(e.to_string(), "queue is full");
}

#[test]
fn task_done_too_often_is_an_error() {
    let q = Queue::new(0);
    assert!(q.task_done().is_err());
    q.put_nowait(1).unwrap();
    q.get_nowait().unwrap();
    q.task_done().unwrap();
    assert!(q.task_done().is_err());
}

#[test]
fn join_waits_for_every_task_done() {
    let q = Queue::new(0);
    block_on(q.join()); // nothing pending
    for i in 0..3 {
        q.put_nowait(i).unwrap();
    }
    let mut j = Task::new(q.join());
    let mut j2 = Task::new(q.join());
    j.pending();
    j2.pending();
    for _ in 0..3 {
        q.get_nowait().unwrap();
        j.pending();
        q.task_done().unwrap();
    }
    assert!(j.woken() && j2.woken());
    j.ready();
    j2.ready();
}

#[test]
fn shutdown_fails_putters_and_drains_getters() {
    let q = Queue::new(1);
    q.put_nowait(1).unwrap();
    let mut p = Task::new(q.put(2));
    p.pending();
    q.shutdown(false);
    assert!(q.is_shutdown());
    assert!(p.woken());
    assert!(matches!(p.ready(), Err(PutError::ShutDown(2))));
    assert!(matches!(block_on(q.put(3)), Err(PutError::ShutDown(3))));
    assert_eq!(block_on(q.get()), Ok(1), "items left are still handed out");
    assert_eq!(block_on(q.get()), Err(GetError::ShutDown));
    assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
}

#[test]
fn shutdown_wakes_waiting_getters() {
    let q: Queue<u8> = Queue::new(0);
    let mut g = Task::new(q.get());
    g.pending();
    q.shutdown(false);
    assert!(g.woken());
    assert_eq!(g.ready(), Err(GetError::ShutDown));
}

#[test]
fn immediate_shutdown_drops_items_and_releases_join() {
    let q = Queue::new(0);
    for i in 0..3 {
        q.put_nowait(Arc::new(i)).unwrap();
    }
    let probe = Arc::new(9);
    q.put_nowait(probe.clone()).unwrap();
    let taken = q.get_nowait().unwrap();
    let mut j = Task::new(q.join());
    j.pending();
    q.shutdown(true);
    assert_eq!(Arc::strong_count(&probe), 1, "queued items dropped");
    assert!(q.empty());
    assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
    j.pending(); // the taken item is not done yet
    drop(taken);
    q.task_done().unwrap();
    assert!(j.woken());
    j.ready();
}

#[test]
fn lifo_and_priority_queues_await_too() {
    let l = LifoQueue::new(0);
    let p = PriorityQueue::new(2);
    block_on(async {
        for i in [1, 2, 3] {
            l.put(i).await.unwrap();
        }
        assert_eq!(l.get().await, Ok(3));
        p.put(5).await.unwrap();
        p.put(4).await.unwrap();
        assert!(p.full());
        assert_eq!(p.get().await, Ok(4));
    });
}

#[test]
fn blocking_timeouts_hand_the_item_back() {
    let q = Queue::new(1);
    q.blocking_put(1).unwrap();
    match q.blocking_put_timeout(2, Duration::from_millis(5)) {
        Err(PutError::Full(2)) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(q.blocking_get_timeout(Duration::ZERO), Ok(1));
    assert_eq!(
        q.blocking_get_timeout(Duration::from_millis(5)),
        Err(GetError::Empty)
    );
}

#[test]
fn threads_produce_tasks_consume_and_join() {
    let q = Arc::new(Queue::new(8));
    let per = n(1000, 20);
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let q = q.clone();
            std::thread::spawn(move || {
                for i in 0..per {
                    q.blocking_put(p * per + i).unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = q.clone();
            std::thread::spawn(move || {
                block_on(async {
                    let mut got = Vec::new();
                    while let Ok(v) = q.get().await {
                        got.push(v);
                        q.task_done().unwrap();
                    }
                    got
                })
            })
        })
        .collect();
    for p in producers {
        join(p);
    }
    q.blocking_join();
    assert_eq!(q.unfinished_tasks(), 0);
    q.shutdown(false);
    let mut all: Vec<usize> = consumers.into_iter().flat_map(join).collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..2 * per).collect::<Vec<_>>(),
        "nothing lost or doubled"
    );
}

#[test]
fn tasks_produce_threads_consume() {
    let q = Arc::new(Queue::new(4));
    let count = n(500, 20);
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || {
            let mut sum = 0;
            while let Ok(v) = q.blocking_get_timeout(common::LIMIT) {
                sum += v;
            }
            sum
        })
    };
    block_on(async {
        for i in 0..count {
            q.put(i).await.unwrap();
        }
    });
    q.shutdown(false);
    assert_eq!(join(consumer), count * (count - 1) / 2);
}
