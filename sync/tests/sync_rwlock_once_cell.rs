//! RwLock (fair: a waiting writer holds back later readers) and OnceCell
//! (one initializer at a time, failures and cancellation let the next try).

mod common;

use common::{block_on, join, n, Task};
use myrt_sync::{OnceCell, RwLock};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn many_readers_or_one_writer() {
    let l = RwLock::new(1);
    let r1 = l.try_read().unwrap();
    let r2 = l.try_read().unwrap();
    assert_eq!(*r1 + *r2, 2);
    assert!(l.try_write().is_err());
    drop((r1, r2));
    let mut w = l.try_write().unwrap();
    *w = 5;
    assert!(l.try_read().is_err());
    assert!(l.try_write().is_err());
    drop(w);
    assert_eq!(*l.try_read().unwrap(), 5);
    assert_eq!(l.into_inner(), 5);
}

#[test]
fn a_waiting_writer_holds_back_later_readers_then_they_go_together() {
    let l = RwLock::new(0);
    let r = l.try_read().unwrap();
    let mut w = Task::new(async { *l.write().await += 1 });
    w.pending();
    // The writer is queued: a newcomer cannot read past it.
    assert!(l.try_read().is_err());
    let mut r2 = Task::new(async { *l.read().await });
    let mut r3 = Task::new(async { *l.read().await });
    r2.pending();
    r3.pending();
    drop(r);
    assert!(w.woken());
    w.ready();
    // Both readers queued behind the writer now run, and see its write.
    assert!(r2.woken() && r3.woken());
    let g2 = r2.poll();
    assert_eq!(g2, std::task::Poll::Ready(1));
    assert_eq!(r3.ready(), 1);
}

#[test]
fn a_cancelled_writer_lets_the_readers_behind_it_in() {
    let l = RwLock::new(0);
    let r = l.try_read().unwrap();
    let mut w = Task::new(async { *l.write().await += 1 });
    w.pending();
    let mut r2 = Task::new(async { *l.read().await });
    r2.pending();
    drop(w);
    assert!(
        r2.woken(),
        "dropping the queued writer must wake the reader behind it"
    );
    assert_eq!(r2.ready(), 0);
    drop(r);
    assert!(l.try_write().is_ok());
}

#[test]
fn a_writer_handed_the_lock_but_dropped_passes_it_on() {
    let l = RwLock::new(0);
    let g = l.try_write().unwrap();
    let mut w = Task::new(async { *l.write().await += 1 });
    let mut r = Task::new(async { *l.read().await });
    w.pending();
    r.pending();
    drop(g);
    assert!(w.woken());
    drop(w); // woken, never polled
    assert!(r.woken());
    assert_eq!(r.ready(), 0);
}

#[test]
fn downgrade_keeps_reading_and_admits_queued_readers() {
    let l = RwLock::new(1);
    let mut w = l.try_write().unwrap();
    *w = 2;
    let mut r = Task::new(async { *l.read().await });
    r.pending();
    let mut w2 = Task::new(async { *l.write().await = 3 });
    w2.pending();
    let g = w.downgrade();
    assert_eq!(*g, 2);
    assert!(r.woken());
    assert_eq!(r.ready(), 2);
    assert!(
        !w2.woken(),
        "a writer cannot get in while the downgraded guard reads"
    );
    drop(g);
    assert!(w2.woken());
    w2.ready();
    assert_eq!(*l.try_read().unwrap(), 3);
}

#[test]
fn max_readers_bounds_readers_and_zero_is_an_error() {
    let l = RwLock::with_max_readers((), 2);
    let a = l.try_read().unwrap();
    let _b = l.try_read().unwrap();
    assert!(l.try_read().is_err());
    drop(a);
    assert!(l.try_read().is_ok());
    assert_eq!(RwLock::checked_with_max_readers(7, 0).err(), Some(7));
    assert!(std::panic::catch_unwind(|| RwLock::with_max_readers((), 0)).is_err());
}

#[test]
fn threads_and_tasks_share_one_lock() {
    // Writers bump both halves under one guard: a reader that ever sees
    // them differ read in the middle of a write.
    let l = Arc::new(RwLock::new((0u64, 0u64)));
    let per = n(2000, 50) as u64;
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let l = l.clone();
            std::thread::spawn(move || {
                for _ in 0..per {
                    if i % 2 == 0 {
                        let mut g = l.blocking_write();
                        g.0 += 1;
                        std::hint::spin_loop();
                        g.1 += 1;
                    } else {
                        block_on(async {
                            let g = l.read().await;
                            assert_eq!(g.0, g.1, "read during a write");
                        });
                        block_on(async {
                            let mut g = l.write().await;
                            g.0 += 1;
                            g.1 += 1;
                        });
                    }
                }
            })
        })
        .collect();
    for h in hs {
        join(h);
    }
    assert_eq!(*l.blocking_read(), (4 * per, 4 * per));
}

#[test]
fn once_cell_set_get_and_take() {
    let mut c = OnceCell::new();
    assert!(c.get().is_none() && !c.is_set());
    c.set(1).unwrap();
    assert_eq!(c.set(2).unwrap_err().0, 2);
    assert_eq!(c.get(), Some(&1));
    assert_eq!(c.take(), Some(1));
    assert!(!c.is_set());
    assert_eq!(OnceCell::from(3).into_inner(), Some(3));
}

#[test]
fn once_cell_runs_one_initializer_and_others_wait_for_it() {
    let c = OnceCell::new();
    let runs = AtomicUsize::new(0);
    let tx = myrt_sync::Event::new();
    let mut first = Task::new(c.get_or_init(|| async {
        runs.fetch_add(1, Ordering::SeqCst);
        tx.wait().await;
        10
    }));
    first.pending();
    let mut second = Task::new(c.get_or_init(|| async {
        runs.fetch_add(1, Ordering::SeqCst);
        20
    }));
    second.pending();
    tx.set();
    assert_eq!(*first.ready(), 10);
    assert!(second.woken());
    assert_eq!(*second.ready(), 10);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn once_cell_failed_or_cancelled_initializer_lets_the_next_try() {
    let c = OnceCell::new();
    let gate = myrt_sync::Event::new();
    let mut cancelled = Task::new(c.get_or_init(|| async {
        gate.wait().await;
        1
    }));
    cancelled.pending();
    let mut failing = Task::new(c.get_or_try_init(|| async { Err::<u32, &str>("nope") }));
    failing.pending();
    drop(cancelled);
    assert!(failing.woken());
    assert_eq!(failing.ready(), Err("nope"));
    assert!(!c.is_set());
    assert_eq!(
        block_on(c.get_or_try_init(|| async { Ok::<_, ()>(3) })),
        Ok(&3)
    );
    assert_eq!(c.blocking_get_or_init(|| 4), &3);
}

static GLOBAL: OnceCell<String> = OnceCell::new();

#[test]
fn once_cell_in_a_static_from_threads() {
    let hs: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || GLOBAL.blocking_get_or_init(|| format!("t{i}")).clone())
        })
        .collect();
    let seen: Vec<String> = hs.into_iter().map(join).collect();
    assert!(seen.iter().all(|s| s == &seen[0]), "{seen:?}");
    assert_eq!(GLOBAL.get(), Some(&seen[0]));
}
