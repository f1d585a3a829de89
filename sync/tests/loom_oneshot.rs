//! Loom models: oneshot (send vs receiver drop or close, sender drop vs
//! receive, closed() vs receiver drop).
#![cfg(loom)]

mod loom_util;

use loom::thread;
use loom_util::block_on;
use myrt_sync::oneshot::{self, TryRecvError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts its drops (a plain std counter: it only observes).
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn send_vs_receive_delivers_once() {
    loom::model(|| {
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(block_on(rx), Ok(7));
        sender.join().unwrap();
    });
}

#[test]
fn sender_drop_vs_receive_fails_the_receiver() {
    loom::model(|| {
        let (tx, rx) = oneshot::channel::<u8>();
        let dropper = thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        dropper.join().unwrap();
    });
}

#[test]
fn send_vs_receiver_drop_drops_or_returns_the_value_once() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = oneshot::channel();
        let d = drops.clone();
        let sender = thread::spawn(move || tx.send(Tracked(d)).is_err());
        drop(rx);
        let refused = sender.join().unwrap();
        // Handed back (and dropped by the sender thread) or stored and
        // dropped with the receiver: exactly once either way.
        let _ = refused;
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn send_vs_close_either_delivers_or_hands_back() {
    loom::model(|| {
        let (tx, mut rx) = oneshot::channel();
        let sender = thread::spawn(move || tx.send(5));
        rx.close();
        let sent = sender.join().unwrap();
        match rx.try_recv() {
            Ok(v) => assert_eq!((v, sent), (5, Ok(()))),
            Err(e) => assert_eq!((e, sent), (TryRecvError::Closed, Err(5))),
        }
    });
}

#[test]
fn closed_wakes_on_receiver_drop() {
    loom::model(|| {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let watcher = thread::spawn(move || {
            block_on(tx.closed());
            assert!(tx.is_closed());
        });
        drop(rx);
        watcher.join().unwrap();
    });
}
