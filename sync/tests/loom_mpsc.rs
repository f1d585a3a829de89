//! Loom models: mpsc (slot hand-off between waiting senders, cancelled
//! senders passing their slot on, close and the last sender's drop vs a
//! waiting receiver).
#![cfg(loom)]

mod loom_util;

use loom::thread;
use loom_util::{block_on, poll_once_then_drop};
use myrt_sync::mpsc::{self, SendError};

#[test]
fn two_senders_share_one_slot_without_loss() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let senders: Vec<_> = [1, 2]
            .into_iter()
            .map(|v| {
                let tx = tx.clone();
                thread::spawn(move || block_on(tx.send(v)).unwrap())
            })
            .collect();
        let a = block_on(rx.recv()).unwrap();
        let b = block_on(rx.recv()).unwrap();
        for s in senders {
            s.join().unwrap();
        }
        assert_eq!(a + b, 3);
        assert_eq!(tx.capacity(), 1, "no slot lost");
    });
}

#[test]
fn a_cancelled_sender_passes_its_slot_on() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(0).unwrap();
        let t1 = tx.clone();
        // Polls once (maybe queues, maybe is handed the slot meanwhile),
        // then is dropped.
        let canceller = thread::spawn(move || poll_once_then_drop(t1.send(1)).is_some());
        let t2 = tx.clone();
        let sender = thread::spawn(move || block_on(t2.send(2)).unwrap());
        assert_eq!(block_on(rx.recv()), Some(0));
        let cancelled_sent = canceller.join().unwrap();
        let mut got = vec![block_on(rx.recv()).unwrap()];
        if cancelled_sent {
            got.push(block_on(rx.recv()).unwrap());
        }
        sender.join().unwrap();
        got.sort();
        assert_eq!(got, if cancelled_sent { vec![1, 2] } else { vec![2] });
        assert_eq!(tx.capacity(), 1, "no slot lost");
    });
}

#[test]
fn last_sender_drop_ends_a_waiting_receive() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let sender = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            drop(tx);
        });
        let mut sum = 0;
        while let Some(v) = block_on(rx.recv()) {
            sum += v;
        }
        sender.join().unwrap();
        assert_eq!(sum, 1);
    });
}

#[test]
fn close_vs_waiting_sender_keeps_every_value_once() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let sender = thread::spawn(move || match block_on(tx.send(2)) {
            Ok(()) => 0,
            Err(SendError(v)) => v,
        });
        // Take one item, then close: the waiting sender either got the
        // freed slot first (its value is buffered) or fails with it.
        let first = block_on(rx.recv()).unwrap();
        rx.close();
        let returned = sender.join().unwrap();
        let mut rest = 0;
        while let Some(v) = block_on(rx.recv()) {
            rest += v;
        }
        assert_eq!(first, 1);
        assert_eq!(rest + returned, 2, "the value is exactly once somewhere");
    });
}

#[test]
fn unbounded_send_vs_receiver_drop() {
    loom::model(|| {
        let (tx, rx) = mpsc::unbounded_channel();
        let sender = thread::spawn(move || tx.send(3).map_err(SendError::into_inner));
        drop(rx);
        let r = sender.join().unwrap();
        assert!(r == Ok(()) || r == Err(3));
    });
}
