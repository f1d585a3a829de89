//! Condition: ports in spirit of CPython's test_locks.py ConditionTests.

mod common;

use common::{block_on, join, n, Task};
use myrt_sync::{Condition, Lock};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn wait_releases_and_reacquires_the_lock() {
    let lock = Lock::new(0);
    let cond = Condition::new();
    let mut w = Task::new(async {
        let g = lock.lock().await;
        let g = cond.wait(g).await;
        *g
    });
    w.pending();
    assert!(!lock.is_locked(), "waiting gives the lock up");
    let mut g = lock.try_lock().unwrap();
    *g = 7;
    assert_eq!(cond.notify(1), 1);
    assert!(w.woken());
    w.pending(); // notified, but we still hold the lock
    drop(g);
    assert!(w.woken());
    assert_eq!(w.ready(), 7);
}

#[test]
fn notify_wakes_in_fifo_order() {
    let lock = Lock::new(Vec::new());
    let cond = Condition::new();
    let mut ws: Vec<_> = (0..3)
        .map(|i| {
            let (lock, cond) = (&lock, &cond);
            Task::new(async move {
                let g = lock.lock().await;
                let mut g = cond.wait(g).await;
                g.push(i);
            })
        })
        .collect();
    for w in &mut ws {
        w.pending();
    }
    assert_eq!(cond.n_waiting(), 3);
    assert_eq!(cond.notify(1), 1);
    assert!(ws[0].woken() && !ws[1].woken() && !ws[2].woken());
    ws[0].ready();
    assert_eq!(cond.notify(2), 2);
    ws[1].ready();
    ws[2].ready();
    assert_eq!(cond.notify_all(), 0);
    assert_eq!(*lock.try_lock().unwrap(), [0, 1, 2]);
}

#[test]
fn notify_all_wakes_everyone() {
    let lock = Lock::new(());
    let cond = Condition::new();
    let mut ws: Vec<_> = (0..4)
        .map(|_| {
            let (lock, cond) = (&lock, &cond);
            Task::new(async move { drop(cond.wait(lock.lock().await).await) })
        })
        .collect();
    for w in &mut ws {
        w.pending();
    }
    assert_eq!(cond.notify_all(), 4);
    for w in &mut ws {
        w.ready();
    }
}

#[test]
fn wait_for_rechecks_the_predicate() {
    let lock = Lock::new(0);
    let cond = Condition::new();
    let mut w = Task::new(async {
        let g = cond.wait_for(lock.lock().await, |v| *v >= 2).await;
        *g
    });
    w.pending();
    *lock.try_lock().unwrap() = 1;
    cond.notify_all();
    w.pending(); // predicate still false: waits again
    *lock.try_lock().unwrap() = 2;
    cond.notify_all();
    assert_eq!(w.ready(), 2);
}

#[test]
fn cancel_while_waiting_just_leaves() {
    let lock = Lock::new(());
    let cond = Condition::new();
    let mut a = Task::new(async { drop(cond.wait(lock.lock().await).await) });
    let mut b = Task::new(async { drop(cond.wait(lock.lock().await).await) });
    a.pending();
    b.pending();
    drop(a);
    assert_eq!(cond.n_waiting(), 1);
    assert_eq!(cond.notify(1), 1);
    assert!(b.woken());
    b.ready();
    assert!(!lock.is_locked());
}

#[test]
fn cancel_after_notify_passes_the_notification_on() {
    let lock = Lock::new(());
    let cond = Condition::new();
    let mut a = Task::new(async { drop(cond.wait(lock.lock().await).await) });
    let mut b = Task::new(async { drop(cond.wait(lock.lock().await).await) });
    a.pending();
    b.pending();
    cond.notify(1);
    assert!(a.woken());
    drop(a); // notified, never ran
    assert!(b.woken(), "notification passed on");
    b.ready();
}

#[test]
fn cancel_while_relocking_passes_the_notification_on() {
    let lock = Lock::new(());
    let cond = Condition::new();
    let mut a = Task::new(async { drop(cond.wait(lock.lock().await).await) });
    let mut b = Task::new(async { drop(cond.wait(lock.lock().await).await) });
    a.pending();
    b.pending();
    let g = lock.try_lock().unwrap();
    cond.notify(1);
    a.pending(); // waiting for the lock now
    drop(a);
    assert!(b.woken());
    b.pending(); // lock still held by us
    drop(g);
    b.ready();
    assert!(!lock.is_locked());
}

#[test]
fn wait_timeout_reacquires_on_timeout() {
    let lock = Lock::new(1);
    let cond = Condition::new();
    let g = lock.blocking_lock();
    let (g, notified) = cond.wait_timeout(g, Duration::from_millis(10));
    assert!(!notified);
    assert_eq!(*g, 1);
    assert!(lock.is_locked());
    assert_eq!(cond.n_waiting(), 0);
}

#[test]
fn threads_notify_tasks_and_back() {
    let state = Arc::new((Lock::new(0usize), Condition::new()));
    let rounds = n(200, 10);
    let ping = {
        let state = state.clone();
        std::thread::spawn(move || {
            let (lock, cond) = &*state;
            for i in 0..rounds {
                // thread side: wait for an even value, make it odd
                let mut g = cond.wait_for_blocking(lock.blocking_lock(), |v| *v == 2 * i);
                *g += 1;
                drop(g);
                cond.notify_all();
            }
        })
    };
    let pong = {
        let state = state.clone();
        std::thread::spawn(move || {
            block_on(async {
                let (lock, cond) = &*state;
                for i in 0..rounds {
                    let mut g = cond.wait_for(lock.lock().await, |v| *v == 2 * i + 1).await;
                    *g += 1;
                    drop(g);
                    cond.notify_all();
                }
            })
        })
    };
    join(ping);
    join(pong);
    assert_eq!(*state.0.blocking_lock(), 2 * rounds);
}
