//! Condition: ports in spirit of CPython's test_locks.py ConditionTests.

mod common;

use common::{block_on, join, n, Task, LIMIT};
use myrt_sync::{Condition, Lock};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    let (g, notified) = cond.blocking_wait_timeout(g, Duration::from_millis(10));
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
                let mut g = cond.blocking_wait_for(lock.blocking_lock(), |v| *v == 2 * i);
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

/// How long the `wait_timeout` waiters below wait for their notification.
/// Only a bound: the notification comes as soon as they are queued, long
/// before it runs out.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(2);

/// Spins until `cond` has `waiting` waiters not yet notified.
fn until_waiting(cond: &Condition, waiting: usize) {
    let deadline = Instant::now() + LIMIT;
    while cond.n_waiting() < waiting {
        assert!(Instant::now() < deadline, "waiter never queued");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Starts a thread that takes `lock`, reports the time and then calls
/// `wait_timeout(timeout)`; it returns the flag and the value it saw.
fn timed_waiter(
    state: &Arc<(Lock<u32>, Condition)>,
    timeout: Duration,
) -> (std::thread::JoinHandle<(bool, u32)>, Instant) {
    let (tx, rx) = std::sync::mpsc::channel();
    let state = Arc::clone(state);
    let h = std::thread::spawn(move || {
        let (lock, cond) = &*state;
        let g = lock.blocking_lock();
        tx.send(Instant::now()).unwrap();
        let (g, notified) = cond.blocking_wait_timeout(g, timeout);
        (notified, *g)
    });
    let started = rx.recv_timeout(LIMIT).expect("waiter did not start");
    (h, started)
}

#[test]
fn wait_timeout_notified_in_time_stays_notified_through_a_slow_relock() {
    // The timeout bounds the wait for the notification only, as in Python:
    // re-taking the lock afterwards may take as long as it takes.
    let state = Arc::new((Lock::new(0u32), Condition::new()));
    let (waiter, started) = timed_waiter(&state, NOTIFY_TIMEOUT);
    let (lock, cond) = &*state;
    until_waiting(cond, 1);
    let mut g = lock.blocking_lock();
    *g = 5;
    // The waiter is still queued, so it is notified before its deadline...
    assert_eq!(cond.notify(1), 1);
    // ...but cannot have the lock back until well after that deadline.
    let past_deadline = started + NOTIFY_TIMEOUT + Duration::from_secs(1);
    std::thread::sleep(past_deadline.saturating_duration_since(Instant::now()));
    drop(g);
    assert_eq!(
        join(waiter),
        (true, 5),
        "a notified waiter reports notified"
    );
    assert_eq!(cond.n_waiting(), 0);
}

#[test]
fn slow_relock_after_notify_one_wakes_exactly_one_waiter() {
    let state = Arc::new((Lock::new(0u32), Condition::new()));
    // The first in line is notified; the second waits long enough to be
    // still waiting when the test checks on it, and is then notified too.
    let (first, started) = timed_waiter(&state, NOTIFY_TIMEOUT);
    let (lock, cond) = &*state;
    until_waiting(cond, 1);
    let (second, _) = timed_waiter(&state, LIMIT);
    until_waiting(cond, 2);
    let mut g = lock.blocking_lock();
    *g = 1;
    assert_eq!(cond.notify(1), 1);
    let past_deadline = started + NOTIFY_TIMEOUT + Duration::from_secs(1);
    std::thread::sleep(past_deadline.saturating_duration_since(Instant::now()));
    drop(g);
    let first = join(first);
    // The first waiter kept its notification: the second was not woken.
    assert_eq!(cond.n_waiting(), 1, "notify(1) woke more than one waiter");
    assert_eq!(first, (true, 1), "a notified waiter reports notified");
    *lock.blocking_lock() = 2;
    assert_eq!(cond.notify(1), 1);
    assert_eq!(join(second), (true, 2));
}
