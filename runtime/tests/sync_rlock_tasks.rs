//! RLock under the myrt runtime: the owner is the task, across awaits and
//! worker threads; tasks and plain threads exclude each other.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use myrt::runtime::Builder;
use myrt::sync::{Condition, Event, RLock};
use myrt::task::{spawn, yield_now};

#[test]
fn a_task_owns_its_rlock_across_awaits_and_threads() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let lock = Arc::new(RLock::new(AtomicUsize::new(0)));
        let inside = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (lock, inside) = (lock.clone(), inside.clone());
                spawn(async move {
                    for _ in 0..50 {
                        let outer = lock.lock().await;
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two owners");
                        // Resumes on any worker: still the owner, so it re-enters.
                        yield_now().await;
                        let inner = lock.try_lock().expect("the task owns the lock");
                        assert!(lock.is_owned());
                        assert_eq!(lock.levels_held(), 2);
                        let again = lock.lock().await; // async re-entry never waits
                        inner.fetch_add(1, Ordering::Relaxed);
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop((again, inner, outer));
                        assert!(!lock.is_owned());
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(lock.try_lock().unwrap().load(Ordering::Relaxed), 200);
        assert!(!lock.is_locked());
    });
}

#[test]
fn a_thread_waits_for_a_task_that_holds_the_rlock() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let lock = Arc::new(RLock::new(()));
    let (taken, go) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let holder = {
        let (lock, taken, go) = (lock.clone(), taken.clone(), go.clone());
        rt.spawn(async move {
            let g = lock.lock().await;
            taken.set();
            go.wait().await;
            drop(g);
        })
    };
    taken.blocking_wait();
    // The worker thread holds nothing itself: this thread is not the owner.
    assert!(lock.try_lock().is_err());
    assert!(lock.release().is_err(), "a non-owner's release is an error");
    assert!(lock.is_locked());
    go.set();
    let g = lock.blocking_lock();
    assert!(lock.is_owned());
    drop(g);
    rt.block_on(holder).unwrap();
}

#[test]
fn condition_over_rlock_between_tasks() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let state = Arc::new((RLock::new(AtomicUsize::new(0)), Condition::new()));
        let waiter = {
            let state = state.clone();
            spawn(async move {
                let (lock, cond) = &*state;
                let outer = lock.lock().await;
                let inner = lock.lock().await;
                let inner = cond
                    .wait_for(inner, |v| v.load(Ordering::SeqCst) == 1)
                    .await;
                assert_eq!(lock.levels_held(), 2, "both levels are back");
                drop((inner, outer));
            })
        };
        let (lock, cond) = &*state;
        loop {
            {
                let g = lock.lock().await;
                if cond.n_waiting() == 1 {
                    g.store(1, Ordering::SeqCst);
                    cond.notify_all();
                    break;
                }
            }
            yield_now().await;
        }
        waiter.await.unwrap();
    });
}
