//! Lock: ports in spirit of CPython's test_locks.py LockTests.

mod common;

use common::{block_on, join, n, Task};
use myrt_sync::Lock;
use std::sync::{Arc, Mutex};

#[test]
fn try_lock_and_is_locked() {
    let lock = Lock::new(5);
    assert!(!lock.is_locked());
    let g = lock.try_lock().unwrap();
    assert!(lock.is_locked());
    assert!(lock.try_lock().is_err());
    assert_eq!(*g, 5);
    drop(g);
    assert!(!lock.is_locked());
    assert_eq!(lock.into_inner(), 5);
}

#[test]
fn waiters_get_the_lock_in_fifo_order() {
    let lock = Lock::new(Vec::new());
    let g = lock.try_lock().unwrap();
    let mut tasks: Vec<_> = (0..3)
        .map(|i| {
            let lock = &lock;
            Task::new(async move { lock.lock().await.push(i) })
        })
        .collect();
    for t in &mut tasks {
        t.pending();
    }
    drop(g);
    for (i, t) in tasks.iter_mut().enumerate() {
        assert!(t.woken(), "waiter {i} woken in turn");
        t.ready();
    }
    assert_eq!(*lock.try_lock().unwrap(), [0, 1, 2]);
}

#[test]
fn no_barging_after_release() {
    let lock = Lock::new(());
    let g = lock.try_lock().unwrap();
    let mut a = Task::new(lock.lock());
    a.pending();
    drop(g);
    // Handed to `a`, which has not run yet: a newcomer must queue.
    assert!(lock.is_locked());
    assert!(lock.try_lock().is_err());
    let mut late = Task::new(lock.lock());
    late.pending();
    assert!(a.woken());
    let ga = a.ready();
    assert!(!late.woken());
    drop(ga);
    assert!(late.woken());
    drop(late.ready());
    assert!(!lock.is_locked());
}

#[test]
fn cancel_while_waiting_leaves_queue() {
    let lock = Lock::new(());
    let g = lock.try_lock().unwrap();
    let mut a = Task::new(lock.lock());
    let mut b = Task::new(lock.lock());
    a.pending();
    b.pending();
    drop(a);
    drop(g);
    assert!(b.woken());
    drop(b.ready());
    assert!(!lock.is_locked());
}

#[test]
fn cancel_after_woken_passes_the_lock_on() {
    let lock = Lock::new(());
    let g = lock.try_lock().unwrap();
    let mut a = Task::new(lock.lock());
    let mut b = Task::new(lock.lock());
    let mut c = Task::new(lock.lock());
    a.pending();
    b.pending();
    c.pending();
    drop(g);
    assert!(a.woken());
    drop(a); // handed the lock, never ran
    assert!(b.woken());
    assert!(lock.is_locked());
    drop(b); // again
    assert!(c.woken());
    let gc = c.ready();
    drop(gc);
    assert!(!lock.is_locked(), "no permit lost or duplicated");
    drop(lock.try_lock().unwrap());
}

#[test]
fn owned_guard_moves_across_threads() {
    let lock = Arc::new(Lock::new(0));
    let g = lock.clone().try_lock_owned().unwrap();
    let t = std::thread::spawn(move || {
        let mut g = g;
        *g += 1;
    });
    join(t);
    let g = block_on(lock.clone().lock_owned());
    assert_eq!(*g, 1);
    assert!(Arc::ptr_eq(myrt_sync::OwnedLockGuard::source(&g), &lock));
}

#[test]
fn tasks_and_threads_share_one_lock() {
    let lock = Arc::new(Lock::new(0usize));
    let per = n(500, 20);
    let in_section = Arc::new(Mutex::new(false));
    let mut hs = Vec::new();
    for i in 0..4 {
        let lock = lock.clone();
        let flag = in_section.clone();
        hs.push(std::thread::spawn(move || {
            for _ in 0..per {
                let mut g = if i % 2 == 0 {
                    block_on(lock.lock())
                } else {
                    lock.blocking_lock()
                };
                {
                    let mut f = flag.lock().unwrap();
                    assert!(!*f, "two holders at once");
                    *f = true;
                }
                *g += 1;
                *flag.lock().unwrap() = false;
            }
        }));
    }
    for h in hs {
        join(h);
    }
    assert_eq!(*lock.blocking_lock(), 4 * per);
}

#[test]
fn get_mut_and_debug() {
    let mut lock = Lock::new(1);
    *lock.get_mut() = 2;
    assert_eq!(format!("{lock:?}"), "Lock { data: 2 }");
    let g = lock.try_lock().unwrap();
    assert_eq!(format!("{lock:?}"), "Lock { data: <locked> }");
    drop(g);
}

#[test]
fn blocking_lock_timeout_gives_up_and_leaves_the_queue() {
    use std::time::Duration;
    let lock = Arc::new(Lock::new(0));
    let held = lock.try_lock().unwrap();
    assert!(lock
        .blocking_lock_timeout(Duration::from_millis(5))
        .is_none());
    let back = lock.clone().blocking_lock_owned_timeout(Duration::ZERO);
    assert!(back.is_err(), "the Arc comes back on timeout");
    drop(held);
    // Nobody is left queued: the lock is free at once.
    assert!(!lock.is_locked());
    *lock.blocking_lock_timeout(Duration::MAX).unwrap() += 1;
    assert_eq!(
        *lock
            .clone()
            .blocking_lock_owned_timeout(Duration::MAX)
            .unwrap(),
        1
    );
}
