//! Loom models: Semaphore and Lock (release vs acquire, wake vs drop).
#![cfg(loom)]

mod loom_util;

use loom::sync::Arc;
use loom::thread;
use std::task::Poll;

use loom_util::{block_on, noop_waker, poll_once_then_drop, poll_with};
use myrt_sync::{Lock, Semaphore};

#[test]
fn acquire_release_race_keeps_count() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let sem = sem.clone();
                thread::spawn(move || drop(block_on(sem.acquire()).unwrap()))
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn dropped_waiter_vs_release_loses_no_permit() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s2 = sem.clone();
        let canceller = thread::spawn(move || {
            // Either takes the permit at once (and returns it) or queues and
            // is dropped, possibly after being handed the permit.
            poll_once_then_drop(s2.acquire());
        });
        sem.release(1).unwrap();
        canceller.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn lock_handoff_with_a_cancelled_waiter() {
    loom::model(|| {
        let lock = Arc::new(Lock::new(0));
        let l1 = lock.clone();
        let worker = thread::spawn(move || {
            *block_on(l1.lock()) += 1;
        });
        let l2 = lock.clone();
        let canceller = thread::spawn(move || {
            poll_once_then_drop(l2.lock());
        });
        *block_on(lock.lock()) += 1;
        worker.join().unwrap();
        canceller.join().unwrap();
        let g = lock.try_lock().expect("lock left free");
        assert_eq!(*g, 2);
    });
}

#[test]
fn close_vs_acquire_many_and_release() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let s1 = sem.clone();
        let big = thread::spawn(move || block_on(s1.acquire_many(2)).map(|p| p.num_permits()));
        let s2 = sem.clone();
        let releaser = thread::spawn(move || s2.release(1).unwrap());
        sem.close();
        let got = big.join().unwrap();
        releaser.join().unwrap();
        match got {
            // Got both before the close; they came back on drop.
            Ok(n) => assert_eq!(n, 2),
            Err(e) => assert_eq!(e, myrt_sync::AcquireError::Closed),
        }
        assert_eq!(sem.available_permits(), 2, "no permit lost on close");
    });
}

#[test]
fn lock_free_release_vs_enqueue() {
    loom::model(|| {
        let sem = std::sync::Arc::new(Semaphore::new(1));
        let held = sem.clone().try_acquire_owned().unwrap();
        let s2 = sem.clone();
        let t = thread::spawn(move || block_on(s2.acquire()).unwrap().num_permits());
        drop(held); // lock-free give-back, racing with the enqueue
        assert_eq!(t.join().unwrap(), 1);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn acquire_many_collects_from_two_releasers() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let releasers: Vec<_> = (0..2)
            .map(|_| {
                let sem = sem.clone();
                thread::spawn(move || sem.release(1).unwrap())
            })
            .collect();
        let p = block_on(sem.acquire_many(2)).unwrap();
        assert_eq!(p.num_permits(), 2);
        assert_eq!(sem.available_permits(), 0);
        drop(p);
        for r in releasers {
            r.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn granted_slot_is_freed_and_reused_safely() {
    // A grant frees the waiter's slot at once; the granted waiter must learn
    // of it from `served` alone, even if its slot was reused meanwhile by a
    // later waiter, and a cancelled granted waiter must hand its permit on.
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s1 = sem.clone();
        let canceller = thread::spawn(move || {
            poll_once_then_drop(s1.acquire());
        });
        let s2 = sem.clone();
        let waiter = thread::spawn(move || block_on(s2.acquire()).unwrap().num_permits());
        sem.release(1).unwrap();
        canceller.join().unwrap();
        assert_eq!(waiter.join().unwrap(), 1);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn waiter_repolled_with_another_waker_after_its_slot_may_be_reused() {
    // The waiter is granted (its slot freed) while another waiter may take
    // the same slot; the re-poll (a new waker, so no shortcut) or the drop
    // must tell from `served` alone and never touch the reused slot.
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let mut a = Box::pin(sem.acquire());
        assert!(poll_with(a.as_mut(), &noop_waker()).is_pending());
        let s1 = sem.clone();
        let releaser = thread::spawn(move || s1.release(1).unwrap());
        let s2 = sem.clone();
        let other = thread::spawn(move || {
            poll_once_then_drop(s2.acquire());
        });
        match poll_with(a.as_mut(), &noop_waker()) {
            Poll::Ready(p) => drop(p.unwrap()),
            Poll::Pending => drop(a),
        }
        releaser.join().unwrap();
        other.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn close_vs_grant_vs_cancel_of_a_partial_waiter() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::bounded(2));
        sem.try_acquire().unwrap().forget();
        // Takes the one free permit and queues for the second.
        let mut a = Box::pin(sem.acquire_many(2));
        assert!(poll_with(a.as_mut(), &noop_waker()).is_pending());
        let s1 = sem.clone();
        let releaser = thread::spawn(move || s1.release(1).unwrap());
        let s2 = sem.clone();
        let closer = thread::spawn(move || s2.close());
        match poll_with(a.as_mut(), &noop_waker()) {
            Poll::Ready(Ok(p)) => assert_eq!(p.num_permits(), 2),
            Poll::Ready(Err(e)) => assert_eq!(e, myrt_sync::AcquireError::Closed),
            Poll::Pending => drop(a),
        }
        releaser.join().unwrap();
        closer.join().unwrap();
        assert_eq!(sem.available_permits(), 2, "a permit was lost or made up");
        assert!(sem.release(1).is_err(), "bounded: nothing owed any more");
    });
}

#[test]
fn second_waiter_skips_the_cas_while_a_lock_free_give_back_races() {
    loom::model(|| {
        let sem = std::sync::Arc::new(Semaphore::new(1));
        let held = sem.clone().try_acquire_owned().unwrap();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let s = sem.clone();
                thread::spawn(move || drop(block_on(s.acquire()).unwrap()))
            })
            .collect();
        drop(held);
        for w in waiters {
            w.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}
