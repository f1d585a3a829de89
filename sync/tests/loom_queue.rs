//! Loom models: Queue (put vs get vs shutdown, cancelled getters).
#![cfg(loom)]

mod loom_util;

use loom::sync::Arc;
use loom::thread;
use loom_util::{block_on, poll_once_then_drop};
use myrt_sync::{GetError, PutError, Queue};

#[test]
fn put_vs_get_vs_shutdown_loses_nothing() {
    loom::model(|| {
        let q = Arc::new(Queue::new(1));
        let q1 = q.clone();
        let producer = thread::spawn(move || match block_on(q1.put(7)) {
            Ok(()) => 0,
            Err(PutError::ShutDown(v)) => v,
            Err(e) => panic!("{e}"),
        });
        let q2 = q.clone();
        let consumer = thread::spawn(move || match block_on(q2.get()) {
            Ok(v) => v,
            Err(GetError::ShutDown) => 0,
            Err(e) => panic!("{e}"),
        });
        q.shutdown(false);
        let returned = producer.join().unwrap();
        let got = consumer.join().unwrap();
        let left = q.get_nowait().unwrap_or(0);
        assert_eq!(
            returned + got + left,
            7,
            "the item is exactly once somewhere"
        );
    });
}

#[test]
fn cancelled_getter_passes_its_wakeup_on() {
    loom::model(|| {
        let q = Arc::new(Queue::new(0));
        let q1 = q.clone();
        let canceller =
            thread::spawn(move || poll_once_then_drop(q1.get()).map_or(0, Result::unwrap));
        let q2 = q.clone();
        let getter = thread::spawn(move || block_on(q2.get()).unwrap());
        q.put_nowait(1).unwrap();
        let a = canceller.join().unwrap();
        if a == 1 {
            // The canceller took the item; feed the other getter.
            q.put_nowait(2).unwrap();
        }
        let b = getter.join().unwrap();
        assert!(a + b == 1 || a + b == 3);
        assert!(q.empty());
    });
}

#[test]
fn two_putters_share_one_slot_without_loss() {
    loom::model(|| {
        let q = Arc::new(Queue::new(1));
        let producers: Vec<_> = [1, 2]
            .into_iter()
            .map(|v| {
                let q = q.clone();
                thread::spawn(move || block_on(q.put(v)).unwrap())
            })
            .collect();
        let a = block_on(q.get()).unwrap();
        let b = block_on(q.get()).unwrap();
        for p in producers {
            p.join().unwrap();
        }
        assert_eq!(a + b, 3);
        assert!(q.empty());
    });
}

#[test]
fn two_getters_both_served_by_one_wake_at_a_time() {
    loom::model(|| {
        let q = Arc::new(Queue::new(0));
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || block_on(q.get()).unwrap())
            })
            .collect();
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        let sum: i32 = getters.into_iter().map(|g| g.join().unwrap()).sum();
        assert_eq!(sum, 3);
    });
}
