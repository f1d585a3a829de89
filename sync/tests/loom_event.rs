//! Loom models: Event and Condition (set/notify vs wait vs drop).
#![cfg(loom)]

mod loom_util;

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;
use loom_util::{block_on, noop_waker, poll_once_then_drop, poll_with};
use myrt_sync::{Condition, Event, Lock};

#[test]
fn set_vs_wait_never_loses_the_wakeup() {
    loom::model(|| {
        let ev = Arc::new(Event::new());
        let e2 = ev.clone();
        let waiter = thread::spawn(move || block_on(e2.wait()));
        ev.set();
        waiter.join().unwrap();
        assert!(ev.is_set());
    });
}

#[test]
fn waiter_requeues_while_a_set_wakes_the_old_list() {
    // `set` detaches the waiters and wakes them outside the lock, then hands
    // the list's allocation back; another thread may `clear` and queue a
    // waiter in between (into a fresh list the recycling must not clobber),
    // and a later `set` must still reach it.
    loom::model(|| {
        let ev = Arc::new(Event::new());
        let mut first = Box::pin(ev.wait());
        assert!(poll_with(first.as_mut(), &noop_waker()).is_pending());
        let e1 = ev.clone();
        let setter = thread::spawn(move || e1.set());
        let e2 = ev.clone();
        let cleared = Arc::new(AtomicBool::new(false));
        let c2 = cleared.clone();
        let requeuer = thread::spawn(move || {
            e2.clear();
            c2.store(true, Ordering::Release);
            block_on(e2.wait());
        });
        setter.join().unwrap();
        assert!(poll_with(first.as_mut(), &noop_waker()).is_ready());
        // The last `set` must come after the `clear`, or the flag ends clear.
        while !cleared.load(Ordering::Acquire) {
            thread::yield_now();
        }
        ev.set();
        requeuer.join().unwrap();
    });
}

#[test]
fn repoll_with_a_new_waker_vs_set() {
    // The second poll comes with another waker, so it must lock and store
    // it (unless released); a `set` racing it must not be lost.
    loom::model(|| {
        let ev = Arc::new(Event::new());
        let e2 = ev.clone();
        let waiter = thread::spawn(move || {
            let mut f = Box::pin(e2.wait());
            if poll_with(f.as_mut(), &noop_waker()).is_pending() {
                block_on(f);
            }
        });
        ev.set();
        waiter.join().unwrap();
    });
}

#[test]
fn dropped_waiter_vs_set_and_clear() {
    loom::model(|| {
        let ev = Arc::new(Event::new());
        let e2 = ev.clone();
        let t = thread::spawn(move || {
            poll_once_then_drop(e2.wait());
        });
        ev.set();
        ev.clear();
        t.join().unwrap();
        assert!(!ev.is_set());
        ev.set();
        block_on(ev.wait());
    });
}

#[test]
fn notify_vs_wait_with_the_lock() {
    loom::model(|| {
        let state = Arc::new((Lock::new(false), Condition::new()));
        let s2 = state.clone();
        let waiter = thread::spawn(move || {
            block_on(async {
                let (lock, cond) = &*s2;
                let g = cond.wait_for(lock.lock().await, |ready| *ready).await;
                assert!(*g);
            })
        });
        block_on(async {
            let (lock, cond) = &*state;
            *lock.lock().await = true;
            cond.notify_all();
        });
        waiter.join().unwrap();
    });
}

#[test]
fn cancelled_condition_waiter_passes_the_notification_on() {
    loom::model(|| {
        let state = Arc::new((Lock::new(false), Condition::new()));
        let s1 = state.clone();
        let waiter = thread::spawn(move || {
            block_on(async {
                let (lock, cond) = &*s1;
                drop(cond.wait_for(lock.lock().await, |ready| *ready).await);
            })
        });
        let s2 = state.clone();
        let canceller = thread::spawn(move || {
            let (lock, cond) = &*s2;
            if let Ok(g) = lock.try_lock() {
                // Queues (possibly ahead of `waiter`), may be notified, is dropped.
                poll_once_then_drop(cond.wait(g));
            }
        });
        {
            let (lock, cond) = &*state;
            *block_on(lock.lock()) = true;
            cond.notify(1); // a single notification must still reach `waiter`
        }
        canceller.join().unwrap();
        waiter.join().unwrap();
    });
}
