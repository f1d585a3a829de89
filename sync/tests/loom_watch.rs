//! Loom models: watch (a change or the close vs a waiting, cancelled or
//! predicate-waiting receiver; the last receiver's drop vs `closed`).
#![cfg(loom)]

mod loom_util;

use loom::thread;
use loom_util::{block_on, poll_once_then_drop};
use myrt_sync::watch;

#[test]
fn send_vs_changed_never_loses_the_wakeup() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = thread::spawn(move || {
            block_on(rx.changed()).unwrap();
            *rx.borrow()
        });
        tx.send(1).unwrap();
        assert_eq!(t.join().unwrap(), 1);
    });
}

#[test]
fn close_vs_changed_sees_the_last_value_first() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = thread::spawn(move || {
            while block_on(rx.changed()).is_ok() {}
            *rx.borrow_and_update()
        });
        tx.send(1).unwrap();
        drop(tx);
        assert_eq!(t.join().unwrap(), 1);
    });
}

#[test]
fn cancelled_changed_vs_send() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = thread::spawn(move || {
            if poll_once_then_drop(rx.changed()).is_none() {
                block_on(rx.changed()).unwrap();
            }
            assert_eq!(*rx.borrow(), 1);
        });
        tx.send(1).unwrap();
        t.join().unwrap();
    });
}

#[test]
fn wait_for_vs_send_and_close() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = thread::spawn(move || block_on(rx.wait_for(|v| *v == 1)).map(|r| *r));
        tx.send(1).unwrap();
        drop(tx);
        assert_eq!(t.join().unwrap(), Ok(1));
    });
}

#[test]
fn last_receiver_drop_vs_closed() {
    loom::model(|| {
        let (tx, rx) = watch::channel(0);
        let rx2 = rx.clone();
        let t = thread::spawn(move || drop(rx2));
        drop(rx);
        block_on(tx.closed());
        t.join().unwrap();
        assert!(tx.is_closed());
    });
}
