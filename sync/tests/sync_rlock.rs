//! RLock: reentrancy by task and by thread, FIFO hand-off, cancel safety,
//! bounded waits, non-owner release, and `Condition` over an `RLock`
//! (in spirit of CPython's test_locks.py RLockTests and ConditionTests).

mod common;

use common::{join, n, Task};
use myrt_sync::{Condition, RLock};
use std::cell::Cell;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

thread_local! {
    /// The "task" being polled on this thread (0: none), for the identity
    /// hook below: an executor stand-in.
    static FAKE_TASK: Cell<u64> = const { Cell::new(0) };
}

fn fake_task_identity() -> Option<NonZeroU64> {
    NonZeroU64::new(FAKE_TASK.with(Cell::get))
}

fn install() {
    // Miri gives each coercion of a fn item its own address, so the
    // "same hook" answer is only meaningful outside it.
    let same = myrt_sync::set_task_identity(fake_task_identity);
    assert!(same || cfg!(miri));
}

/// Runs `f` as if task `id` were being polled.
fn as_task<R>(id: u64, f: impl FnOnce() -> R) -> R {
    install();
    let prev = FAKE_TASK.with(|c| c.replace(id));
    let r = f();
    FAKE_TASK.with(|c| c.set(prev));
    r
}

#[test]
fn a_thread_reenters_and_frees_after_the_last_level() {
    install();
    let lock = RLock::new(7);
    let a = lock.blocking_lock();
    let b = lock.try_lock().expect("the owner re-enters");
    let c = lock.blocking_lock_timeout(Duration::ZERO).expect("at once");
    assert_eq!((*a, *b, *c), (7, 7, 7));
    assert_eq!(lock.levels_held(), 3);
    assert!(lock.is_owned());
    drop(b);
    drop(a);
    assert!(lock.is_locked(), "one level is still held");
    // Another thread cannot take it meanwhile.
    thread::scope(|s| {
        s.spawn(|| {
            assert!(lock.try_lock().is_err());
            assert!(!lock.is_owned());
            assert_eq!(lock.levels_held(), 0);
        });
    });
    drop(c);
    assert!(!lock.is_locked());
    thread::scope(|s| {
        s.spawn(|| assert!(lock.try_lock().is_ok()));
    });
}

#[test]
fn release_by_a_non_owner_is_an_error_and_releases_nothing() {
    install();
    let lock = RLock::new(());
    assert!(lock.release().is_err(), "nobody holds it");
    myrt_sync::RLockGuard::forget(lock.blocking_lock()); // Python's bare acquire()
    myrt_sync::RLockGuard::forget(lock.blocking_lock());
    thread::scope(|s| {
        s.spawn(|| {
            let e = lock.release().unwrap_err();
            assert!(e.to_string().contains("does not hold"));
        });
    });
    assert_eq!(lock.levels_held(), 2);
    lock.release().unwrap();
    lock.release().unwrap();
    assert!(!lock.is_locked());
    assert!(lock.release().is_err());
}

#[test]
fn the_owner_is_the_task_not_the_thread() {
    let lock = RLock::new(());
    // Task 1 takes the lock on this thread and keeps the guard...
    let guard = as_task(1, || lock.try_lock().expect("free"));
    // ...this thread, outside the task, is not the owner.
    assert!(lock.try_lock().is_err());
    assert!(as_task(2, || lock.try_lock()).is_err());
    // The task moves to another thread: there it still owns the lock.
    thread::scope(|s| {
        let lock = &lock;
        s.spawn(move || {
            as_task(1, || {
                let g = lock.try_lock().expect("task 1 re-enters on another thread");
                assert!(lock.is_owned());
                assert_eq!(lock.levels_held(), 2);
                drop(g);
            });
            // The guard moved with the task and is dropped here.
            drop(guard);
        });
    });
    assert!(!lock.is_locked());
}

#[test]
fn waiters_get_the_lock_in_fifo_order_and_reentry_does_not_queue() {
    let lock = RLock::new(());
    let order = Mutex::new(Vec::new());
    let holder = as_task(1, || lock.try_lock().unwrap());
    let mut tasks: Vec<_> = (2..5u64)
        .map(|id| {
            let (lock, order) = (&lock, &order);
            (
                id,
                Task::new(async move {
                    let _g = lock.lock().await;
                    let _inner = lock.lock().await; // re-entry while others queue
                    order.lock().unwrap().push(id);
                }),
            )
        })
        .collect();
    for (id, t) in &mut tasks {
        as_task(*id, || t.pending());
    }
    // The owner re-enters at once although others are queued.
    let inner = as_task(1, || lock.try_lock().expect("owner re-enters"));
    // A newcomer does not barge past the queue.
    assert!(as_task(9, || lock.try_lock()).is_err());
    drop(inner);
    drop(holder);
    for (id, t) in &mut tasks {
        assert!(t.woken(), "task {id} was handed the lock");
        as_task(*id, || t.ready());
    }
    assert_eq!(*order.lock().unwrap(), [2, 3, 4]);
    assert!(!lock.is_locked());
}

#[test]
fn a_dropped_waiter_passes_the_hand_off_on() {
    let lock = RLock::new(());
    let holder = as_task(1, || lock.try_lock().unwrap());
    let mut a = Task::new(lock.lock());
    let mut b = Task::new(lock.lock());
    as_task(2, || a.pending());
    as_task(3, || b.pending());
    drop(holder); // hands the lock to task 2
    assert!(a.woken());
    assert!(!b.woken());
    drop(a); // cancelled after the hand-off: task 3 gets it
    assert!(b.woken());
    let g = as_task(3, || b.ready());
    assert!(as_task(3, || lock.is_owned()));
    drop(g);
    assert!(!lock.is_locked());
}

#[test]
fn a_dropped_queued_waiter_just_leaves() {
    let lock = RLock::new(());
    let holder = as_task(1, || lock.try_lock().unwrap());
    let mut a = Task::new(lock.lock());
    as_task(2, || a.pending());
    drop(a);
    drop(holder);
    assert!(!lock.is_locked(), "nobody was waiting any more");
}

#[test]
fn blocking_lock_timeout_gives_up_and_leaves_the_queue() {
    install();
    let lock = Arc::new(RLock::new(()));
    let held = lock.blocking_lock();
    let l2 = lock.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let t = thread::spawn(move || {
        assert!(l2
            .blocking_lock_timeout(Duration::from_millis(10))
            .is_none());
        tx.send(()).unwrap();
        // A timeout past TIMEOUT_MAX waits forever instead of overflowing.
        let g = l2
            .blocking_lock_timeout(Duration::MAX)
            .expect("no deadline");
        drop(g);
    });
    rx.recv().unwrap();
    assert_eq!(lock.levels_held(), 1, "the timed-out waiter took nothing");
    drop(held);
    join(t);
    assert!(!lock.is_locked());
}

#[test]
fn threads_exclude_each_other() {
    install();
    let lock = Arc::new(RLock::new(AtomicUsize::new(0)));
    let inside = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (lock, inside) = (lock.clone(), inside.clone());
            thread::spawn(move || {
                for _ in 0..n(500, 20) {
                    let g = lock.blocking_lock();
                    let g2 = lock.blocking_lock();
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two owners");
                    g.fetch_add(1, Ordering::Relaxed);
                    inside.fetch_sub(1, Ordering::SeqCst);
                    drop(g2);
                    drop(g);
                }
            })
        })
        .collect();
    for t in threads {
        join(t);
    }
    assert_eq!(lock.blocking_lock().load(Ordering::Relaxed), 4 * n(500, 20));
}

#[test]
fn condition_wait_releases_every_level_and_restores_them() {
    install();
    let lock = Arc::new(RLock::new(AtomicUsize::new(0)));
    let cond = Arc::new(Condition::new());
    let outer = lock.blocking_lock();
    let _mid = lock.blocking_lock();
    let inner = lock.blocking_lock();
    let (l2, c2) = (lock.clone(), cond.clone());
    let setter = thread::spawn(move || {
        // Possible only if the waiter gave up all three levels.
        let g = l2.blocking_lock();
        g.store(1, Ordering::SeqCst);
        drop(g);
        // The waiter queued before it let go, so it is there to notify.
        assert_eq!(c2.notify(1), 1);
    });
    let inner = cond.blocking_wait_for(inner, |v| v.load(Ordering::SeqCst) == 1);
    assert_eq!(lock.levels_held(), 3);
    drop(inner);
    join(setter);
    assert_eq!(lock.levels_held(), 2);
    drop(outer);
    assert_eq!(lock.levels_held(), 1);
}

#[test]
fn condition_over_rlock_from_tasks_passes_a_cancelled_notification_on() {
    let lock = RLock::new(());
    let cond = Condition::new();
    let mut a = Task::new(async {
        let g = lock.lock().await;
        let g = cond.wait(g).await;
        drop(g);
    });
    let mut b = Task::new(async {
        let g = lock.lock().await;
        let _g = cond.wait(g).await;
    });
    as_task(1, || a.pending());
    as_task(2, || b.pending());
    assert_eq!(cond.n_waiting(), 2);
    let blocker = as_task(3, || lock.try_lock().expect("both waiters let go"));
    assert_eq!(cond.notify(1), 1); // to task 1, which then waits for the lock
    as_task(1, || a.pending());
    drop(a); // cancelled while re-locking: task 2 gets the notification
    assert_eq!(cond.n_waiting(), 0);
    drop(blocker);
    as_task(2, || b.ready());
    assert!(!lock.is_locked());
}

#[test]
fn condition_wait_for_timeout_reports_the_predicate() {
    install();
    let lock = RLock::new(AtomicUsize::new(0));
    let cond = Condition::new();
    let g = lock.blocking_lock();
    let (g, ok) =
        cond.blocking_wait_for_timeout(g, |v| v.load(Ordering::SeqCst) == 1, Duration::ZERO);
    assert!(!ok);
    let (g, ok) = cond.blocking_wait_for_timeout(
        g,
        |v| v.load(Ordering::SeqCst) == 1,
        Duration::from_millis(5),
    );
    assert!(!ok, "nobody set it");
    g.store(1, Ordering::SeqCst);
    let (g, ok) =
        cond.blocking_wait_for_timeout(g, |v| v.load(Ordering::SeqCst) == 1, Duration::MAX);
    assert!(ok);
    assert_eq!(lock.levels_held(), 1);
    drop(g);
}
