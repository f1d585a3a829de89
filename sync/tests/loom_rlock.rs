//! Loom models: `RLock`'s owner/count/hand-off protocol. Owners are loom
//! threads, named through the task-identity hook (loom threads share one
//! OS thread's locals, so the hook reads a loom thread-local).
#![cfg(loom)]

mod loom_util;

use std::cell::Cell;
use std::num::NonZeroU64;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use loom_util::{block_on, poll_once_then_drop};
use myrt_sync::RLock;

loom::thread_local! {
    static ID: Cell<u64> = Cell::new(0);
}

fn identity() -> Option<NonZeroU64> {
    NonZeroU64::new(ID.with(Cell::get))
}

fn become_owner(id: u64) {
    myrt_sync::set_task_identity(identity);
    ID.with(|c| c.set(id));
}

/// Takes the lock twice (re-entering) and checks it is alone inside.
fn critical(lock: &RLock<AtomicUsize>) {
    let outer = block_on(lock.lock());
    let inner = block_on(lock.lock());
    assert_eq!(outer.fetch_add(1, Ordering::SeqCst), 0, "two owners inside");
    outer.fetch_sub(1, Ordering::SeqCst);
    drop(outer);
    // Still held: the inner level remains.
    assert!(lock.is_owned());
    drop(inner);
}

#[test]
fn reentrant_owners_exclude_each_other_and_the_lock_ends_free() {
    loom::model(|| {
        let lock = Arc::new(RLock::new(AtomicUsize::new(0)));
        let l2 = lock.clone();
        let t = thread::spawn(move || {
            become_owner(2);
            critical(&l2);
        });
        become_owner(1);
        critical(&lock);
        t.join().unwrap();
        assert!(!lock.is_locked());
    });
}

#[test]
fn a_waiter_cancelled_around_the_hand_off_passes_it_on() {
    // Owner 1 releases while owner 2 polls once and gives up: whether 2
    // was queued, handed the lock or never queued, the lock is free after,
    // and owner 3 then takes it at once.
    loom::model(|| {
        become_owner(1);
        let lock = Arc::new(RLock::new(()));
        let held = block_on(lock.lock());
        let l2 = lock.clone();
        let t = thread::spawn(move || {
            become_owner(2);
            if let Some(g) = poll_once_then_drop(l2.lock()) {
                drop(g);
            }
        });
        drop(held);
        t.join().unwrap();
        assert!(!lock.is_locked(), "a hand-off was lost");
        ID.with(|c| c.set(3));
        assert!(lock.try_lock().is_ok());
    });
}
