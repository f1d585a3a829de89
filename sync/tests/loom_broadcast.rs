//! Loom models: broadcast (send and close vs a waiting or cancelled
//! receive; the last receiver's drop vs `closed`).
#![cfg(loom)]

mod loom_util;

use loom::thread;
use loom_util::{block_on, poll_once_then_drop};
use myrt_sync::broadcast::{self, RecvError};

#[test]
fn send_vs_recv_never_loses_the_wakeup() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(1);
        let t = thread::spawn(move || block_on(rx.recv()));
        assert_eq!(tx.send(1), Ok(1));
        assert_eq!(t.join().unwrap(), Ok(1));
    });
}

#[test]
fn close_vs_recv_drains_then_reports_closed() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(1);
        let t = thread::spawn(move || {
            assert_eq!(block_on(rx.recv()), Ok(1));
            assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
        });
        tx.send(1).unwrap();
        drop(tx);
        t.join().unwrap();
    });
}

#[test]
fn cancelled_recv_vs_send() {
    // A receive polled once and dropped (queued, maybe woken) must leave
    // the channel so that the next one still gets the value.
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(1);
        let t = thread::spawn(move || match poll_once_then_drop(rx.recv()) {
            Some(got) => assert_eq!(got, Ok(1)),
            None => assert_eq!(block_on(rx.recv()), Ok(1)),
        });
        tx.send(1).unwrap();
        t.join().unwrap();
    });
}

#[test]
fn last_receiver_drop_vs_closed_and_send() {
    loom::model(|| {
        let (tx, rx) = broadcast::channel(1);
        let t = thread::spawn(move || drop(rx));
        match tx.send(1) {
            Ok(n) => assert_eq!(n, 1),
            Err(e) => assert_eq!(e.0, 1),
        }
        block_on(tx.closed());
        t.join().unwrap();
        assert_eq!(tx.receiver_count(), 0);
        assert!(tx.is_empty(), "the dropped receiver gave up its share");
    });
}
