//! watch: receivers see the latest value, versions decide what is news,
//! closing ends `changed` once nothing new is left.

mod common;

use common::{block_on, join, n, Task};
use myrt_sync::watch::{self, SendError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;

#[test]
fn borrow_sees_the_latest_value() {
    let (tx, mut rx) = watch::channel(1);
    assert_eq!(*rx.borrow(), 1);
    assert_eq!(*tx.borrow(), 1);
    assert!(!rx.borrow().has_changed());
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send(2).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    {
        let r = rx.borrow();
        assert_eq!((*r, r.has_changed()), (2, true));
    }
    assert_eq!(rx.has_changed(), Ok(true), "borrow does not mark seen");
    assert!(rx.borrow_and_update().has_changed());
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(!rx.borrow_and_update().has_changed());
    assert!(!tx.borrow().has_changed());
}

#[test]
fn send_fails_without_receivers_but_send_replace_stores() {
    let (tx, rx) = watch::channel(String::from("a"));
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send("b".into()), Err(SendError(String::from("b"))));
    assert_eq!(*tx.borrow(), "a", "a failed send stores nothing");
    assert_eq!(tx.send_replace("c".into()), "a");
    assert_eq!(*tx.borrow(), "c");
    tx.send_modify(|s| s.push('!'));
    assert_eq!(*tx.borrow(), "c!");
    let rx = tx.subscribe();
    assert_eq!(
        rx.has_changed(),
        Ok(false),
        "a new receiver has seen the value"
    );
    assert!(tx.send("d".into()).is_ok());
    assert_eq!(rx.has_changed(), Ok(true));
}

#[test]
fn changed_skips_to_the_latest_value() {
    let (tx, mut rx) = watch::channel(0);
    for v in 1..=3 {
        tx.send(v).unwrap();
    }
    block_on(rx.changed()).unwrap();
    assert_eq!(*rx.borrow(), 3);
    let mut w = Task::new(rx.changed());
    w.pending();
    assert!(!w.woken());
    tx.send(4).unwrap();
    assert!(w.woken());
    assert_eq!(w.ready(), Ok(()));
    drop(w);
    assert_eq!(*rx.borrow_and_update(), 4);
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn changed_fails_once_the_sender_is_gone_and_nothing_is_new() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(rx.has_changed(), Ok(true), "the last value first");
    assert!(block_on(rx.changed()).is_ok());
    assert_eq!(*rx.borrow(), 1, "the value stays readable");
    assert!(rx.has_changed().is_err());
    assert!(block_on(rx.changed()).is_err());
    assert!(rx.blocking_changed().is_err());
}

#[test]
fn dropping_the_sender_wakes_every_waiter_with_an_error() {
    let (tx, rx) = watch::channel(());
    let mut rxs: Vec<_> = (0..5).map(|_| rx.clone()).collect();
    let mut waits: Vec<_> = rxs.iter_mut().map(|r| Task::new(r.changed())).collect();
    for w in &mut waits {
        w.pending();
        w.pending();
    }
    drop(tx);
    for w in &mut waits {
        assert!(w.woken());
        let err = w.ready().unwrap_err();
        assert_eq!(err.to_string(), "watch channel closed");
    }
}

#[test]
fn every_change_wakes_every_waiter() {
    let (tx, rx) = watch::channel(0);
    let mut rxs: Vec<_> = (0..10).map(|_| tx.subscribe()).collect();
    drop(rx);
    let mut waits: Vec<_> = rxs.iter_mut().map(|r| Task::new(r.changed())).collect();
    for w in &mut waits {
        w.pending();
    }
    tx.send_modify(|v| *v += 1);
    for w in &mut waits {
        assert!(w.woken());
        assert_eq!(w.ready(), Ok(()));
    }
    drop(waits);
    for r in &rxs {
        assert_eq!((r.has_changed(), *r.borrow()), (Ok(false), 1));
    }
}

#[test]
fn a_cancelled_changed_loses_nothing() {
    let (tx, mut rx) = watch::channel(0);
    let mut other = rx.clone();
    {
        let mut w = Task::new(rx.changed());
        w.pending();
        tx.send(1).unwrap();
        assert!(w.woken());
        // Dropped after its wake-up, before it ran.
    }
    assert_eq!(rx.has_changed(), Ok(true), "still news");
    assert_eq!(Task::new(rx.changed()).ready(), Ok(()));
    assert_eq!(Task::new(other.changed()).ready(), Ok(()));
    {
        // Dropped while queued: the next send wakes only the live waiter.
        let mut w = Task::new(rx.changed());
        w.pending();
    }
    let mut w = Task::new(other.changed());
    w.pending();
    tx.send(2).unwrap();
    assert!(w.woken());
    assert_eq!(w.ready(), Ok(()));
}

#[test]
fn mark_changed_and_unchanged() {
    let (tx, mut rx) = watch::channel(0);
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(Task::new(rx.changed()).ready(), Ok(()));
    tx.send(1).unwrap();
    rx.mark_unchanged();
    assert_eq!(rx.has_changed(), Ok(false));
    let mut w = Task::new(rx.changed());
    w.pending();
    drop(w);
    drop(tx);
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Ok(true), "news even after the close");
    assert!(block_on(rx.changed()).is_ok());
    assert!(block_on(rx.changed()).is_err());
}

#[test]
fn send_if_modified_tells_receivers_only_of_changes() {
    let (tx, mut rx) = watch::channel(5);
    let mut w = Task::new(rx.changed());
    w.pending();
    assert!(!tx.send_if_modified(|v| {
        *v += 0;
        false
    }));
    assert!(!w.woken(), "no change, no wake-up");
    w.pending();
    assert!(tx.send_if_modified(|v| {
        *v += 1;
        true
    }));
    assert!(w.woken());
    assert_eq!(w.ready(), Ok(()));
    drop(w);
    assert_eq!(*rx.borrow(), 6);
}

#[test]
fn a_panicking_modify_counts_as_a_change_and_the_channel_goes_on() {
    let (tx, mut rx) = watch::channel(vec![1]);
    let mut w = Task::new(rx.changed());
    w.pending();
    let res = catch_unwind(AssertUnwindSafe(|| {
        tx.send_modify(|v| {
            v.push(2);
            panic!("half-way");
        })
    }));
    assert!(res.is_err());
    assert!(w.woken());
    assert_eq!(w.ready(), Ok(()));
    drop(w);
    assert_eq!(*rx.borrow(), [1, 2]);
    tx.send(vec![3]).unwrap();
    assert_eq!(*rx.borrow_and_update(), [3]);
}

#[test]
fn wait_for_checks_the_current_value_then_each_change() {
    let (tx, mut rx) = watch::channel(0);
    {
        let r = block_on(rx.wait_for(|v| *v == 0)).unwrap();
        assert_eq!((*r, r.has_changed()), (0, false));
    }
    let mut seen = Vec::new();
    let mut w = Task::new(rx.wait_for(|v| {
        seen.push(*v);
        *v >= 3
    }));
    w.pending();
    tx.send(1).unwrap();
    assert!(w.woken());
    w.pending();
    tx.send(2).unwrap();
    tx.send(3).unwrap();
    assert!(w.woken());
    assert_eq!(w.ready().map(|r| *r), Ok(3));
    drop(w);
    assert_eq!(seen, [0, 1, 3], "2 was skipped: only the latest counts");
    assert_eq!(rx.has_changed(), Ok(false), "marked seen");
}

#[test]
fn wait_for_after_the_close() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(7).unwrap();
    drop(tx);
    assert_eq!(block_on(rx.wait_for(|v| *v == 7)).map(|r| *r), Ok(7));
    assert!(block_on(rx.wait_for(|v| *v == 8)).is_err());
    let (tx, mut rx) = watch::channel(0);
    let mut w = Task::new(rx.wait_for(|v| *v == 9));
    w.pending();
    tx.send(1).unwrap();
    drop(tx);
    assert!(w.woken());
    assert!(w.ready().is_err(), "the last value does not match");
}

#[test]
fn clones_and_subscribers() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    let clone = rx.clone();
    assert_eq!(
        clone.has_changed(),
        Ok(true),
        "a clone has seen what rx has"
    );
    rx.mark_unchanged();
    let clone2 = rx.clone();
    assert_eq!(clone2.has_changed(), Ok(false));
    assert!(rx.same_channel(&clone) && clone.same_channel(&tx.subscribe()));
    let (_other_tx, other) = watch::channel(0);
    assert!(!rx.same_channel(&other));
    assert_eq!(tx.receiver_count(), 3);
}

#[test]
fn closed_waits_for_every_receiver_to_go() {
    let (tx, rx) = watch::channel(());
    let rx2 = rx.clone();
    let mut closed = Task::new(tx.closed());
    closed.pending();
    drop(rx);
    assert!(!closed.woken());
    closed.pending();
    drop(rx2);
    assert!(closed.woken());
    assert!(tx.is_closed());
    let _again = tx.subscribe();
    closed.ready(); // released even though a receiver came back
    let mut c2 = Task::new(tx.closed());
    c2.pending();
}

#[test]
fn threads_follow_the_value_to_the_end() {
    let last = n(5_000, 50);
    let (tx, rx) = watch::channel(0usize);
    let watchers: Vec<_> = (0..4)
        .map(|_| {
            let mut rx = rx.clone();
            thread::spawn(move || {
                let (mut prev, mut wakeups) = (0, 0);
                while rx.blocking_changed().is_ok() {
                    let v = *rx.borrow_and_update();
                    assert!(v > prev, "went from {prev} to {v}");
                    prev = v;
                    wakeups += 1;
                }
                (prev, wakeups)
            })
        })
        .collect();
    let mut task_rx = rx;
    let task = thread::spawn(move || {
        block_on(async move {
            let r = task_rx.wait_for(|v| *v == last).await.map(|r| *r);
            r.expect("sender dropped before the last value")
        })
    });
    for v in 1..=last {
        tx.send_replace(v);
    }
    drop(tx);
    for w in watchers {
        let (end, wakeups) = join(w);
        assert_eq!(end, last);
        assert!((1..=last).contains(&wakeups));
    }
    assert_eq!(join(task), last);
}

#[test]
fn channel_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<watch::Sender<String>>();
    send_sync::<watch::Receiver<String>>();
    let (tx, mut rx) = watch::channel(String::new());
    send(&rx.changed());
    send(&rx.wait_for(|s| s.is_empty()));
    send(&tx.closed());
    let _: &dyn std::error::Error = &SendError(1);
}
